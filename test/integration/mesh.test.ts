// Mesh health against real agents: A2A agents served by @a2a-js/sdk (healthy, slow, 500, invalid
// card, hung, legacy card path), plain HTTP endpoints, and a real MCP server through the fleet of
// `agent-mesh serve`; the circuit breaker checked transition by transition.
import { strict as assert } from 'node:assert';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { silentLogger } from '../../src/extension/engine/log';
import { MeshMonitor, type MeshOptions } from '../../src/extension/engine/mesh/monitor';
import { generateToken } from '../../src/extension/engine/security/token';
import type { MeshAgentConfig, MeshAgentSummary, MeshCheckResponse, MeshSnapshot, MeshTransition } from '../../src/shared/mesh';
import { startA2aAgent, stopAllAgents, type FixtureAgent } from '../fixtures/a2a/agents';
import { everythingStdioServer } from '../fixtures/mcp';
import { freePort, waitFor } from '../helpers/net';
import { startServe, type ServeProcess } from '../helpers/serve';
import { RelayClient } from '../helpers/wsClient';

const TIMEOUT_MS = 600;

function options(agents: MeshAgentConfig[], over: Partial<MeshOptions> = {}): MeshOptions {
  return { agents, intervalSeconds: 3600, timeoutMs: TIMEOUT_MS, displayNames: {}, failureThreshold: 3, cooldownSeconds: 30, historyHours: 1, ...over };
}

