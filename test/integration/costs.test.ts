// GET /api/costs from a real `agent-mesh serve` fed by real Claude Code hook events and transcripts with usage.
import { strict as assert } from 'node:assert';
import type { CostReport } from '../../src/shared/costs';
import { claudeSession } from '../helpers/claudeSession';
import { useServe } from '../helpers/serveFixture';

describe('GET /api/costs from a real agent-mesh serve', function () {
  this.timeout(90_000);
  const relay = useServe({ prefix: 'am-costs-', config: { 'agentMesh.costs.budgets': { day: 0.000001, month: 1_000_000 } }, env: (workspace) => ({ HOME: workspace }) });

  it('answers the sessions costs per agent, model and day, the costliest sessions and the budgets', async () => {
    const usage = { input_tokens: 1200, output_tokens: 300, cache_read_input_tokens: 5000, cache_creation_input_tokens: 700 };
    const priced = await claudeSession(relay.call, relay.workspace, 'session-a', 'claude-sonnet-4-5', usage);
    const unpriced = await claudeSession(relay.call, relay.workspace, 'session-b', 'no-such-model', { input_tokens: 10, output_tokens: 20, cache_read_input_tokens: 0, cache_creation_input_tokens: 0 });
    assert.ok(priced.costUsd !== null && priced.costUsd > 0, `priced: ${priced.costUsd}`);
    assert.equal(unpriced.costUsd, null);

    const { status, body } = await relay.call('GET', '/api/costs');
    assert.equal(status, 200);
    const report = body as CostReport;
    assert.deepEqual(report.total, { sessions: 2, tokens: { input: 1210, output: 320, cacheRead: 5000, cacheWrite: 700 }, costUsd: priced.costUsd, approximate: true, unpricedSessions: 1 });
    assert.deepEqual(report.byAgent.map((g) => [g.key, g.sessions]), [['claude-code', 2]]);
    assert.deepEqual(report.byModel.map((g) => [g.key, g.costUsd]), [['claude-sonnet-4-5', priced.costUsd], ['no-such-model', 0]]);
    assert.deepEqual(report.byDay.map((g) => [g.key, g.sessions]), [[new Date(priced.lastEventAt).toISOString().slice(0, 10), 2]]);
    assert.deepEqual(report.topSessions.map((s) => s.id), ['claude-code:session-a', 'claude-code:session-b']);
    assert.deepEqual(report.budgets.map((b) => [b.period, b.spentUsd, b.status]), [
      ['day', priced.costUsd, 'over'],
      ['month', priced.costUsd, 'ok'],
    ]);
    assert.ok(report.budgets.every((b) => b.projectedUsd >= b.spentUsd));

    assert.deepEqual(((await relay.call('GET', '/api/costs?top=1')).body as CostReport).topSessions.map((s) => s.id), ['claude-code:session-a']);

    assert.deepEqual([report.timeline.range, report.timeline.bucket, report.timeline.bucketStarts.length], ['24h', 'hour', 24]);
    assert.deepEqual(report.timeline.byAgent.map((s) => [s.key, s.costUsd.reduce((sum, usd) => sum + usd, 0), s.approximate]), [['claude-code', priced.costUsd, true]]);
    const month = ((await relay.call('GET', '/api/costs?range=30d')).body as CostReport).timeline;
    assert.deepEqual([month.range, month.bucket, month.bucketStarts.length], ['30d', 'day', 30]);
  });

  it('refuses a bad query and a caller without the token', async () => {
    assert.equal((await relay.call('GET', '/api/costs?top=0')).status, 400);
    assert.equal((await relay.call('GET', '/api/costs?other=1')).status, 400);
    assert.equal((await relay.call('GET', '/api/costs?range=1y')).status, 400);
    assert.equal((await fetch(`${relay.serve.url}/api/costs`)).status, 401);
  });
});
