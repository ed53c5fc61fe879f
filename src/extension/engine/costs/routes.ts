import * as z from 'zod';
import type { Budgets } from '../../../shared/costs';
import type { AgentSession } from '../../../shared/sessions';
import { validate } from '../relay/http';
import type { Router } from '../relay/router';
import { aggregateCosts, DEFAULT_TOP_SESSIONS } from './aggregate';

const costsQuerySchema = z.strictObject({ top: z.coerce.number().int().min(1).max(1000).default(DEFAULT_TOP_SESSIONS) });

/** `GET /api/costs[?top=N]`: the sessions' costs per agent, model and day, the N costliest sessions and the budgets. */
export function registerCostRoutes(router: Router, sessions: { list(): AgentSession[] }, budgets: () => Budgets, now: () => number = Date.now): void {
  router.add('GET', '/api/costs', ({ url }) =>
    aggregateCosts(sessions.list(), budgets(), now(), validate(costsQuerySchema, Object.fromEntries(url.searchParams)).top),
  );
}
