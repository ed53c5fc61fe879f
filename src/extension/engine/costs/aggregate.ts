// Coding-agent costs per agent, model and day, the costliest sessions and the budgets, from the sessions
// the hooks saw. A session carries one running total (tokens and cost of its whole transcript), not a
// figure per response, so all of a session's cost is attributed to the UTC day of its last event, and a
// budget period counts the sessions whose last event falls in it.
import { BUDGET_PERIODS, type BudgetPeriod, type Budgets, type BudgetStatus, type CostGroup, type CostRange, type CostReport, type CostTimeline, type SessionCost } from '../../../shared/costs';
import type { AgentSession, SessionTokens } from '../../../shared/sessions';

export const DEFAULT_TOP_SESSIONS = 10;
const HOUR_MS = 60 * 60 * 1000;
const DAY_MS = 24 * HOUR_MS;
const RANGE_BUCKETS: Record<CostRange, { bucket: 'hour' | 'day'; count: number }> = {
  '24h': { bucket: 'hour', count: 24 },
  '7d': { bucket: 'hour', count: 7 * 24 },
  '30d': { bucket: 'day', count: 30 },
};

/** Costs are summed in whole micro-dollars so that totals carry no floating-point residue. */
const toMicro = (usd: number): number => Math.round(usd * 1e6);
const fromMicro = (micro: number): number => micro / 1e6;

interface Accumulator {
  sessions: number;
  tokens: SessionTokens;
  costMicro: number;
  approximate: boolean;
  unpricedSessions: number;
}

function emptyAccumulator(): Accumulator {
  return { sessions: 0, tokens: { input: 0, output: 0, cacheRead: 0, cacheWrite: 0 }, costMicro: 0, approximate: false, unpricedSessions: 0 };
}

function add(into: Accumulator, session: AgentSession): void {
  into.sessions += 1;
  into.tokens.input += session.tokens.input;
  into.tokens.output += session.tokens.output;
  into.tokens.cacheRead += session.tokens.cacheRead;
  into.tokens.cacheWrite += session.tokens.cacheWrite;
  if (session.costUsd === null) into.unpricedSessions += 1;
  else into.costMicro += toMicro(session.costUsd);
  if (session.costUsd === null || session.costApproximate) into.approximate = true;
}

function finish({ costMicro, ...rest }: Accumulator): Omit<CostGroup, 'key'> {
  return { ...rest, costUsd: fromMicro(costMicro) };
}

function groupBy(sessions: AgentSession[], keyOf: (session: AgentSession) => string): CostGroup[] {
  const groups = new Map<string, Accumulator>();
  for (const session of sessions) {
    const key = keyOf(session);
    let group = groups.get(key);
    if (!group) groups.set(key, (group = emptyAccumulator()));
    add(group, session);
  }
  return [...groups].map(([key, group]) => ({ key, ...finish(group) }));
}

const byCostThenKey = (a: CostGroup, b: CostGroup): number => b.costUsd - a.costUsd || a.key.localeCompare(b.key);
const utcDay = (at: number): string => new Date(at).toISOString().slice(0, 10);

function sessionCost(session: AgentSession): SessionCost {
  return {
    id: session.id,
    agent: session.agent,
    ...(session.model ? { model: session.model } : {}),
    costUsd: session.costUsd,
    approximate: session.costApproximate,
    tokens: session.tokens,
    lastEventAt: session.lastEventAt,
  };
}

/** The UTC period holding `now`: the day, the ISO week (from Monday) or the calendar month. */
export function periodOf(period: BudgetPeriod, now: number): { start: number; end: number } {
  const date = new Date(now);
  const dayStart = Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate());
  if (period === 'day') return { start: dayStart, end: dayStart + DAY_MS };
  if (period === 'week') {
    const start = dayStart - ((date.getUTCDay() + 6) % 7) * DAY_MS;
    return { start, end: start + 7 * DAY_MS };
  }
  return { start: Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), 1), end: Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 1) };
}

