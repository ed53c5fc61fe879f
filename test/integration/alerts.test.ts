// Alerts from a real `agent-mesh serve`: a day budget exceeded by real Claude Code hook events and a
// transcript with usage fires one alert, over GET /api/alerts and on the `alerts` channel.
import { strict as assert } from 'node:assert';
import type { Alert } from '../../src/shared/alerts';
import { claudeSession } from '../helpers/claudeSession';
import { useServe } from '../helpers/serveFixture';
import { RelayClient } from '../helpers/wsClient';

describe('alerts from a real agent-mesh serve', function () {
  this.timeout(90_000);
  const relay = useServe({ prefix: 'am-alerts-', config: { 'agentMesh.costs.budgets': { day: 0.000001, month: 1_000_000 } }, env: (workspace) => ({ HOME: workspace }) });
  const alerts = async (): Promise<Alert[]> => (await relay.call('GET', '/api/alerts')).body as Alert[];

  it('fires a budget alert once, publishes it on the alerts channel and dismisses it', async () => {
    const dashboard = relay.track(await RelayClient.connect(relay.serve.url, { token: relay.token }));
    dashboard.send({ type: 'subscribe', channel: 'alerts' });
    const snapshot = await dashboard.next('event', (f) => f.channel === 'alerts' && f.name === 'snapshot');
    assert.deepEqual(snapshot.payload, { alerts: [] });

    const usage = { input_tokens: 1200, output_tokens: 300, cache_read_input_tokens: 5000, cache_creation_input_tokens: 700 };
    await claudeSession(relay.call, relay.workspace, 'session-a', 'claude-sonnet-4-5', usage);
    const fired = await dashboard.next('event', (f) => f.channel === 'alerts' && f.name === 'fired', 10_000);
    const alert = fired.payload as unknown as Alert;
    assert.deepEqual([alert.kind, alert.severity, alert.subject], ['budget', 'warning', 'day']);
    assert.match(alert.message, /^The day budget of \$0\.0000 is exceeded: \$\d+\.\d+ spent\.$/);

    // More events of an over-budget day, and evaluations on every GET: still the one alert.
    await claudeSession(relay.call, relay.workspace, 'session-b', 'claude-sonnet-4-5', usage);
    assert.deepEqual(await alerts(), [alert]);
    assert.deepEqual(await alerts(), [alert]);

    const dismissed = await relay.call('POST', `/api/alerts/${encodeURIComponent(alert.id)}/dismiss`, {});
    assert.equal(dismissed.status, 200);
    assert.ok(typeof (dismissed.body as Alert).dismissedAt === 'number');
    await dashboard.next('event', (f) => f.channel === 'alerts' && f.name === 'dismissed');
    assert.equal(dashboard.frames.filter((f) => f.type === 'event' && f.channel === 'alerts' && f.name === 'fired').length, 1);
    assert.deepEqual(await alerts(), [dismissed.body]);
  });

  it('refuses an unknown alert and a caller without the token', async () => {
    assert.equal((await relay.call('POST', '/api/alerts/nope/dismiss', {})).status, 404);
    assert.equal((await fetch(`${relay.serve.url}/api/alerts`)).status, 401);
  });
});
