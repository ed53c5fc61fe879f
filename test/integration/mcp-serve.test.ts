// The MCP fleet through the HTTP routes and WebSocket channel of a real `agent-mesh serve` whose
// workspace has a `.vscode/mcp.json`: real server-everything, fixture servers, hot reload.
import { strict as assert } from 'node:assert';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { generateToken } from '../../src/extension/engine/security/token';
import type { McpServerInfo, McpSnapshot } from '../../src/shared/mcp';
import { BROKEN_COMMAND_SERVER, everythingStdioServer, fixtureServer, startEverythingHttp, type HttpServerProcess } from '../fixtures/mcp';
import { waitFor } from '../helpers/net';
import { startServe, type ServeProcess } from '../helpers/serve';
import { RelayClient } from '../helpers/wsClient';

describe('MCP fleet over the relay of agent-mesh serve', function () {
  this.timeout(60_000);
  let workspace: string;
  let token: string;
  let serve: ServeProcess;
  let http: HttpServerProcess;
  let mcpJson: string;

  const api = async (method: string, route: string, body?: unknown, auth = true) => {
    const res = await fetch(`${serve.url}${route}`, {
      method,
      headers: { ...(auth ? { authorization: `Bearer ${token}` } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    return { status: res.status, body: await res.json() };
  };
  const servers = async () => (await api('GET', '/api/mcp/servers')).body as McpServerInfo[];
  const server = async (name: string) => (await servers()).find((s) => s.name === name);
  const until = (name: string, check: (s: McpServerInfo) => boolean, timeoutMs = 20_000) =>
    waitFor(`${name} via the API`, async () => {
      const s = await server(name);
      return s && check(s) ? s : undefined;
    }, timeoutMs, 100);
  const writeMcpJson = (servers: object, extra: object = {}) => writeFile(mcpJson, JSON.stringify({ ...extra, servers }, null, 2));

  before(async () => {
    http = await startEverythingHttp('streamableHttp');
    workspace = await mkdtemp(path.join(tmpdir(), 'am-mcp-serve-'));
    await mkdir(path.join(workspace, '.vscode'));
    mcpJson = path.join(workspace, '.vscode', 'mcp.json');
    await writeMcpJson(
      {
        everything: { ...everythingStdioServer(), env: { SECRET: '${input:secret}' } },
        remote: { type: 'http', url: http.url },
        broken: BROKEN_COMMAND_SERVER,
        crash: fixtureServer('crash-after-start'),
        invalid: { type: 'stdio', timeout: 'soon' },
      },
      { inputs: [{ type: 'promptString', id: 'secret', description: 'A secret', password: true }] },
    );
    const settings = {
      'agentMesh.mcp.maxAttempts': 2,
      'agentMesh.mcp.retryDelayMs': 100,
      // Kept connected so it lives long enough to crash; an inspected one is disconnected first.
      'agentMesh.mcp.serverConnectionModes': { crash: 'keep-connected' },
    };
    await writeFile(path.join(workspace, 'agent-mesh.config.json'), JSON.stringify(settings));
    token = generateToken();
    // --user-mcp '': the servers of whoever runs the tests stay out of the expected list.
    serve = await startServe(['--workspace', workspace, '--port', '0', '--token', token, '--user-mcp', ''], { AGENT_MESH_INPUT_SECRET: 'from-the-environment' });
  });

  after(async () => {
    await serve?.stop();
    await http?.stop();
    if (workspace) await rm(workspace, { recursive: true, force: true });
  });

  it('lists every server of mcp.json in the API.md shape, each ending in the right state', async () => {
    await until('everything', (s) => s.status === 'connected' && s.tokensCounted);
    await until('remote', (s) => s.status === 'connected' && s.tokensCounted);
    await until('crash', (s) => s.status === 'error' && s.retryAt === undefined);
    const list = await servers();
    assert.deepEqual(list.map((s) => s.name), ['everything', 'remote', 'broken', 'crash', 'invalid']);
    const everything = list[0];
    for (const key of ['name', 'transport', 'status', 'connectMs', 'toolTokens', 'tools', 'resources', 'prompts']) assert.ok(key in everything, key);
    assert.ok(everything.tools.every((t) => typeof t.name === 'string' && t.tokens > 0));
    assert.equal(list[1].transport, 'http');
    assert.deepEqual([list[2].status, list[2].error], ['error', 'cannot run "/nonexistent/agent-mesh-fixture-server": command not found']);
    assert.match(list[3].error!, /fatal: simulated crash .*gave up after 2 attempts/);
    assert.deepEqual([list[4].status, list[4].error], ['error', 'invalid configuration: "timeout" expected number, received string']);
  });

  it('logs the invalid entry with its line and column', () => {
    assert.ok(
      serve.stderr.some((l) => l.includes(`${mcpJson}:`) && /server \\"invalid\\": \\"timeout\\"/.test(l)),
      serve.stderr.filter((l) => l.includes('invalid')).join('\n'),
    );
  });

  it('reports the fleet in /health', async () => {
    const health = await (await fetch(`${serve.url}/health`)).json();
    assert.deepEqual(health.mcp, { connected: 2, total: 5 });
  });

  it('calls a tool through the relay, with the input value from the environment', async () => {
    const sum = await api('POST', '/api/mcp/servers/remote/tools/get-sum/call', { arguments: { a: 1, b: 2 } });
    assert.equal(sum.status, 200);
    assert.match(JSON.stringify(sum.body.content), /3/);
    const env = await api('POST', '/api/mcp/servers/everything/tools/get-env/call', { arguments: {} });
    assert.equal(env.status, 200);
    assert.match(env.body.content[0].text, /"SECRET": "from-the-environment"/);
  });

  it('refuses bad calls with clear errors', async () => {
    const bad = await api('POST', '/api/mcp/servers/remote/tools/get-sum/call', { arguments: 'nope' });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error.code, 'invalid_request');
    assert.equal((await api('POST', '/api/mcp/servers/remote/tools/get-sum/call', '{oops')).status, 400);
    const unknown = await api('POST', '/api/mcp/servers/nope/tools/x/call', { arguments: {} });
    assert.deepEqual([unknown.status, unknown.body.error.code], [404, 'server_not_found']);
    const noTool = await api('POST', '/api/mcp/servers/remote/tools/nope/call', { arguments: {} });
    assert.deepEqual([noTool.status, noTool.body.error.code], [404, 'tool_not_found']);
    const down = await api('POST', '/api/mcp/servers/broken/tools/x/call', { arguments: {} });
    assert.deepEqual([down.status, down.body.error.code], [409, 'not_connected']);
    assert.equal((await api('GET', '/api/mcp/servers', undefined, false)).status, 401);
  });

  it('serves each server\'s log (stderr and lifecycle)', async () => {
    const logs = await api('GET', '/api/mcp/servers/crash/logs');
    assert.equal(logs.status, 200);
    const lines = logs.body.lines as Array<{ stream: string; text: string }>;
    assert.ok(lines.some((l) => l.stream === 'stderr' && l.text === 'fatal: simulated crash (database handle lost)'));
    assert.ok(lines.some((l) => l.stream === 'error' && /gave up/.test(l.text)));
    assert.equal((await api('GET', '/api/mcp/servers/nope/logs')).status, 404);
  });

  it('restarts one server through the API without touching the others', async () => {
    const before = await servers();
    const restarted = await api('POST', '/api/mcp/servers/everything/restart');
    assert.equal(restarted.status, 200);
    assert.equal(restarted.body.status, 'connected');
    assert.ok(restarted.body.connectedAt > before[0].connectedAt!);
    assert.equal((await server('remote'))!.connectedAt, before[1].connectedAt);
    assert.equal((await api('POST', '/api/mcp/servers/nope/restart')).status, 404);
  });

  it('streams the fleet on the "mcp" channel: a snapshot, then changes', async () => {
    const client = await RelayClient.connect(serve.url, { token });
    try {
      client.send({ type: 'subscribe', channel: 'mcp' });
      const snapshot = await client.next('event', (f) => f.channel === 'mcp' && f.name === 'snapshot');
      const payload = snapshot.payload as unknown as McpSnapshot;
      assert.equal(payload.servers.length, 5);
      assert.equal(payload.tokens.total, payload.servers.reduce((sum, s) => sum + s.toolTokens, 0));
      assert.equal(payload.trusted, true);
      assert.ok(payload.problems.some((p) => p.server === 'invalid' && p.line !== undefined));
      await api('POST', '/api/mcp/servers/remote/stop');
      await client.next('event', (f) => f.channel === 'mcp' && f.name === 'server' && (f.payload as { name?: string; status?: string }).status === 'stopped');
      await api('POST', '/api/mcp/servers/remote/restart');
      await client.next('event', (f) => f.channel === 'mcp' && f.name === 'server' && (f.payload as { name?: string; status?: string }).status === 'connected' && (f.payload as { name?: string }).name === 'remote');
    } finally {
      await client.close();
    }
  });

  it('hot-reloads mcp.json: adds, removes and restarts only what changed', async () => {
    // Run alone, the suite's servers may still be starting: compare against their connected state.
    await until('everything', (s) => s.status === 'connected');
    await until('remote', (s) => s.status === 'connected');
    const before = await servers();
    await writeMcpJson(
      {
        everything: { ...everythingStdioServer(), env: { SECRET: '${input:secret}' } },
        remote: { type: 'http', url: http.url },
        fresh: fixtureServer('slow-start', { TOOL_COUNT: '4' }),
      },
      { inputs: [{ type: 'promptString', id: 'secret', description: 'A secret', password: true }] },
    );
    const fresh = await until('fresh', (s) => s.status === 'connected');
    assert.equal(fresh.tools.length, 4);
    const after = await servers();
    assert.deepEqual(after.map((s) => s.name), ['everything', 'remote', 'fresh']);
    assert.equal(after[0].connectedAt, before.find((s) => s.name === 'everything')!.connectedAt);
    assert.equal(after[1].connectedAt, before.find((s) => s.name === 'remote')!.connectedAt);
  });
});
