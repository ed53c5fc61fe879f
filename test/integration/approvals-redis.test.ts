import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { defaultSettings } from '../../src/extension/engine/config/settings';
import { Engine } from '../../src/extension/engine/engine';
import { silentLogger } from '../../src/extension/engine/log';
import type { HealthBody } from '../../src/shared/api';
import type { Approval } from '../../src/shared/approvals';
import { waitFor } from '../helpers/net';
import { makeReadOnly, makeWritable } from '../helpers/readOnly';
import { callRelay } from '../helpers/relayCall';
import { startRedis, type RedisServer } from '../helpers/redis';

const TOKEN = 'approvals-redis-test-token';

describe('approvals shared through a Redis that loses its data (two in-process relays, real redis-server without persistence)', function () {
  this.timeout(90_000);
  let redis: RedisServer;
  let workspace: string;
  const scratch: string[] = [];
  const engines: Engine[] = [];

  const startRelay = async (dataDir: string) => {
    const settings = { ...defaultSettings(), 'agentMesh.state.redisUrl': redis.url };
    const engine = await Engine.start({ settings, token: TOKEN, dataDir, workspaceDir: workspace, extensionRoot: workspace, logger: silentLogger });
    engines.push(engine);
    return engine;
  };
  const folder = (prefix: string) => {
    const dir = mkdtempSync(path.join(tmpdir(), prefix));
    scratch.push(dir);
    return dir;
  };
  const call = (engine: Engine, method: string, route: string, body?: unknown) => callRelay<Approval & { error?: { code: string } }>(engine.url, TOKEN, method, route, body);
  const health = async (engine: Engine) => ((await (await fetch(`${engine.url}/health`)).json()) as HealthBody).status;
  const approvalsProblem = (engine: Engine) => engine.condition().problems.find((p) => p.startsWith('approvals store (redis)'));

  beforeEach(async () => {
    redis = await startRedis();
    workspace = folder('am-approvals-redis-');
  });

  afterEach(async () => {
    for (const dir of scratch) makeWritable(dir);
    await Promise.all(engines.splice(0).map((e) => e.stop()));
    await redis.stop();
    for (const dir of scratch.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it('puts back the pending approvals, stays degraded until it has, and a decision on one relay wakes the agent waiting on the other', async () => {
    const a = await startRelay(folder('am-relay-a-'));
    const b = await startRelay(folder('am-relay-b-'));
    const first = await call(a, 'POST', '/api/approvals', { title: 'Deploy', confidence: 50, risk: 'medium' });
    const second = await call(a, 'POST', '/api/approvals', { title: 'Migrate', confidence: 40, risk: 'low' });
    assert.deepEqual([first.status, second.status], [201, 201]);
    const waiting = call(b, 'GET', `/api/approvals/${first.body.id}/wait?timeoutMs=80000`);
    await waitFor('the agent to wait on relay b', async () => (b.approvals.waiterCount === 1 ? true : undefined));

    await redis.kill();
    await waitFor('both relays to report the approvals store unreachable', async () => (approvalsProblem(a) && approvalsProblem(b) ? true : undefined), 20_000, 100);
    assert.deepEqual([await health(a), await health(b)], ['degraded', 'degraded']);
    await redis.restart(); // no persistence: it comes back empty

    await waitFor('both relays to be ok again', async () => (a.condition().status === 'ok' && b.condition().status === 'ok' ? true : undefined), 30_000, 100);
    assert.deepEqual([await health(a), await health(b)], ['ok', 'ok']);
    assert.equal((await call(b, 'GET', `/api/approvals/${second.body.id}`)).body.status, 'pending');

    const decided = await call(a, 'POST', `/api/approvals/${first.body.id}/decision`, { decision: 'approve', by: 'after the loss' });
    assert.equal(decided.status, 200, JSON.stringify(decided.body));
    const woken = await waiting;
    assert.deepEqual([woken.status, woken.body.status, woken.body.decidedBy], [200, 'approved', 'after the loss']);
    assert.equal((await call(b, 'POST', `/api/approvals/${second.body.id}/decision`, { decision: 'reject' })).status, 200);
    assert.equal((await call(a, 'GET', `/api/approvals/${second.body.id}`)).body.status, 'rejected');
  });

  it('a relay restarted after Redis lost its data puts back what it acknowledged from its own copy on disk', async () => {
    const dataDir = folder('am-relay-c-');
    const c = await startRelay(dataDir);
    const pending = await call(c, 'POST', '/api/approvals', { title: 'Rotate keys', confidence: 30, risk: 'medium' });
    assert.equal(pending.status, 201);
    await c.stop();
    engines.splice(engines.indexOf(c), 1);
    await redis.kill();
    await redis.restart();

    const again = await startRelay(dataDir);
    const other = await startRelay(folder('am-relay-d-'));
    assert.equal((await call(other, 'GET', `/api/approvals/${pending.body.id}`)).body.status, 'pending');
    const waiting = call(other, 'GET', `/api/approvals/${pending.body.id}/wait?timeoutMs=60000`);
    await waitFor('the agent to wait on the other relay', async () => (other.approvals.waiterCount === 1 ? true : undefined));
    assert.equal((await call(again, 'POST', `/api/approvals/${pending.body.id}/decision`, { decision: 'approve' })).status, 200);
    assert.equal((await waiting).body.status, 'approved');
  });

  it('1,000 agents waiting on /wait, half on each relay, all get their decision', async () => {
    const a = await startRelay(folder('am-relay-e-'));
    const b = await startRelay(folder('am-relay-f-'));
    const ids: string[] = [];
    for (let i = 0; i < 100; i += 1) ids.push((await call(a, 'POST', '/api/approvals', { title: `Step ${i}`, confidence: 50, risk: 'low' })).body.id);
    const waits = Array.from({ length: 1000 }, (_, i) => call(i % 2 === 0 ? a : b, 'GET', `/api/approvals/${ids[i % 100]}/wait?timeoutMs=60000`));
    await waitFor('1,000 agents to wait', async () => (a.approvals.waiterCount + b.approvals.waiterCount === 1000 ? true : undefined), 30_000, 100);
    for (const [i, id] of ids.entries()) assert.equal((await call(a, 'POST', `/api/approvals/${id}/decision`, { decision: i % 3 === 0 ? 'reject' : 'approve' })).status, 200);
    const answers = await Promise.all(waits);
    assert.deepEqual(
      answers.map((r) => [r.status, r.body.id, r.body.status]),
      answers.map((_, i) => [200, ids[i % 100], (i % 100) % 3 === 0 ? 'rejected' : 'approved']),
    );
  });

  it('a decision this relay cannot copy to disk answers 503 and reaches neither Redis nor the agent waiting elsewhere', async () => {
    const dataDir = folder('am-relay-g-');
    const a = await startRelay(dataDir);
    const b = await startRelay(folder('am-relay-h-'));
    const { body } = await call(a, 'POST', '/api/approvals', { title: 'Deploy', confidence: 50, risk: 'medium' });
    const waiting = call(b, 'GET', `/api/approvals/${body.id}/wait?timeoutMs=60000`);
    await waitFor('the agent to wait on relay b', async () => (b.approvals.waiterCount === 1 ? true : undefined));

    makeReadOnly(dataDir);
    const refused = await call(a, 'POST', `/api/approvals/${body.id}/decision`, { decision: 'approve' });
    assert.deepEqual([refused.status, refused.body.error?.code], [503, 'store_unavailable']);
    assert.equal((await call(b, 'GET', `/api/approvals/${body.id}`)).body.status, 'pending');
    assert.equal(b.approvals.waiterCount, 1, 'the agent is still waiting');
    assert.equal(a.condition().status, 'degraded');

    makeWritable(dataDir);
    await waitFor('relay a to take writes again', async () => (a.condition().status === 'ok' ? true : undefined), 20_000, 100);
    assert.equal((await call(a, 'POST', `/api/approvals/${body.id}/decision`, { decision: 'reject' })).status, 200);
    assert.equal((await waiting).body.status, 'rejected');
  });
});
