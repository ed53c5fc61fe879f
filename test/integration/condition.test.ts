import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { defaultSettings } from '../../src/extension/engine/config/settings';
import { Engine } from '../../src/extension/engine/engine';
import { silentLogger } from '../../src/extension/engine/log';
import type { HealthBody } from '../../src/shared/api';
import { waitFor } from '../helpers/net';
import { makeReadOnly, makeWritable } from '../helpers/readOnly';
import { startRedis, type RedisServer } from '../helpers/redis';

const TOKEN = 'condition-test-token-0123456789abcdef';

describe("the relay's condition while its Redis is down at start (in-process engine, real redis-server)", function () {
  this.timeout(60_000);
  let redis: RedisServer;
  let engine: Engine;
  let scratch: string;

  beforeEach(async () => {
    redis = await startRedis();
    await redis.kill();
    scratch = mkdtempSync(path.join(tmpdir(), 'am-condition-'));
    const settings = { ...defaultSettings(), 'agentMesh.state.redisUrl': redis.url };
    engine = await Engine.start({ settings, token: TOKEN, dataDir: scratch, workspaceDir: scratch, extensionRoot: scratch, logger: silentLogger });
  });

  afterEach(async () => {
    await engine.stop();
    await redis.stop();
    rmSync(scratch, { recursive: true, force: true });
  });

  it('names every degraded part (state and approvals stores), refuses approvals with 503, and recovers when Redis comes up', async () => {
    const condition = engine.condition();
    assert.equal(condition.status, 'degraded');
    assert.ok(condition.problems.some((p) => /^state store: .* is unreachable/.test(p)), condition.problems.join(' | '));
    assert.ok(condition.problems.some((p) => /^approvals store \(redis\) not reachable yet/.test(p)), condition.problems.join(' | '));
    assert.equal(((await (await fetch(`${engine.url}/health`)).json()) as HealthBody).status, 'degraded');
    const request = () =>
      fetch(`${engine.url}/api/approvals`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify({ title: 'Deploy', confidence: 50, risk: 'medium' }) });
    assert.equal((await request()).status, 503);

    let changes = 0;
    const stop = engine.onConditionChange(() => (changes += 1));
    await redis.restart();
    await waitFor('the relay to be ok again', async () => (engine.condition().status === 'ok' ? true : undefined), 40_000, 200);
    stop();
    assert.ok(changes >= 1, 'listeners heard the change');
    assert.equal(((await (await fetch(`${engine.url}/health`)).json()) as HealthBody).status, 'ok');
    assert.equal((await request()).status, 201);
  });
});