/** A plain HTTP health endpoint answering `status`. */
async function httpEndpoint(status: number): Promise<{ url: string; server: Server }> {
  const server = createServer((_req, res) => {
    res.writeHead(status, { 'content-type': 'text/plain' });
    res.end(status < 300 ? 'ok' : 'not ok');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}/health`, server };
}

const byId = (agents: MeshAgentSummary[]) => Object.fromEntries(agents.map((a) => [a.id, a]));

describe('mesh health (real A2A agents and HTTP endpoints)', function () {
  this.timeout(30_000);
  const servers: Server[] = [];
  let monitor: MeshMonitor | undefined;

  afterEach(async () => {
    monitor?.stop();
    monitor = undefined;
    await stopAllAgents();
    await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
  });

  it('checks every kind of agent in one parallel cycle, a hung agent costing only its timeout', async () => {
    const [healthy, slow, failing, invalid, hung, legacy] = await Promise.all([
      startA2aAgent({ name: 'research_agent', behaviour: 'healthy' }),
      startA2aAgent({ name: 'Slow Agent', behaviour: 'slow', delayMs: 300 }),
      startA2aAgent({ name: 'Failing', behaviour: 'error500' }),
      startA2aAgent({ name: 'Invalid', behaviour: 'invalidCard' }),
      startA2aAgent({ name: 'Hung', behaviour: 'hung' }),
      startA2aAgent({ name: 'Old Timer', behaviour: 'legacy' }),
    ]);
    const [ok, noContent, unavailable] = await Promise.all([httpEndpoint(200), httpEndpoint(204), httpEndpoint(503)]);
    servers.push(ok.server, noContent.server, unavailable.server);
    const closedPort = await freePort();
    monitor = new MeshMonitor(
      options(
        [
          { url: healthy.url, kind: 'a2a' },
          { name: 'Slow', url: slow.url, kind: 'a2a' },
          { name: 'Failing', url: failing.url, kind: 'a2a' },
          { name: 'Invalid', url: invalid.url, kind: 'a2a' },
          { name: 'Hung', url: hung.url, kind: 'a2a' },
          { name: 'Legacy', url: legacy.url, kind: 'a2a' },
          { name: 'Web', url: ok.url, kind: 'http' },
          { name: 'NoContent', url: noContent.url, kind: 'http', expectStatus: 204 },
          { name: 'Unavailable', url: unavailable.url, kind: 'http' },
          { name: 'Nobody', url: `http://127.0.0.1:${closedPort}/health`, kind: 'http' },
        ],
        { displayNames: { Slow: 'Slow Coach' } },
      ),
      { logger: silentLogger },
    );
    const result = await monitor.checkNow();
    const agents = byId(result.agents);

    const research = agents[healthy.url.replace('http://', '').replace(/[.:]/g, '-')];
    assert.equal(research.status, 'healthy');
    assert.equal(research.cardName, 'research_agent');
    assert.equal(research.name, 'Research Agent', 'the card name made readable');
    assert.deepEqual(research.skills?.map((s) => s.id), ['echo', 'count-words']);
    assert.equal(research.circuit, 'closed');
    assert.ok(research.checkedAt && research.latencyMs !== undefined);

    assert.equal(agents.slow.status, 'healthy');
    assert.equal(agents.slow.name, 'Slow Coach', 'the display-name mapping wins');
    assert.ok(agents.slow.latencyMs! >= 300, `slow latency ${agents.slow.latencyMs}`);

    assert.equal(agents.failing.status, 'unhealthy');
    assert.equal(agents.failing.error, 'HTTP 500 for the agent card');
    assert.equal(agents.invalid.status, 'unhealthy');
    assert.match(agents.invalid.error!, /^invalid agent card: name /);
    assert.equal(agents.hung.status, 'unhealthy');
    assert.equal(agents.hung.error, `no answer within ${TIMEOUT_MS} ms`);
    assert.equal(agents.legacy.status, 'healthy', agents.legacy.error);
    assert.equal(agents.legacy.cardName, 'Old Timer');
    assert.equal(legacy.cardRequests, 2, 'agent-card.json (404), then agent.json');

    assert.equal(agents.web.status, 'healthy');
    assert.equal(agents.nocontent.status, 'healthy');
    assert.equal(agents.unavailable.error, 'HTTP 503 (expected 2xx)');
    assert.equal(agents.nobody.error, 'connection refused');

    // Parallel: the cycle is bounded by the hung agent's timeout, not the sum of everything.
    assert.ok(result.cycleMs >= TIMEOUT_MS && result.cycleMs < TIMEOUT_MS + 1000, `cycle took ${result.cycleMs} ms`);
    assert.deepEqual(monitor.counts(), { healthy: 5, total: 10 });
    assert.equal((monitor.card('slow') as { name: string }).name, 'Slow Agent');
  });

  it('uses an agent\'s own timeout over the default', async () => {
    const hung = await startA2aAgent({ name: 'Hung', behaviour: 'hung' });
    monitor = new MeshMonitor(options([{ name: 'Hung', url: hung.url, kind: 'a2a', timeoutMs: 150 }]), { logger: silentLogger });
    const { agents } = await monitor.checkNow();
    assert.equal(agents[0].error, 'no answer within 150 ms');
  });

  it('walks the circuit closed → open → half-open → open (doubled cool-down) → half-open → closed', async () => {
    const agent = await startA2aAgent({ name: 'Flaky', behaviour: 'healthy' });
    let now = 1_000_000;
    const transitions: MeshTransition[] = [];
    monitor = new MeshMonitor(options([{ name: 'Flaky', url: agent.url, kind: 'a2a' }], { failureThreshold: 2, cooldownSeconds: 10 }), {
      logger: silentLogger,
      now: () => now,
    });
    monitor.onTransition((t) => transitions.push(t));
    const cycle = async () => (await monitor!.checkDue()).agents[0];

    assert.equal((await cycle()).status, 'healthy');
    await agent.stop();
    let state = await cycle();
    assert.deepEqual([state.status, state.circuit, state.consecutiveFailures], ['unhealthy', 'closed', 1]);
    assert.deepEqual(transitions.map((t) => `${t.from}→${t.to}`), ['healthy→unhealthy']);
    now += 1000;
    state = await cycle();
    assert.deepEqual([state.circuit, state.consecutiveFailures], ['open', 2]);
    assert.equal(Date.parse(state.retryAt!), now + 10_000);

    const requestsWhileOpen = agent.cardRequests;
    await agent.start();
    now += 5000;
    state = await cycle();
    assert.equal(state.circuit, 'open', 'no check during the cool-down');
    assert.equal(agent.cardRequests, requestsWhileOpen, 'the agent was not contacted');
    assert.equal(state.stats.checks, 3);

    await agent.stop();
    now += 5000;
    state = await cycle();
    assert.deepEqual([state.circuit, state.consecutiveFailures], ['open', 3], 'the half-open trial failed');
    assert.equal(Date.parse(state.retryAt!), now + 20_000, 'cool-down doubled');

    await agent.start();
    now += 20_000;
    state = await cycle();
    assert.deepEqual([state.status, state.circuit, state.consecutiveFailures], ['healthy', 'closed', 0]);
    assert.deepEqual(transitions.map((t) => `${t.from}→${t.to}`), ['healthy→unhealthy', 'unhealthy→healthy']);
    assert.deepEqual(state.recent.map((p) => p.ok), [true, false, false, false, true]);
    assert.equal(state.stats.uptimePct, 40);
  });

  it('lets "check now" give an open circuit its trial at once', async () => {
    const agent = await startA2aAgent({ name: 'Down', behaviour: 'healthy' });
    await agent.stop();
    monitor = new MeshMonitor(options([{ name: 'Down', url: agent.url, kind: 'a2a' }], { failureThreshold: 1, cooldownSeconds: 3600 }), { logger: silentLogger });
    assert.equal((await monitor.checkNow()).agents[0].circuit, 'open');
    await agent.start();
    const { agents } = await monitor.checkNow(['down']);
    assert.deepEqual([agents[0].status, agents[0].circuit], ['healthy', 'closed']);
  });

  it('keeps state and history of unchanged agents when the settings change', async () => {
    const agent = await startA2aAgent({ name: 'Steady', behaviour: 'healthy' });
    monitor = new MeshMonitor(options([{ name: 'Steady', url: agent.url, kind: 'a2a' }]), { logger: silentLogger });
    await monitor.checkNow();
    monitor.configure(options([{ name: 'Steady', url: agent.url, kind: 'a2a' }, { name: 'New', url: 'http://127.0.0.1:1', kind: 'http' }]));
    const agents = byId(monitor.list());
    assert.equal(agents.steady.status, 'healthy');
    assert.equal(agents.steady.stats.checks, 1);
    assert.equal(agents.new.status, 'unknown');
  });

  it('runs cycles on its interval once started, publishing each one', async () => {
    const agent = await startA2aAgent({ name: 'Ticker', behaviour: 'healthy' });
    monitor = new MeshMonitor(options([{ name: 'Ticker', url: agent.url, kind: 'a2a' }], { intervalSeconds: 1 }), { logger: silentLogger });
    const updates: MeshSnapshot[] = [];
    monitor.onUpdate((s) => updates.push(s));
    monitor.start();
    await waitFor('two cycles', async () => (updates.length >= 2 ? true : undefined), 5000);
    assert.ok(updates.every((u) => u.agents[0].status === 'healthy' && u.cycleMs !== undefined));
  });
});

