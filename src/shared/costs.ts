// What GET /api/costs answers: coding-agent sessions' tokens and costs per agent, model and day, the
// costliest sessions and the budgets of `agentMesh.costs.budgets`. Money is shown with formatCost (./sessions).
import type { HookAgent } from './hooks';
import type { SessionTokens } from './sessions';

export const BUDGET_PERIODS = ['day', 'week', 'month'] as const;
export type BudgetPeriod = (typeof BUDGET_PERIODS)[number];
/** US dollars per period; a period without a value has no budget. */
export type Budgets = Partial<Record<BudgetPeriod, number>>;

export interface CostGroup {
  /** The agent, the model ("unknown" without one) or the UTC day (YYYY-MM-DD). */
  key: string;
  sessions: number;
  tokens: SessionTokens;
  costUsd: number;
  /** Some of it is unpriced: a session without a price or partly priced. */
  approximate: boolean;
  /** Sessions none of whose models has a price. */
  unpricedSessions: number;
}

export interface SessionCost {
  id: string;
  agent: HookAgent;
  model?: string;
  costUsd: number | null;
  approximate: boolean;
  tokens: SessionTokens;
  lastEventAt: number;
}

/** ok; warning: projected over the limit by the end of the period; over: already spent more than the limit. */
export type BudgetState = 'ok' | 'warning' | 'over';

export interface BudgetStatus {
  period: BudgetPeriod;
  limitUsd: number;
  spentUsd: number;
  /** The spending so far extended linearly to the end of the period. */
  projectedUsd: number;
  periodStart: number;
  periodEnd: number;
  status: BudgetState;
}

/** How far back GET /api/costs?range= looks for the cost over time: per UTC hour up to 7 days, per UTC day for 30. */
export const COST_RANGES = ['24h', '7d', '30d'] as const;
export type CostRange = (typeof COST_RANGES)[number];

export interface CostSeries {
  /** The agent. */
  key: string;
  /** US dollars per bucket, in the order of `bucketStarts`. */
  costUsd: number[];
  /** Some of it is unpriced. */
  approximate: boolean;
}

export interface CostTimeline {
  range: CostRange;
  bucket: 'hour' | 'day';
  /** The start of each bucket (ms, UTC), oldest first; the last one holds `generatedAt`. */
  bucketStarts: number[];
  /** One series per agent with a session in the range, the costliest first. */
  byAgent: CostSeries[];
}

export interface CostReport {
  generatedAt: number;
  total: Omit<CostGroup, 'key'>;
  byAgent: CostGroup[];
  byModel: CostGroup[];
  byDay: CostGroup[];
  topSessions: SessionCost[];
  budgets: BudgetStatus[];
  timeline: CostTimeline;
}
