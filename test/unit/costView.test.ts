import { strict as assert } from 'node:assert';
import type { BudgetStatus, CostTimeline } from '../../src/shared/costs';
import { activityByAgent, bucketLabel, budgetMeter, chartSummary, sumUsd } from '../../src/webview/costs/costView';
import { agentSession } from '../helpers/agentSession';

const HOUR = 3_600_000;
const start = Date.parse('2026-11-30T10:00:00Z');
const timeline = (byAgent: CostTimeline['byAgent']): CostTimeline => ({ range: '24h', bucket: 'hour', bucketStarts: [start, start + HOUR, start + 2 * HOUR], byAgent });

describe('Fleet and costs panel wording', () => {
  it('labels hour buckets with the UTC time and day buckets with the date', () => {
    assert.equal(bucketLabel(start, 'hour'), '2026-11-30 10:00 UTC');
    assert.equal(bucketLabel(start, 'day'), '2026-11-30');
  });

  it('sums dollars without floating-point residue', () => {
    assert.equal(sumUsd([0.1, 0.2]), 0.3);
  });

  it('summarises the chart per agent: total and costliest bucket; agents without cost are left out', () => {
    const summary = chartSummary(
      timeline([
        { key: 'claude-code', costUsd: [0.1, 2, 0.2], approximate: false },
        { key: 'cursor', costUsd: [0, 0.004, 0], approximate: true },
        { key: 'copilot', costUsd: [0, 0, 0], approximate: true },
      ]),
    );
    assert.equal(
      summary,
      'Cost per hour per agent, last 24 hours: Claude Code $2.30 in total, most $2.00 at 2026-11-30 11:00 UTC; Cursor ≈$0.0040 in total, most $0.0040 at 2026-11-30 11:00 UTC.',
    );
    assert.equal(chartSummary(timeline([])), 'Cost per hour per agent, last 24 hours: no cost.');
  });

  it('places spending and projection on a budget bar, full when over, and says the state in words', () => {
    const budget: BudgetStatus = { period: 'day', limitUsd: 10, spentUsd: 4, projectedUsd: 12, periodStart: 0, periodEnd: 1, status: 'warning' };
    assert.deepEqual(budgetMeter(budget), {
      label: 'Today: $4.00 of $10.00',
      spentShare: 0.4,
      projectedShare: 1,
      valueText: '$4.00 spent of $10.00, $12.00 projected by the end of the day: projected over the limit',
    });
    assert.equal(budgetMeter({ ...budget, spentUsd: 11, status: 'over' }).spentShare, 1);
    assert.equal(budgetMeter({ ...budget, limitUsd: 0, spentUsd: 0, projectedUsd: 0, status: 'ok' }).spentShare, 1, 'a zero limit is a full bar');
  });

  it('says per agent how many sessions run and wait for you now, from the sessions channel', () => {
    const activity = activityByAgent([
      agentSession('a', { status: 'running' }),
      agentSession('b', { status: 'waiting' }),
      agentSession('c', { status: 'running' }),
      agentSession('d', { status: 'ended' }),
      agentSession('e', { agent: 'cursor', status: 'idle' }),
    ]);
    assert.deepEqual(Object.fromEntries(activity), { 'claude-code': '2 running · 1 waiting', cursor: 'idle' });
    assert.equal(activityByAgent(undefined).size, 0);
  });
});
