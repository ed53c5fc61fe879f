// What the overview strip counts, from the channels the dashboard already holds and GET /api/costs.
import type { ApprovalLevel } from '../../shared/approvals';
import type { ChannelSnapshots } from '../../shared/channelEvents';
import type { BudgetStatus, CostReport } from '../../shared/costs';

export interface OverviewFigures {
  /** Undefined until the channel's first snapshot arrives. */
  sessions?: { running: number; waiting: number };
  approvals?: { pending: number; byLevel: Record<ApprovalLevel, number> };
  /** `tokens`: what the tool definitions cost, "1,234 tokens" ("≈" in front when estimated). */
  mcp?: { connected: number; total: number; tokens: string; overBudget: boolean };
  mesh?: { healthy: number; total: number };
}

export function overviewFigures(channels: ChannelSnapshots): OverviewFigures {
  const sessions = channels.sessions?.sessions;
  const approvals = channels.approvals?.approvals;
  const { mcp, mesh } = channels;
  const pending = approvals?.filter((a) => a.status === 'pending');
  return {
    ...(sessions && { sessions: { running: countWhere(sessions, (s) => s.status === 'running'), waiting: countWhere(sessions, (s) => s.status === 'waiting') } }),
    ...(pending && {
      approvals: {
        pending: pending.length,
        byLevel: { full: countWhere(pending, (a) => a.level === 'full'), quick: countWhere(pending, (a) => a.level === 'quick'), auto: countWhere(pending, (a) => a.level === 'auto') },
      },
    }),
    ...(mcp && {
      mcp: { connected: countWhere(mcp.servers, (s) => s.status === 'connected'), total: mcp.servers.length, tokens: `${mcp.tokens.exact ? '' : '≈'}${mcp.tokens.total.toLocaleString('en-US')} tokens`, overBudget: mcp.tokens.overBudget },
    }),
    ...(mesh && { mesh: { healthy: countWhere(mesh.agents, (a) => a.status === 'healthy'), total: mesh.agents.length } }),
  };
}

export interface CostToday {
  spentUsd: number;
  approximate: boolean;
  budget?: BudgetStatus;
}

/** Today's (UTC) spending and the day budget, if one is set. */
export function costToday(report: CostReport, now: number): CostToday {
  const day = new Date(now).toISOString().slice(0, 10);
  const today = report.byDay.find((group) => group.key === day);
  const budget = report.budgets.find((b) => b.period === 'day');
  return { spentUsd: today?.costUsd ?? 0, approximate: today?.approximate ?? false, ...(budget && { budget }) };
}

function countWhere<T>(items: readonly T[], predicate: (item: T) => boolean): number {
  return items.reduce((n, item) => (predicate(item) ? n + 1 : n), 0);
}
