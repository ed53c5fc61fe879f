import * as z from 'zod';
import { LOG_OUTCOMES, type LogPage, type LogSource } from '../../../shared/logs';
import { validate } from '../relay/http';
import { EngineError } from '../errors';
import type { Router } from '../relay/router';
import type { LogCatalogue } from './catalogue';
import { readLogPage } from './reader';

const LOG_ID = /^[0-9a-f]{16}$/;
export const MAX_PAGE_ENTRIES = 200;

const entriesQuerySchema = z.strictObject({
  cursor: z.string().max(40).optional(),
  limit: z.coerce.number().int().min(1).max(MAX_PAGE_ENTRIES).default(50),
  tool: z.string().min(1).max(200).optional(),
  outcome: z.enum(LOG_OUTCOMES).optional(),
  q: z.string().min(1).max(200).optional(),
});

/** `GET /api/logs` (the logs the relay may read) and `GET /api/logs/:id/entries` (a page of one log's timeline). */
export function registerLogRoutes(router: Router, catalogue: LogCatalogue): void {
  router.add('GET', '/api/logs', async (): Promise<{ logs: LogSource[] }> => ({ logs: await catalogue.list() }));
  router.add('GET', '/api/logs/:id/entries', async ({ params, url }): Promise<LogPage> => {
    if (!LOG_ID.test(params.id)) throw new EngineError('invalid', 'invalid_request', 'id: not a log id (GET /api/logs lists them)');
    const request = validate(entriesQuerySchema, Object.fromEntries(url.searchParams));
    const log = await catalogue.resolve(params.id);
    try {
      return await readLogPage(log.file, log.source.format, request);
    } catch (error) {
      if (error instanceof EngineError) throw error;
      throw new EngineError('not_found', 'not_found', `log ${params.id} cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
    }
  });
}
