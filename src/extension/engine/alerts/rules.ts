// The alert rules: each turns what the engine knows now into the conditions that hold now. A condition
// is identified by its key; the monitor fires an alert when a key appears and forgets it once it is gone.
import type { AlertKind, AlertSeverity } from '../../../shared/alerts';
import type { Budgets } from '../../../shared/costs';
import type { Task } from '../../../shared/tasks';
import { contextPercent, formatCost, formatCount, type AgentSession } from '../../../shared/sessions';
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
  /** The tasks listed now (running, and finished ones for a few minutes); none when absent. */
  tasks?: Task[];
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

export const CONTEXT_ALERT_PERCENT = 80;

/** A session whose latest response used more than 80 % of its model's context window. */
export const contextWindowRule: AlertRule = ({ sessions }) =>
  sessions
    .filter(({ context }) => context?.window !== undefined && context.tokens > (context.window * CONTEXT_ALERT_PERCENT) / 100)
    .map((session) => ({
      key: `context:${session.id}`,
      kind: 'context-window',
      severity: 'warning',
      subject: session.id,
      message: `The ${session.agent} session ${session.sessionId} uses ${contextPercent(session)} % of ${session.model ? `the ${session.model}` : 'its'} context window (${formatCount(session.context!.tokens)} of ${formatCount(session.context!.window!)} tokens).`,
    }));

export const REPEATED_FAILURES = 3;
export const FAILURE_WINDOW_MS = 10 * 60 * 1000;

/** The same tool failing (a failed tool result) at least 3 times in one session within the last 10 minutes. */
export const repeatedToolFailureRule: AlertRule = ({ sessions, now }) =>
  sessions.flatMap((session) => {
    const recent = new Map<string, number>();
    for (const { tool, at } of session.toolFailures ?? []) if (at >= now - FAILURE_WINDOW_MS && at <= now) recent.set(tool, (recent.get(tool) ?? 0) + 1);
    return [...recent]
      .filter(([, failures]) => failures >= REPEATED_FAILURES)
      .map(([tool, failures]) => ({
        key: `tool-failures:${session.id}:${tool}`,
        kind: 'repeated-failures' as const,
        severity: 'warning' as const,
        subject: session.id,
        message: `${tool} failed ${failures} times in the last 10 minutes in the ${session.agent} session ${session.sessionId}.`,
      }));
  });
