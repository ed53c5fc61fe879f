// What the Fleet and costs panel says in words: the chart's text alternative, the budget meters' figures, bucket labels.
import { HOOK_AGENT_LABELS, type HookAgent } from '../../shared/hooks';
import type { BudgetPeriod, BudgetStatus, CostRange, CostTimeline } from '../../shared/costs';
import { formatCost, type AgentSession } from '../../shared/sessions';

export const RANGE_LABELS: Record<CostRange, string> = { '24h': 'last 24 hours', '7d': 'last 7 days', '30d': 'last 30 days' };
export const PERIOD_LABELS: Record<BudgetPeriod, string> = { day: 'Today', week: 'This week', month: 'This month' };

export const agentLabel = (agent: string): string => HOOK_AGENT_LABELS[agent as HookAgent] ?? agent;

/** "2026-11-30 14:00 UTC" for an hour bucket, "2026-11-30" for a day. */
export function bucketLabel(start: number, bucket: CostTimeline['bucket']): string {
  const iso = new Date(start).toISOString();
  return bucket === 'hour' ? `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC` : iso.slice(0, 10);
}

/** Micro-dollar sum, so a total shows no floating-point residue. */
export const sumUsd = (values: readonly number[]): number => values.reduce((sum, usd) => sum + Math.round(usd * 1e6), 0) / 1e6;

/** The chart in one sentence per agent: its total over the range and its costliest bucket. */
export function chartSummary(timeline: CostTimeline): string {
  const per = timeline.bucket === 'hour' ? 'hour' : 'day';
  const head = `Cost per ${per} per agent, ${RANGE_LABELS[timeline.range]}`;
  const spending = timeline.byAgent.filter((series) => series.costUsd.some((usd) => usd > 0));
  if (spending.length === 0) return `${head}: no cost.`;
  const parts = spending.map((series) => {
    const peak = series.costUsd.reduce((best, usd, index) => (usd > series.costUsd[best] ? index : best), 0);
    return `${agentLabel(series.key)} ${formatCost(sumUsd(series.costUsd), series.approximate)} in total, most ${formatCost(series.costUsd[peak], false)} at ${bucketLabel(timeline.bucketStarts[peak], timeline.bucket)}`;
  });
  return `${head}: ${parts.join('; ')}.`;
}

export interface BudgetMeter {
  label: string;
  /** Spent as a share of the limit, 0 to 1 (the bar is full when over). */
  spentShare: number;
  /** Where the projection falls on the bar, 0 to 1. */
  projectedShare: number;
  valueText: string;
}

export function budgetMeter(budget: BudgetStatus): BudgetMeter {
  const share = (usd: number) => (budget.limitUsd > 0 ? Math.min(1, usd / budget.limitUsd) : 1);
  const state = budget.status === 'over' ? 'over the limit' : budget.status === 'warning' ? 'projected over the limit' : 'within the limit';
  return {
    label: `${PERIOD_LABELS[budget.period]}: ${formatCost(budget.spentUsd, false)} of ${formatCost(budget.limitUsd, false)}`,
    spentShare: share(budget.spentUsd),
    projectedShare: share(budget.projectedUsd),
    valueText: `${formatCost(budget.spentUsd, false)} spent of ${formatCost(budget.limitUsd, false)}, ${formatCost(budget.projectedUsd, false)} projected by the end of the ${budget.period}: ${state}`,
  };
}

/** Per agent, what its sessions do now: "2 running · 1 waiting", or "idle" when none runs or waits. */
export function activityByAgent(sessions: readonly AgentSession[] | undefined): Map<string, string> {
  const counts = new Map<string, { running: number; waiting: number }>();
  for (const session of sessions ?? []) {
    let agent = counts.get(session.agent);
    if (!agent) counts.set(session.agent, (agent = { running: 0, waiting: 0 }));
    if (session.status === 'running') agent.running += 1;
    if (session.status === 'waiting') agent.waiting += 1;
  }
  const describe = ({ running, waiting }: { running: number; waiting: number }) =>
    [running > 0 && `${running} running`, waiting > 0 && `${waiting} waiting`].filter(Boolean).join(' · ') || 'idle';
  return new Map([...counts].map(([agent, count]) => [agent, describe(count)]));
}
