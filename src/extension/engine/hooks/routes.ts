import * as z from 'zod';
import { HOOK_AGENTS, type HookAgent } from '../../../shared/hooks';
import { hangUpSignal, readJsonBody, sendJson, validate } from '../relay/http';
import { EngineError } from '../errors';
import type { Router } from '../relay/router';
import type { HookIntake } from './intake';
import type { HookRules } from './rules';
import type { SessionTracker } from './sessions';

const transcriptQuerySchema = z.strictObject({ cursor: z.coerce.number().int().min(0).default(0) });

function hookAgent(name: string): HookAgent {
  if (!(HOOK_AGENTS as readonly string[]).includes(name)) throw new EngineError('not_found', 'not_found', `no hook intake for "${name}" (one of ${HOOK_AGENTS.join(', ')})`);
  return name as HookAgent;
}

/** `POST /api/hooks/:agent` (claude-code, copilot, cursor), the rules behind it (`/api/hook-rules`) and the sessions it sees. */
export function registerHookRoutes(router: Router, intake: HookIntake, rules: HookRules, sessions: SessionTracker): void {
  router.add('POST', '/api/hooks/:agent', async ({ req, res, params }) => {
    // Agents send the bearer header; a dashboard page's session secret is not enough here, so no page
    // a browser shows can feed this door (the relay already checked that the presented token is right).
    if (!req.headers.authorization?.startsWith('Bearer ')) throw new EngineError('unauthorized', 'unauthorized', 'agent hooks must send Authorization: Bearer <token>');
    const agent = hookAgent(params.agent);
    const body = await readJsonBody(req);
    // The agent hanging up (its own hook timeout) ends the wait; the approval is cancelled then.
    return intake.handle(agent, body, hangUpSignal(res));
  });
  router.add('GET', '/api/hook-rules', () => rules.list());
  router.add('GET', '/api/sessions', () => sessions.list());
  router.add('GET', '/api/sessions/:id', ({ params }) => sessions.get(params.id));
  router.add('GET', '/api/sessions/:id/events', ({ params }) => sessions.eventsOf(params.id));
  router.add('GET', '/api/sessions/:id/transcript', ({ params, url }) =>
    sessions.transcript(params.id, validate(transcriptQuerySchema, Object.fromEntries(url.searchParams)).cursor),
  );
  router.add('POST', '/api/hook-rules', async ({ req, res }) => sendJson(res, 201, await rules.add(await readJsonBody(req))));
  router.add('DELETE', '/api/hook-rules/:id', async ({ params }) => {
    await rules.revoke(params.id);
    return { success: true };
  });
}
