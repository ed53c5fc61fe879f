import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { defaultSettings } from '../../src/extension/engine/config/settings';
import { Engine } from '../../src/extension/engine/engine';
import { silentLogger } from '../../src/extension/engine/log';
import type { HealthBody } from '../../src/shared/api';

const TOKEN = 'relay-restart-test-token-0123456789ab';

async function takenPort(): Promise<{ port: number; server: Server }> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as { port: number }).port, server };
}

describe('moving the relay to a new address without rebuilding the engine (in-process engine, real sockets)', function () {
  this.timeout(60_000);
  let engine: Engine;
  let scratch: string;
  const approvals = (url: string) => fetch(`${url}/api/approvals`, { headers: { authorization: `Bearer ${TOKEN}` } });

  beforeEach(async () => {
    scratch = mkdtempSync(path.join(tmpdir(), 'am-relay-restart-'));
    engine = await Engine.start({ settings: defaultSettings(), token: TOKEN, dataDir: scratch, workspaceDir: scratch, extensionRoot: scratch, logger: silentLogger });
  });

  afterEach(async () => {
    await engine.stop();
    rmSync(scratch, { recursive: true, force: true });
  });

  it('listens on the new port, stops answering on the old one, and keeps the same queue and stores', async () => {
    const created = await fetch(`${engine.url}/api/approvals`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ title: 'Deploy', confidence: 50, risk: 'medium' }),
    });
    assert.equal(created.status, 201);
    const queue = engine.approvals;
    const oldUrl = engine.url;
    const { port, server } = await takenPort();
    await new Promise<void>((resolve) => server.close(() => resolve()));

    await engine.restartRelay({ ...defaultSettings(), 'agentMesh.relay.port': port });

    assert.equal(engine.url, `http://127.0.0.1:${port}`);
    assert.equal(engine.approvals, queue, 'the same queue object serves the new address');
    const listed = (await (await approvals(engine.url)).json()) as unknown[];
    assert.equal(listed.length, 1);
    await assert.rejects(approvals(oldUrl), 'the old address no longer answers');
  });

  it('reports a relay that could not listen as stopped, in its condition and its url, and listens again once the address is free', async () => {
    const { port, server } = await takenPort();
    try {
      await assert.rejects(engine.restartRelay({ ...defaultSettings(), 'agentMesh.relay.port': port }), /EADDRINUSE/);
      const condition = engine.condition();
      assert.equal(condition.status, 'degraded');
      assert.ok(condition.problems.some((p) => /^relay: cannot listen on 127\.0\.0\.1:\d+ \(.*EADDRINUSE/.test(p)), condition.problems.join(' | '));
      assert.throws(() => engine.url, /relay is not listening/);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
    await engine.restartRelay({ ...defaultSettings(), 'agentMesh.relay.port': port });
    assert.equal(engine.condition().status, 'ok');
    assert.equal(((await (await fetch(`${engine.url}/health`)).json()) as HealthBody).status, 'ok');
  });
});
