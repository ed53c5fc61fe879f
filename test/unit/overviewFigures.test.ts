import { strict as assert } from 'node:assert';
import type { CostGroup, CostReport } from '../../src/shared/costs';
import type { ChannelSnapshots } from '../../src/shared/channelEvents';
import { costToday, overviewFigures } from '../../src/webview/overview/figures';

const NOW = Date.UTC(2026, 10, 30, 15, 0, 0);
const tokens = { input: 0, output: 0, cacheRead: 0, cacheWrite: 0 };
const day = (key: string, costUsd: number, approximate = false): CostGroup => ({ key, sessions: 1, tokens, costUsd, approximate, unpricedSessions: 0 });
const report = (byDay: CostGroup[], budgets: CostReport['budgets'] = []): CostReport => ({
  generatedAt: NOW,
  total: { sessions: 0, tokens, costUsd: 0, approximate: false, unpricedSessions: 0 },
  byAgent: [],
  byModel: [],
  byDay,
  topSessions: [],
  budgets,
  timeline: { range: '24h', bucket: 'hour', bucketStarts: [], byAgent: [] },
});
/** Snapshots with only the fields the figures read. */
const partial = (channels: Record<string, unknown>) => channels as ChannelSnapshots;

describe('overview strip figures', () => {
  it('counts nothing for a channel whose snapshot has not arrived', () => {
    assert.deepEqual(overviewFigures({}), {});
  });

  it('counts running and waiting sessions, pending approvals per level, connected MCP servers and healthy mesh agents', () => {
    const figures = overviewFigures(partial({
      sessions: { sessions: [{ status: 'running' }, { status: 'waiting' }, { status: 'running' }, { status: 'ended' }, { status: 'idle' }] },
      approvals: {
        approvals: [
          { status: 'pending', level: 'full' },
          { status: 'pending', level: 'quick' },
          { status: 'pending', level: 'full' },
          { status: 'approved', level: 'auto' },
        ],
        rules: [],
      },
      mcp: { servers: [{ status: 'connected' }, { status: 'error' }], tokens: { total: 12345, exact: false, overBudget: true }, problems: [] },
      mesh: { agents: [{ status: 'healthy' }, { status: 'unhealthy' }, { status: 'healthy' }] },
    }));
    assert.deepEqual(figures, {
      sessions: { running: 2, waiting: 1 },
      approvals: { pending: 3, byLevel: { full: 2, quick: 1, auto: 0 } },
      mcp: { connected: 1, total: 2, tokens: '≈12,345 tokens', overBudget: true },
      mesh: { healthy: 2, total: 3 },
    });
  });

  it('takes today’s UTC day from the cost report, and the day budget when one is set', () => {
    const budget = { period: 'day' as const, limitUsd: 5, spentUsd: 4.2, projectedUsd: 6.7, periodStart: 0, periodEnd: 1, status: 'warning' as const };
    const week = { ...budget, period: 'week' as const, limitUsd: 50 };
    assert.deepEqual(costToday(report([day('2026-11-29', 9), day('2026-11-30', 4.2, true)], [week, budget]), NOW), { spentUsd: 4.2, approximate: true, budget });
    assert.deepEqual(costToday(report([day('2026-11-29', 9)]), NOW), { spentUsd: 0, approximate: false });
  });
});
