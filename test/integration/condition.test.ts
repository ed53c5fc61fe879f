import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { defaultSettings } from '../../src/extension/engine/config/settings';
import { Engine } from '../../src/extension/engine/engine';
import { silentLogger } from '../../src/extension/engine/log';
import type { HealthBody } from '../../src/shared/api';
import { waitFor } from '../helpers/net';
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
