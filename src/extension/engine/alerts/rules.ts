// The alert rules: each turns what the engine knows now into the conditions that hold now. A condition
// is identified by its key; the monitor fires an alert when a key appears and forgets it once it is gone.
import type { AlertKind, AlertSeverity } from '../../../shared/alerts';
import type { Budgets } from '../../../shared/costs';
import { formatCost, type AgentSession } from '../../../shared/sessions';
import { aggregateCosts } from '../costs/aggregate';

export interface AlertCondition {
  key: string;
  kind: AlertKind;
  severity: AlertSeverity;
  subject: string;
  message: string;
}

export interface AlertInputs {
  sessions: AgentSession[];
  budgets: Budgets;
  now: number;
}

export type AlertRule = (inputs: AlertInputs) => AlertCondition[];

export const STALLED_AFTER_MS = 10 * 60 * 1000;

/** A budget whose spending is over its limit (warning severity) or projected over it by the period's end (info). */
export const budgetRule: AlertRule = ({ sessions, budgets, now }) =>
  aggregateCosts(sessions, budgets, now, 0).budgets.flatMap((budget) => {
    if (budget.status === 'ok') return [];
    const spent = formatCost(budget.spentUsd, false);
    const limit = formatCost(budget.limitUsd, false);
    const over = budget.status === 'over';
    return [
      {
        // The period's start makes next period's overrun a new condition.
        key: `budget:${budget.period}:${budget.periodStart}:${budget.status}`,
        kind: 'budget',
        severity: over ? 'warning' : 'info',
        subject: budget.period,
        message: over
          ? `The ${budget.period} budget of ${limit} is exceeded: ${spent} spent.`
          : `The ${budget.period} budget of ${limit} is projected to be exceeded: ${spent} spent, ${formatCost(budget.projectedUsd, false)} projected.`,
      },
    ];
  });

/** A running or waiting agent session with no event for ten minutes. */
export const stalledSessionRule: AlertRule = ({ sessions, now }) =>
  sessions
    .filter((session) => (session.status === 'running' || session.status === 'waiting') && now - session.lastEventAt >= STALLED_AFTER_MS)
    .map((session) => ({
      key: `stalled:${session.id}`,
      kind: 'stalled-session',
      severity: 'info',
      subject: session.id,
      message: `The ${session.agent} session ${session.sessionId} has been ${session.status} with no event for ${Math.floor((now - session.lastEventAt) / 60_000)} minutes.`,
    }));
