import { strict as assert } from 'node:assert';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { defaultSettings } from '../../src/extension/engine/config/settings';
import { Engine } from '../../src/extension/engine/engine';
import { silentLogger } from '../../src/extension/engine/log';
import type { HealthBody } from '../../src/shared/api';
import type { Approval } from '../../src/shared/approvals';
import { callRelay } from '../helpers/relayCall';
import Redis from 'ioredis';
import { startRedis, type RedisServer } from '../helpers/redis';

const TOKEN = 'redis-workspaces-test-token';

describe('one Redis module for every store (real redis-server)', function () {
  this.timeout(60_000);
  let redis: RedisServer;
  let scratch: string;
  const engines: Engine[] = [];

  beforeEach(async () => {
    redis = await startRedis();
    scratch = mkdtempSync(path.join(tmpdir(), 'am-redis-workspaces-'));
  });

  afterEach(async () => {
    await Promise.all(engines.splice(0).map((e) => e.stop()));
    await redis.stop();
    rmSync(scratch, { recursive: true, force: true });
  });

  const startRelay = async (workspaceDir: string, dataName: string) => {
    mkdirSync(workspaceDir, { recursive: true });
    const dataDir = path.join(scratch, dataName);
    const settings = { ...defaultSettings(), 'agentMesh.state.redisUrl': redis.url };
    const engine = await Engine.start({ settings, token: TOKEN, dataDir, workspaceDir, extensionRoot: workspaceDir, logger: silentLogger });
    engines.push(engine);
    return engine;
  };
  const call = (engine: Engine, method: string, route: string, body?: unknown) => callRelay(engine.url, TOKEN, method, route, body);

  it('keeps x/app and y/app in separate approval queues, and two relays of x/app in one', async () => {
    const x = await startRelay(path.join(scratch, 'x', 'app'), 'data-x');
    const y = await startRelay(path.join(scratch, 'y', 'app'), 'data-y');
    const created = await call(x, 'POST', '/api/approvals', { title: 'Deploy x', confidence: 50, risk: 'medium' });
    assert.equal(created.status, 201);
    const id = (created.body as Approval).id;

    assert.equal((await call(y, 'GET', `/api/approvals/${id}`)).status, 404, 'y/app does not see the approval of x/app');
    assert.deepEqual(await call(y, 'GET', '/api/approvals'), { status: 200, body: [] });

    const secondX = await startRelay(path.join(scratch, 'x', 'app'), 'data-x2');
    assert.deepEqual(((await call(secondX, 'GET', '/api/approvals')).body as Approval[]).map((a) => a.id), [id], 'another relay of x/app shares its queue');
  });

  it('runs its scripts by hash (EVALSHA), sending the text only to a server that lacks it, and reports the connection in /health', async () => {
    const relay = await startRelay(path.join(scratch, 'app'), 'data');
    for (let i = 0; i < 10; i += 1) assert.equal((await call(relay, 'POST', '/api/approvals', { title: `Step ${i}`, confidence: 50, risk: 'low' })).status, 201);
    const inspector = new Redis(redis.url);
    try {
      const stats = await inspector.info('commandstats');
      const calls = (command: string) => Number(new RegExp(`^cmdstat_${command}:calls=(\\d+)`, 'm').exec(stats)?.[1] ?? 0);
      // Three scripts ran (the approvals restore and the history prune at start, then ten inserts): each text went out once, every other call by hash.
      assert.equal(calls('eval'), 3, stats);
      assert.equal(calls('evalsha'), 9, stats);
    } finally {
      inspector.disconnect();
    }
    const health = (await (await fetch(`${relay.url}/health`)).json()) as HealthBody;
    assert.deepEqual(health.redis, { topology: 'server', status: 'connected', failovers: 0 });
  });
});