/** A budget is projected once this fraction of its period (1/24: an hour of a day) has gone. */
const PROJECT_AFTER_SHARE = 24;

export function budgetStatus(period: BudgetPeriod, limitUsd: number, sessions: AgentSession[], now: number): BudgetStatus {
  const { start, end } = periodOf(period, now);
  let spentMicro = 0;
  for (const session of sessions) {
    if (session.costUsd !== null && session.lastEventAt >= start && session.lastEventAt < end) spentMicro += toMicro(session.costUsd);
  }
  const elapsed = now - start;
  // Early in a period too little says how fast it goes (minutes into a month would project a few
  // dollars to thousands): until a twenty-fourth of it has gone, the projection is what is spent.
  const projectedMicro = elapsed >= (end - start) / PROJECT_AFTER_SHARE ? Math.round((spentMicro * (end - start)) / elapsed) : spentMicro;
  const spentUsd = fromMicro(spentMicro);
  const projectedUsd = fromMicro(projectedMicro);
  const status = spentUsd > limitUsd ? 'over' : projectedUsd > limitUsd ? 'warning' : 'ok';
  return { period, limitUsd, spentUsd, projectedUsd, periodStart: start, periodEnd: end, status };
}

/** Each agent's cost per UTC hour or day over the range ending with the bucket that holds `now`, a session counted in the bucket of its last event. */
export function costTimeline(sessions: AgentSession[], range: CostRange, now: number): CostTimeline {
  const { bucket, count } = RANGE_BUCKETS[range];
  const bucketMs = bucket === 'hour' ? HOUR_MS : DAY_MS;
  const first = Math.floor(now / bucketMs) * bucketMs - (count - 1) * bucketMs;
  const perAgent = new Map<string, { micro: number[]; totalMicro: number; approximate: boolean }>();
  for (const session of sessions) {
    const index = Math.floor((session.lastEventAt - first) / bucketMs);
    if (index < 0 || index >= count) continue;
    let series = perAgent.get(session.agent);
    if (!series) perAgent.set(session.agent, (series = { micro: new Array<number>(count).fill(0), totalMicro: 0, approximate: false }));
    const micro = session.costUsd === null ? 0 : toMicro(session.costUsd);
    series.micro[index] += micro;
    series.totalMicro += micro;
    if (session.costUsd === null || session.costApproximate) series.approximate = true;
  }
  return {
    range,
    bucket,
    bucketStarts: Array.from({ length: count }, (_, index) => first + index * bucketMs),
    byAgent: [...perAgent]
      .sort(([keyA, a], [keyB, b]) => b.totalMicro - a.totalMicro || keyA.localeCompare(keyB))
      .map(([key, { micro, approximate }]) => ({ key, costUsd: micro.map(fromMicro), approximate })),
  };
}

export function aggregateCosts(sessions: AgentSession[], budgets: Budgets, now: number, top = DEFAULT_TOP_SESSIONS, range: CostRange = '24h'): CostReport {
  const total = emptyAccumulator();
  for (const session of sessions) add(total, session);
  const topSessions = [...sessions]
    .sort((a, b) => (b.costUsd ?? -1) - (a.costUsd ?? -1) || b.lastEventAt - a.lastEventAt)
    .slice(0, top)
    .map(sessionCost);
  return {
    generatedAt: now,
    total: finish(total),
    byAgent: groupBy(sessions, (session) => session.agent).sort(byCostThenKey),
    byModel: groupBy(sessions, (session) => session.model ?? 'unknown').sort(byCostThenKey),
    byDay: groupBy(sessions, (session) => utcDay(session.lastEventAt)).sort((a, b) => a.key.localeCompare(b.key)),
    topSessions,
    budgets: BUDGET_PERIODS.flatMap((period) => {
      const limit = budgets[period];
      return limit === undefined ? [] : [budgetStatus(period, limit, sessions, now)];
    }),
    timeline: costTimeline(sessions, range, now),
  };
}
