// A real settings change in the editor: the relay follows agentMesh.relay.port, and a port it
// cannot take leaves a clear "not running" answer instead of a relay that looks alive; the stores
// follow agentMesh.state.redisUrl (a real redis-server) while the relay and MCP servers stay.
'use strict';

const assert = require('node:assert/strict');
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');
const vscode = require('vscode');

const EXTENSION_ID = 'agent-mesh.agent-mesh';

/** A port held open by a plain TCP server until `close()` is called. */
async function holdPort() {
  const server = net.createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: server.address().port, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

async function eventually(what, check, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  let last;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`timed out waiting for ${what}${last ? ` (last error: ${last.message})` : ''}`);
}

function setPort(port) {
  return vscode.workspace.getConfiguration('agentMesh').update('relay.port', port, vscode.ConfigurationTarget.Global);
}

function setRedisUrl(url) {
  return vscode.workspace.getConfiguration('agentMesh').update('state.redisUrl', url, vscode.ConfigurationTarget.Global);
}

/** A redis-server without persistence on a free loopback port, in its own temp folder. */
async function startRedis() {
  const { port, close } = await holdPort();
  await close();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'am-in-editor-redis-'));
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], { stdio: 'ignore' });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  return {
    url: `redis://127.0.0.1:${port}`,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
        await exited;
      }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The relay token, from the dashboard link the command copies. */
async function relayToken() {
  await vscode.commands.executeCommand('agentMesh.copyDashboardLink');
  return new URL(await vscode.env.clipboard.readText()).searchParams.get('token');
}

describe('Agent Mesh settings changes in the editor', function () {
  this.timeout(60_000);
  let api;

  before(async function () {
    api = await vscode.extensions.getExtension(EXTENSION_ID).activate();
  });

  afterEach(async function () {
    await setPort(undefined);
    await eventually('the relay to run again on a free port', () => (api.relayUrl() ? true : undefined));
  });

  it('moves the relay to the port set in agentMesh.relay.port, leaving the MCP servers connected as they were', async function () {
    // The MCP route tells when the demo's stdio server connected.
    const token = await relayToken();
    const notes = async (base) => {
      const response = await fetch(`${base}/api/mcp/servers/notes`, { headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(10_000) });
      return response.json();
    };
    const before = await eventually('the demo notes server to connect', async () => {
      const server = await notes(api.relayUrl());
      return server.status === 'connected' ? server : undefined;
    });

    const { port, close } = await holdPort();
    await close();
    await setPort(port);
    const url = await eventually(`the relay on port ${port}`, () => (api.relayUrl().endsWith(`:${port}`) ? api.relayUrl() : undefined));
    const response = await fetch(`${url}/health`, { signal: AbortSignal.timeout(10_000) });
    assert.equal(response.status, 200);
    const after = await notes(url);
    assert.equal(after.status, 'connected');
    assert.equal(after.connectedAt, before.connectedAt, 'the MCP server kept its connection: only the relay restarted');
  });

  it('says the relay is not running when the port is taken, and runs again once the setting changes', async function () {
    const held = await holdPort();
    try {
      await setPort(held.port);
      const error = await eventually('relayUrl() to report the relay as not running', () => {
        try {
          api.relayUrl();
          return undefined;
        } catch (thrown) {
          return thrown;
        }
      });
      assert.match(error.message, /not (listening|running).*EADDRINUSE/);
    } finally {
      await held.close();
    }
    await setPort(undefined);
    const url = await eventually('the relay to listen again', () => api.relayUrl());
    assert.equal((await fetch(`${url}/health`, { signal: AbortSignal.timeout(10_000) })).status, 200);
  });

  it('moves the stores to the Redis set in agentMesh.state.redisUrl and back, the relay, the MCP servers and a pending approval staying', async function () {
    const token = await relayToken();
    const call = async (base, route, init = {}) => {
      const response = await fetch(`${base}${route}`, { ...init, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, signal: AbortSignal.timeout(10_000) });
      return response.json();
    };
    const url = api.relayUrl();
    const before = await eventually('the demo notes server to connect', async () => {
      const server = await call(url, '/api/mcp/servers/notes');
      return server.status === 'connected' ? server : undefined;
    });
    const approval = await call(url, '/api/approvals', { method: 'POST', body: JSON.stringify({ title: 'Moves with the stores', confidence: 50, risk: 'medium' }) });
    assert.equal(approval.status, 'pending');
    const redis = await startRedis();
    try {
      await setRedisUrl(redis.url);
      const onRedis = await eventually('/health to name the Redis store, connected', async () => {
        const health = await call(url, '/health');
        return health.store === 'redis' && health.redis?.status === 'connected' ? health : undefined;
      });
      assert.equal(onRedis.status, 'ok');
      assert.equal(api.relayUrl(), url, 'the relay kept its address');
      assert.equal((await call(url, `/api/approvals/${approval.id}`)).status, 'pending');
      const after = await call(url, '/api/mcp/servers/notes');
      assert.equal(after.status, 'connected');
      assert.equal(after.connectedAt, before.connectedAt, 'the MCP server kept its connection: only the stores moved');
    } finally {
      await setRedisUrl(undefined);
      await eventually('the file store again', async () => ((await call(url, '/health')).store === 'file' ? true : undefined));
      await redis.stop();
    }
    const decided = await call(url, `/api/approvals/${approval.id}/decision`, { method: 'POST', body: JSON.stringify({ decision: 'reject' }) });
    assert.equal(decided.status, 'rejected', 'still pending on the file after both moves, and decidable');
  });
});