describe('mesh health through agent-mesh serve (relay API, WebSocket, real MCP server)', function () {
  this.timeout(60_000);
  let workspace: string;
  let serve: ServeProcess;
  let agent: FixtureAgent;
  const token = generateToken();
  const api = (route: string, init: RequestInit = {}) => fetch(`${serve.url}${route}`, { ...init, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...init.headers } });

  before(async () => {
    agent = await startA2aAgent({ name: 'Planner', behaviour: 'healthy' });
    workspace = await mkdtemp(path.join(tmpdir(), 'am-mesh-'));
    await mkdir(path.join(workspace, '.vscode'));
    await writeFile(path.join(workspace, '.vscode', 'mcp.json'), JSON.stringify({ servers: { everything: everythingStdioServer() } }));
    await writeFile(
      path.join(workspace, 'agent-mesh.config.json'),
      JSON.stringify({
        'agentMesh.mesh.agents': [
          { name: 'Planner', url: agent.url, kind: 'a2a' },
          { name: 'Everything', url: 'mcp:everything', kind: 'mcp' },
          { name: 'Ghost', url: 'mcp:ghost', kind: 'mcp' },
        ],
        'agentMesh.mesh.intervalSeconds': 3600,
        'agentMesh.mesh.timeoutMs': 2000,
      }),
    );
    serve = await startServe(['--workspace', workspace, '--port', '0', '--token', token]);
  });

  after(async () => {
    await serve?.stop();
    await stopAllAgents();
    await rm(workspace, { recursive: true, force: true });
  });

  it('pings the MCP server of the fleet and reports an unknown one', async () => {
    const result = await waitFor(
      'the MCP server to answer its ping',
      async () => {
        const body = (await (await api('/api/mesh/check', { method: 'POST' })).json()) as MeshCheckResponse;
        return byId(body.agents).everything.status === 'healthy' ? body : undefined;
      },
      30_000,
      300,
    );
    const agents = byId(result.agents);
    assert.equal(agents.everything.kind, 'mcp');
    assert.ok(agents.everything.latencyMs! >= 0);
    assert.equal(agents.ghost.status, 'unhealthy');
    assert.match(agents.ghost.error!, /^MCP ping of "ghost" failed: /);
    assert.equal(agents.planner.status, 'healthy');
  });

  it('lists agents in the API shape and counts them in /health', async () => {
    const res = await api('/api/mesh/agents');
    assert.equal(res.status, 200);
    const agents = (await res.json()) as MeshAgentSummary[];
    assert.deepEqual(agents.map((a) => a.id), ['planner', 'everything', 'ghost']);
    for (const a of agents) {
      for (const key of ['id', 'name', 'url', 'kind', 'status', 'circuit']) assert.ok(key in a, `${a.id} lacks ${key}`);
      assert.ok(['healthy', 'unhealthy', 'unknown'].includes(a.status));
      assert.ok(['closed', 'open', 'half-open'].includes(a.circuit));
    }
    const health = await (await fetch(`${serve.url}/health`)).json();
    assert.deepEqual(health.mesh, { healthy: 2, total: 3 });
  });

  it('needs the token and refuses bad check requests', async () => {
    assert.equal((await fetch(`${serve.url}/api/mesh/agents`)).status, 401);
    const bad = await api('/api/mesh/check', { method: 'POST', body: JSON.stringify({ ids: 'planner' }) });
    assert.equal(bad.status, 400);
    assert.match((await bad.json()).error.message, /^ids: /);
    const unknown = await api('/api/mesh/check', { method: 'POST', body: JSON.stringify({ ids: ['nope'] }) });
    assert.equal(unknown.status, 404);
    assert.equal((await unknown.json()).error.code, 'unknown_agent');
  });

  it('sends a snapshot on subscribe, then an update per cycle and a transition when an agent goes down', async () => {
    const client = await RelayClient.connect(serve.url, { token });
    try {
      client.send({ type: 'subscribe', channel: 'mesh' });
      const snapshot = await client.next('event', (f) => f.channel === 'mesh' && f.name === 'snapshot');
      assert.equal((snapshot.payload as unknown as MeshSnapshot).agents.length, 3);
      await agent.stop();
      const check = (await (await api('/api/mesh/check', { method: 'POST', body: JSON.stringify({ ids: ['planner'] }) })).json()) as MeshCheckResponse;
      assert.equal(check.agents[0].status, 'unhealthy');
      const transition = await client.next('event', (f) => f.channel === 'mesh' && f.name === 'transition');
      assert.deepEqual(
        [(transition.payload as unknown as MeshTransition).name, (transition.payload as unknown as MeshTransition).to],
        ['Planner', 'unhealthy'],
      );
      const update = await client.next('event', (f) => f.channel === 'mesh' && f.name === 'update');
      assert.equal(byId((update.payload as unknown as MeshSnapshot).agents).planner.status, 'unhealthy');
    } finally {
      await client.close();
      await agent.start();
    }
  });
});
