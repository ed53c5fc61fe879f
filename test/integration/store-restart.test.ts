import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import WebSocket from 'ws';
import { defaultSettings, type Settings } from '../../src/extension/engine/config/settings';
import { Engine } from '../../src/extension/engine/engine';
import { silentLogger } from '../../src/extension/engine/log';
import type { HealthBody } from '../../src/shared/api';
import type { HistoryPage } from '../../src/shared/history';
import type { Approval, ApprovalRule, ApprovalsSnapshot } from '../../src/shared/approvals';
import type { ServerFrame } from '../../src/shared/protocol';
import type { AgentSession } from '../../src/shared/sessions';
import { fixtureServer } from '../fixtures/mcp';
import { freePort, waitFor } from '../helpers/net';
import { startRedis, type RedisServer } from '../helpers/redis';
import { callRelay } from '../helpers/relayCall';
import { RelayClient } from '../helpers/wsClient';

const TOKEN = 'store-restart-test-token-0123456789ab';

describe('a store setting change reopens only the stores (in-process engine, real redis-server, real sockets, a real MCP server)', function () {
  this.timeout(90_000);
  let redis: RedisServer;
  let workspace: string;
  const scratch: string[] = [];
  const engines: Engine[] = [];
  const clients: RelayClient[] = [];

  const folder = (prefix: string) => {
    const dir = mkdtempSync(path.join(tmpdir(), prefix));
    scratch.push(dir);
    return dir;
  };
  const fileSettings = (): Settings => ({ ...defaultSettings(), 'agentMesh.mcp.servers': { fixture: fixtureServer('minimal-server') } });
  const startRelay = async (settings: Settings) => {
    const engine = await Engine.start({ settings, token: TOKEN, dataDir: folder('am-store-restart-data-'), workspaceDir: workspace, extensionRoot: workspace, logger: silentLogger });
    engines.push(engine);
    return engine;
  };
  const call = <T = unknown>(engine: Engine, method: string, route: string, body?: unknown) => callRelay<T>(engine.url, TOKEN, method, route, body);
  const metricsText = async (engine: Engine) => (await fetch(`${engine.url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } })).text();
  const health = async (engine: Engine) => (await (await fetch(`${engine.url}/health`)).json()) as HealthBody;
  const connectDashboard = async (engine: Engine) => {
    const dashboard = await RelayClient.connect(engine.url, { token: TOKEN, deviceId: 'dashboard-1' });
    clients.push(dashboard);
    for (const channel of ['approvals', 'sessions', 'history'] as const) dashboard.send({ type: 'subscribe', channel });
    await dashboard.next('event', (f) => f.channel === 'history' && f.name === 'snapshot');
    return dashboard;
  };
  /** The first frame after `mark` (an index into the frames seen) that matches. */
  const frameAfter = <T extends ServerFrame>(dashboard: RelayClient, mark: number, what: string, match: (frame: ServerFrame) => frame is T) =>
    waitFor(what, async () => dashboard.frames.slice(mark).find(match));
  const snapshotAfter = (dashboard: RelayClient, mark: number, channel: string) =>
    frameAfter(dashboard, mark, `a fresh ${channel} snapshot`, (f): f is Extract<ServerFrame, { type: 'event' }> => f.type === 'event' && f.channel === channel && f.name === 'snapshot');
  const fixtureServerInfo = (engine: Engine) => engine.mcp.snapshot().servers.find((s) => s.name === 'fixture');
  const postToolUse = (sessionId: string) => ({ session_id: sessionId, cwd: workspace, hook_event_name: 'PostToolUse', tool_name: 'Bash', tool_input: { command: 'ls' }, tool_response: { stdout: '' } });

  beforeEach(async () => {
    redis = await startRedis();
    workspace = folder('am-store-restart-ws-');
  });

  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
    await Promise.all(engines.splice(0).map((e) => e.stop()));
    await redis.stop();
    for (const dir of scratch.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it('moves from the file to Redis and back: same relay, same socket, fresh snapshots, the pending approval carried and decidable, the MCP server still connected', async () => {
    const engine = await startRelay(fileSettings());
    const connected = await waitFor('the MCP fixture to connect', async () => (fixtureServerInfo(engine)?.status === 'connected' ? fixtureServerInfo(engine) : undefined), 30_000);
    const dashboard = await connectDashboard(engine);

    const created = await call<Approval>(engine, 'POST', '/api/approvals', { title: 'Deploy to staging', confidence: 50, risk: 'medium' });
    assert.equal(created.status, 201);
    assert.equal(created.body.status, 'pending');
    const id = created.body.id;
    dashboard.send({ type: 'state:update', id: 'w1', path: 'notes.today', value: 'ship it', version: 1, timestamp: Date.now() });
    await dashboard.next('ack', (f) => f.id === 'w1', 30_000);
    assert.equal((await call(engine, 'POST', '/api/hooks/claude-code', postToolUse('before-move'))).status, 200);
    assert.equal((await call(engine, 'POST', '/api/approval-rules', { tool: 'read_file', scope: 'workspace' })).status, 201);
    // An agent waits on the approval through the move.
    const waited = call<Approval>(engine, 'GET', `/api/approvals/${id}/wait?timeoutMs=60000`);
    const url = engine.url;

    let mark = dashboard.frames.length;
    await engine.restartStores({ ...fileSettings(), 'agentMesh.state.redisUrl': redis.url });

    assert.equal(engine.url, url, 'the relay keeps its address');
    assert.equal(dashboard.socket.readyState, WebSocket.OPEN, 'the dashboard stays connected');
    const approvalsSnapshot = (await snapshotAfter(dashboard, mark, 'approvals')).payload as unknown as ApprovalsSnapshot;
    assert.deepEqual(
      approvalsSnapshot.approvals.map((a) => [a.id, a.status]),
      [[id, 'pending']],
    );
    const sessionsSnapshot = (await snapshotAfter(dashboard, mark, 'sessions')).payload as unknown as { sessions: AgentSession[] };
    assert.deepEqual(
      sessionsSnapshot.sessions.map((s) => s.id),
      ['claude-code:before-move'],
    );
    assert.deepEqual((await snapshotAfter(dashboard, mark, 'history')).payload, { store: 'redis' });
    const full = await frameAfter(dashboard, mark, 'a fresh state:full', (f): f is Extract<ServerFrame, { type: 'state:full' }> => f.type === 'state:full');
    assert.deepEqual(full.state, { notes: { today: 'ship it' } });
    await frameAfter(dashboard, mark, 'a status frame naming Redis', (f): f is Extract<ServerFrame, { type: 'status' }> => f.type === 'status' && f.store === 'redis');
    const onRedis = await health(engine);
    assert.equal(onRedis.status, 'ok', JSON.stringify(engine.condition()));
    assert.equal(onRedis.store, 'redis');
    assert.equal(onRedis.redis?.topology, 'server');
    assert.deepEqual(onRedis.approvals, { pending: 1 });
    assert.match(await metricsText(engine), /^agent_mesh_state_redis_up 1$/m);

    // What was carried is in Redis itself: a second relay on the same Redis sees it.
    const other = await startRelay({ ...defaultSettings(), 'agentMesh.state.redisUrl': redis.url });
    assert.equal((await call<Approval>(other, 'GET', `/api/approvals/${id}`)).body.status, 'pending');
    assert.deepEqual(((await call<{ state: unknown }>(other, 'GET', '/api/dashboard/state')).body).state, { notes: { today: 'ship it' } });
    assert.deepEqual(((await call<AgentSession[]>(other, 'GET', '/api/sessions')).body).map((s) => s.id), ['claude-code:before-move']);
    assert.deepEqual(((await call<ApprovalRule[]>(other, 'GET', '/api/approval-rules')).body).map((r) => r.tool), ['read_file']);
    // Revoked while on Redis: the file still holds the rule, which must not come back with the move below.
    assert.equal((await call(engine, 'DELETE', '/api/approval-rules', { tool: 'read_file', scope: 'workspace' })).status, 200);

    const decided = await call<Approval>(engine, 'POST', `/api/approvals/${id}/decision`, { decision: 'approve', by: 'ada' });
    assert.equal(decided.status, 200);
    const answer = await waited;
    assert.equal(answer.status, 200);
    assert.equal(answer.body.status, 'approved', 'the agent waiting since before the move hears the decision');
    assert.equal(answer.body.decidedBy, 'ada');
    // The decision's history record went to the new store: the other relay reads it from Redis.
    await waitFor('the decision in the shared history', async () => {
      const page = (await call<HistoryPage>(other, 'GET', '/api/history')).body;
      return page.records.find((r) => r.id === `approval:${id}` && r.status === 'approved');
    });

    // And back to the file, which still holds the approval as pending: the decision comes along.
    mark = dashboard.frames.length;
    await engine.restartStores(fileSettings());
    assert.equal(engine.url, url);
    assert.equal(dashboard.socket.readyState, WebSocket.OPEN);
    const backSnapshot = (await snapshotAfter(dashboard, mark, 'approvals')).payload as unknown as ApprovalsSnapshot;
    assert.deepEqual(
      backSnapshot.approvals.map((a) => [a.id, a.status]),
      [[id, 'approved']],
    );
    assert.deepEqual((await snapshotAfter(dashboard, mark, 'history')).payload, { store: 'file' });
    const backFull = await frameAfter(dashboard, mark, 'a fresh state:full', (f): f is Extract<ServerFrame, { type: 'state:full' }> => f.type === 'state:full');
    assert.deepEqual(backFull.state, { notes: { today: 'ship it' } });
    const onFile = await health(engine);
    assert.equal(onFile.status, 'ok', JSON.stringify(engine.condition()));
    assert.equal(onFile.store, 'file');
    assert.equal(onFile.redis, undefined, '/health no longer reports Redis');
    assert.doesNotMatch(await metricsText(engine), /agent_mesh_state_redis_up/, '/metrics no longer reports Redis');
    assert.equal((await call<Approval>(engine, 'GET', `/api/approvals/${id}`)).body.status, 'approved');
    assert.deepEqual((await call<ApprovalRule[]>(engine, 'GET', '/api/approval-rules')).body, [], 'the rule revoked on Redis stays revoked');

    // The MCP server kept the connection it had before both moves.
    const after = fixtureServerInfo(engine);
    assert.equal(after?.status, 'connected');
    assert.equal(after?.connectedAt, connected.connectedAt, 'the same connection, not a reconnect');
  });

  it('moves onto a Redis that does not answer: the relay keeps serving, degraded, says why, and moves back to the file with nothing lost', async () => {
    const engine = await startRelay(fileSettings());
    const created = await call<Approval>(engine, 'POST', '/api/approvals', { title: 'Rotate keys', confidence: 50, risk: 'medium' });
    const id = created.body.id;
    const nobody = `redis://127.0.0.1:${await freePort()}`;

    // A URL the connections refuse (the settings schema refuses it first) changes nothing.
    await assert.rejects(engine.restartStores({ ...fileSettings(), 'agentMesh.state.redisUrl': 'http://127.0.0.1:6379' }), /agentMesh\.state\.redisUrl/);
    assert.equal((await health(engine)).store, 'file');
    assert.equal(engine.condition().status, 'ok');

    await engine.restartStores({ ...fileSettings(), 'agentMesh.state.redisUrl': nobody });

    const down = await health(engine);
    assert.equal(down.status, 'degraded');
    assert.equal(down.store, 'redis');
    const problems = engine.condition().problems;
    assert.ok(problems.some((p) => p.startsWith('state store:')), problems.join(' | '));
    assert.ok(problems.some((p) => p.startsWith('approvals store (redis)')), problems.join(' | '));
    assert.ok(problems.some((p) => p.startsWith('agent sessions store (redis)')), problems.join(' | '));
    assert.ok(problems.some((p) => p.startsWith('history store (redis)')), problems.join(' | '));
    // Nothing is taken that could be lost.
    assert.equal((await call(engine, 'POST', '/api/approvals', { title: 'Not now', confidence: 50, risk: 'medium' })).status, 503);

    await engine.restartStores(fileSettings());
    const back = await health(engine);
    assert.equal(back.status, 'ok', JSON.stringify(engine.condition()));
    assert.equal(back.store, 'file');
    assert.equal((await call<Approval>(engine, 'GET', `/api/approvals/${id}`)).body.status, 'pending');
    assert.equal((await call<Approval>(engine, 'POST', `/api/approvals/${id}/decision`, { decision: 'reject' })).body.status, 'rejected');
  });

  it('applies the metrics door\'s auth in place', async () => {
    const engine = await startRelay(defaultSettings());
    assert.equal((await fetch(`${engine.url}/metrics`)).status, 401);
    engine.configureMetrics({ ...defaultSettings(), 'agentMesh.metrics.requireAuth': false });
    assert.equal((await fetch(`${engine.url}/metrics`)).status, 200);
    engine.configureMetrics(defaultSettings());
    assert.equal((await fetch(`${engine.url}/metrics`)).status, 401);
  });
});