describe('the relay when its data folder stops taking writes (in-process engine, file store)', function () {
  this.timeout(60_000);
  let engine: Engine;
  let scratch: string;
  const call = async (method: string, route: string, body?: unknown) => {
    const res = await fetch(`${engine.url}${route}`, {
      method,
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: res.status, body: (await res.json()) as { error?: { code: string } } & Record<string, unknown> };
  };

  beforeEach(async () => {
    scratch = mkdtempSync(path.join(tmpdir(), 'am-readonly-'));
    engine = await Engine.start({ settings: defaultSettings(), token: TOKEN, dataDir: scratch, workspaceDir: scratch, extensionRoot: scratch, logger: silentLogger });
  });

  afterEach(async () => {
    makeWritable(scratch);
    await engine.stop();
    rmSync(scratch, { recursive: true, force: true });
  });

  it('acknowledges nothing it cannot write: 503 store_unavailable, nothing changed or broadcast, /health degraded with the reason, and recovers', async () => {
    const before = await call('POST', '/api/approvals', { title: 'Deploy', confidence: 50, risk: 'medium' });
    assert.equal(before.status, 201);
    const id = before.body.id as string;
    const broadcast: string[] = [];
    engine.approvals.onChange((a) => broadcast.push(`${a.id}:${a.status}`));
    engine.approvals.onRulesChange((rules) => broadcast.push(`rules:${rules.length}`));

    makeReadOnly(scratch);
    const created = await call('POST', '/api/approvals', { title: 'Not durable', confidence: 50, risk: 'medium' });
    assert.deepEqual([created.status, created.body.error?.code], [503, 'store_unavailable']);
    const decided = await call('POST', `/api/approvals/${id}/decision`, { decision: 'approve' });
    assert.deepEqual([decided.status, decided.body.error?.code], [503, 'store_unavailable']);
    for (const scope of ['workspace', 'session']) {
      const rule = await call('POST', '/api/approval-rules', { tool: 'run_tests', scope });
      assert.deepEqual([rule.status, rule.body.error?.code], [503, 'store_unavailable'], scope);
    }
    assert.deepEqual(broadcast, [], 'nothing that failed to persist was broadcast');
    assert.equal((await call('GET', `/api/approvals/${id}`)).body.status, 'pending');
    assert.equal(((await call('GET', '/api/approvals')).body as unknown as unknown[]).length, 1);
    assert.deepEqual((await call('GET', '/api/approval-rules')).body, []);
    const condition = engine.condition();
    assert.equal(condition.status, 'degraded');
    assert.ok(condition.problems.some((p) => /^approvals (store \(file\) cannot write|audit log cannot be written)/.test(p)), condition.problems.join(' | '));
    assert.equal(((await (await fetch(`${engine.url}/health`)).json()) as HealthBody).status, 'degraded');

    makeWritable(scratch);
    await waitFor('the approvals store to take writes again', async () => (engine.condition().status === 'ok' ? true : undefined), 20_000, 100);
    assert.equal((await call('POST', `/api/approvals/${id}/decision`, { decision: 'approve' })).status, 200);
    assert.equal((await call('POST', '/api/approval-rules', { tool: 'run_tests', scope: 'workspace' })).status, 201);
  });
});

describe('the relay after it set damaged data files aside at start (in-process engine, file store)', function () {
  this.timeout(60_000);
  let engine: Engine | undefined;
  let scratch: string;

  beforeEach(() => {
    scratch = mkdtempSync(path.join(tmpdir(), 'am-recovered-'));
  });

  afterEach(async () => {
    await engine?.stop();
    engine = undefined;
    rmSync(scratch, { recursive: true, force: true });
  });

  const start = async () => {
    engine = await Engine.start({ settings: defaultSettings(), token: TOKEN, dataDir: scratch, workspaceDir: scratch, extensionRoot: scratch, logger: silentLogger });
    return engine;
  };

  const healthOf = async (relay: Engine) => (await (await fetch(`${relay.url}/health`)).json()) as HealthBody;
  const assertNamed = (health: HealthBody, names: string[]) => {
    for (const name of names) {
      assert.ok(health.recovered?.some((notice) => notice.startsWith(`${name} was damaged and set aside as ${name}.unreadable-`)), `${name} in ${JSON.stringify(health)}`);
    }
    const text = JSON.stringify(health);
    assert.ok(!text.includes(scratch) && !text.includes('secret-looking'), text);
  };

  it('stays ok and names each file set aside in /health and the condition, by its name alone and without its content', async () => {
    const damaged: Record<string, string> = { 'approvals.json': '[null]', 'widgets.json': '{"id":"__proto__","secret-looking":1}', 'tasks.json': '[{"id":"secret-looking' };
    for (const [name, content] of Object.entries(damaged)) writeFileSync(path.join(scratch, name), content);
    const relay = await start();
    const health = await healthOf(relay);
    assert.equal(health.status, 'ok');
    assertNamed(health, Object.keys(damaged));
    assert.deepEqual(relay.condition(), { status: 'ok', problems: [], recovered: health.recovered });
  });

  it('names a state file set aside without a readable backup, the relay degraded since the dashboard started empty', async () => {
    writeFileSync(path.join(scratch, 'dashboard-state.json'), 'secret-looking{{{');
    const health = await healthOf(await start());
    assert.equal(health.status, 'degraded');
    assertNamed(health, ['dashboard-state.json']);
  });

  it('has no recovered field when every file was readable', async () => {
    const relay = await start();
    await relay.stop();
    engine = await start();
    const health = await healthOf(engine);
    assert.equal(health.status, 'ok');
    assert.equal('recovered' in health, false, JSON.stringify(health));
    assert.deepEqual(engine.condition().recovered, []);
  });
});
