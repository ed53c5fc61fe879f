import * as z from 'zod';
import { readJsonBody, validate } from '../relay/http';
import { EngineError } from '../errors';
import type { Router } from '../relay/router';
import type { MeshMonitor } from './monitor';

const checkBodySchema = z.object({ ids: z.array(z.string().min(1).max(128)).min(1).max(200).optional() }).strict();

/** GET /api/mesh/agents and POST /api/mesh/check (API.md); the body may name agents: `{ ids }`. */
export function registerMeshRoutes(router: Router, mesh: MeshMonitor): void {
  router.add('GET', '/api/mesh/agents', () => mesh.list());
  router.add('POST', '/api/mesh/check', async ({ req }) => {
    const { ids } = validate(checkBodySchema, await readJsonBody(req));
    const unknown = ids?.filter((id) => !mesh.has(id)) ?? [];
    if (unknown.length > 0) throw new EngineError('not_found', 'unknown_agent', `no agent with id ${unknown.map((id) => JSON.stringify(id)).join(', ')}`);
    return mesh.checkNow(ids);
  });
}
