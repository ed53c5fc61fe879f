// A real settings change in the editor: the relay follows agentMesh.relay.port, and a port it
// cannot take leaves a clear "not running" answer instead of a relay that looks alive.
'use strict';

const assert = require('node:assert/strict');
const net = require('node:net');
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
    // The dashboard link carries the relay token; the MCP route tells when the demo's stdio server connected.
    await vscode.commands.executeCommand('agentMesh.copyDashboardLink');
    const token = new URL(await vscode.env.clipboard.readText()).searchParams.get('token');
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
});
