import * as z from 'zod';
import { COST_RANGES, type Budgets } from '../../../shared/costs';
import type { AgentSession } from '../../../shared/sessions';
import { validate } from '../relay/http';
import type { Router } from '../relay/router';
import { aggregateCosts, DEFAULT_TOP_SESSIONS } from './aggregate';

const costsQuerySchema = z.strictObject({
  top: z.coerce.number().int().min(1).max(1000).default(DEFAULT_TOP_SESSIONS),
  range: z.enum(COST_RANGES).default('24h'),
});

/** `GET /api/costs[?top=N][&range=24h|7d|30d]`: the sessions' costs per agent, model and day, the N costliest sessions, the budgets and each agent's cost over the range. */
export function registerCostRoutes(router: Router, sessions: { list(): AgentSession[] }, budgets: () => Budgets, now: () => number = Date.now): void {
  router.add('GET', '/api/costs', ({ url }) => {
    const { top, range } = validate(costsQuerySchema, Object.fromEntries(url.searchParams));
    return aggregateCosts(sessions.list(), budgets(), now(), top, range);
  });
}
