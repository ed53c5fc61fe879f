import { strict as assert } from 'node:assert';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import WebSocket, { WebSocketServer } from 'ws';
import { defaultSettings } from '../../src/extension/engine/config/settings';
import { Engine } from '../../src/extension/engine/engine';
import { silentLogger } from '../../src/extension/engine/log';
import { Hub, type HubOptions } from '../../src/extension/engine/relay/hub';
import { FileStore } from '../../src/extension/engine/state/fileStore';
import { FULL_STATE_COMPRESS_BYTES, type ClientFrame, type ServerFrame } from '../../src/shared/protocol';
import { canonicalJson } from '../../src/shared/state';
import { directSocket } from '../../src/webview/sync/connection';
import { startSync } from '../../src/webview/sync/session';
import { DashboardStore } from '../../src/webview/sync/store';
import { RelayClient } from '../helpers/wsClient';

const TOKEN = 'relay-frames-test-token';

async function eventually(what: string, check: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('the relay against hostile WebSocket frames (in-process engine)', function () {
  this.timeout(30_000);
  let scratch: string;
  let engine: Engine;
  const clients: RelayClient[] = [];

  async function start(options: { store?: FileStore } = {}): Promise<void> {
    engine = await Engine.start({ settings: defaultSettings(), token: TOKEN, dataDir: path.join(scratch, 'data'), extensionRoot: scratch, logger: silentLogger, ...options });
  }

  async function connect(deviceId?: string): Promise<RelayClient> {
    const client = await RelayClient.connect(engine.url, { token: TOKEN, ...(deviceId ? { deviceId } : {}) });
    clients.push(client);
    await client.next('status');
    return client;
  }

  beforeEach(() => {
    scratch = mkdtempSync(path.join(tmpdir(), 'am-relay-frames-'));
  });

  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
    await engine?.stop();
    rmSync(scratch, { recursive: true, force: true });
  });

  it('refuses frames nested thousands of levels deep, anywhere, with an error frame and keeps serving', async () => {
    await start();
    const client = await connect('deep');
    const depth = 200_000;
    client.send(`{"type":${'['.repeat(depth)}${']'.repeat(depth)}}`);
    assert.equal((await client.next('error', (f) => f.code === 'invalid_frame')).code, 'invalid_frame');
    const valueDepth = 100_000; // a deep value inside an otherwise valid update, still under the size limit
    client.send(`{"type":"state:update","id":"d1","path":"k","value":${'{"a":'.repeat(valueDepth)}1${'}'.repeat(valueDepth)},"version":1,"timestamp":1}`);
    await eventually('both frames refused', () => client.frames.filter((f) => f.type === 'error').length === 2);
    for (const refused of client.frames.filter((f) => f.type === 'error')) assert.match(refused.message, /nested too deep/);
    client.send({ type: 'state:update', id: 'alive', path: 'k', value: 1, version: 1, timestamp: 1 });
    assert.equal((await client.next('ack', (f) => f.id === 'alive')).version, 1);
  });

  it('accepts paths named like Object.prototype members (toString, hasOwnProperty)', async () => {
    await start();
    const client = await connect('proto');
    client.send({ type: 'state:update', id: 'p1', path: 'toString', value: 'a', version: 1, timestamp: 1 });
    client.send({ type: 'state:update', id: 'p2', path: 'widgets.hasOwnProperty', value: 'b', version: 1, timestamp: 1 });
    assert.equal((await client.next('ack', (f) => f.id === 'p1')).version, 1);
    assert.equal((await client.next('ack', (f) => f.id === 'p2')).version, 1);
    assert.deepEqual(engine.state.snapshot().state, { toString: 'a', widgets: { hasOwnProperty: 'b' } });
  });

  it('refuses a version far above the path\'s current one instead of freezing the path', async () => {
    await start();
    const client = await connect('huge');
    client.send({ type: 'state:update', id: 'h1', path: 'k', value: 'frozen?', version: Number.MAX_SAFE_INTEGER, timestamp: 1 });
    const refused = await client.next('error', (f) => f.id === 'h1');
    assert.equal(refused.code, 'invalid_frame');
    assert.match(refused.message, /version/);
    const other = await connect('other');
    other.send({ type: 'state:update', id: 'o1', path: 'k', value: 'still writable', version: 1, timestamp: 2 });
    assert.equal((await other.next('ack', (f) => f.id === 'o1')).version, 1);
    assert.equal(engine.state.snapshot().state.k, 'still writable');
  });

  it('gives a connection claiming a live device id an identity of its own, so an ack always means the write was applied', async () => {
    await start();
    const first = await connect('shared');
    const second = await connect('shared');
    const [hello1, hello2] = [await first.next('hello'), await second.next('hello')];
    assert.equal(hello1.deviceId, 'shared');
    assert.notEqual(hello2.deviceId, 'shared');
    first.send({ type: 'state:update', id: 'w1', path: 'k', value: 'first', version: 5, timestamp: 10 });
    await first.next('ack', (f) => f.id === 'w1');
    // An older write of the same path, and a reused update id: neither may be acknowledged without being applied.
    second.send({ type: 'state:update', id: 'w2', path: 'k', value: 'second', version: 1, timestamp: 1 });
    second.send({ type: 'state:update', id: 'w1', path: 'other', value: 'second', version: 1, timestamp: 1 });
    assert.equal((await second.next('error', (f) => f.id === 'w2')).code, 'conflict');
    await second.next('ack', (f) => f.id === 'w1');
    assert.deepEqual(engine.state.snapshot().state, { k: 'first', other: 'second' });
    assert.ok(first.frames.some((f) => f.type === 'state:sync' && f.path === 'other'), 'the first socket hears the second one\'s write');
  });

  it('releases approval watchers and task reporters with their socket', async () => {
    await start();
    const agent = await connect('agent');
    agent.send({ type: 'approval:request', id: 'r', title: 'deploy', confidence: 10, risk: 'high' });
    const approvalId = (await agent.next('approval', (f) => f.id === 'r')).approval.id;
    agent.send({ type: 'task:start', id: 't', title: 'work', steps: [{ name: 'one' }] });
    const taskId = (await agent.next('task', (f) => f.id === 't')).task.id;
    const watchers = await Promise.all(Array.from({ length: 20 }, (_, i) => connect(`watcher-${i}`)));
    for (const watcher of watchers) {
      for (let n = 0; n < 50; n++) watcher.send({ type: 'approval:watch', id: `w${n}`, approvalId });
      watcher.send({ type: 'task:report', id: 'rep', taskId, message: 'still here' });
    }
    await eventually('every watch registered', () => engine.approvals.waiterCount >= 1 + 20 * 50);
    await Promise.all(watchers.map((w) => w.next('task', (f) => f.id === 'rep')));
    const taskFrames = (engine as unknown as { taskFrames: { reporterCount: number } }).taskFrames;
    assert.equal(taskFrames.reporterCount, 21);
    await Promise.all(watchers.map((w) => w.close()));
    await eventually('the watchers of closed sockets released', () => engine.approvals.waiterCount === 1 && taskFrames.reporterCount === 1);
  });

  it('sends a large state:full deflated, and a dashboard inflates it to the relay\'s state, frames after it in order', async () => {
    await start();
    const writer = await connect('writer');
    const rows = (n: number) => Array.from({ length: 4000 }, (_, i) => ({ id: `${n}-${i}`, label: `row ${i} of table ${n}` }));
    for (let n = 0; n < 4; n++) writer.send({ type: 'state:update', id: `t${n}`, path: `tables.t${n}`, value: rows(n), version: 1, timestamp: 1 });
    await Promise.all([0, 1, 2, 3].map((n) => writer.next('ack', (f) => f.id === `t${n}`)));
    const plainLength = JSON.stringify({ type: 'state:full', version: 4, stamps: engine.state.stamps(), state: engine.state.snapshot().state }).length;
    assert.ok(plainLength > FULL_STATE_COMPRESS_BYTES);

    const observer = new WebSocket(`${engine.url.replace(/^http/, 'ws')}/ws`, ['agent-mesh.v1'], { headers: { authorization: `Bearer ${TOKEN}` } });
    const raw: string[] = [];
    observer.on('message', (data) => raw.push(data.toString()));
    await eventually('the greeting', () => raw.length >= 3);
    observer.terminate();
    const types = raw.map((text) => (JSON.parse(text) as ServerFrame).type);
    assert.deepEqual(types.slice(0, 3), ['hello', 'state:full-deflated', 'status']);
    assert.ok(raw[1].length < plainLength / 4, 'much smaller than the plain frame');

    const opened: WebSocket[] = [];
    const store = new DashboardStore('dash');
    const session = startSync({
      store,
      deviceId: 'dash',
      channels: [],
      direct: directSocket(`${engine.url.replace(/^http/, 'ws')}/ws`, { kind: 'bearer', secret: TOKEN }, (url, protocols) => {
        const ws = new WebSocket(url, protocols);
        opened.push(ws);
        return ws as unknown as globalThis.WebSocket;
      }),
    });
    try {
      // A write right behind the full state: the dashboard must apply it after the state, not under it.
      await eventually('connected', () => store.snapshot.status === 'connected');
      writer.send({ type: 'state:update', id: 'after', path: 'tables.t0', value: 'replaced', version: 2, timestamp: 2 });
      await eventually('the dashboard holds the relay\'s state', () => canonicalJson(store.snapshot.state) === canonicalJson(engine.state.snapshot().state) && store.snapshot.state.tables !== undefined && (store.snapshot.state.tables as Record<string, unknown>).t0 === 'replaced');
    } finally {
      session.connection.close();
      for (const ws of opened) ws.terminate();
    }
  });

  it('refuses and rolls back a write the store could not persist: no ack, no broadcast, health degraded with the reason', async () => {
    const dataDir = path.join(scratch, 'data');
    await start({ store: new FileStore(path.join(dataDir, 'dashboard-state.json')) });
    const writer = await connect('writer');
    const reader = await connect('reader');
    writer.send({ type: 'state:update', id: 'ok', path: 'k', value: 'durable', version: 1, timestamp: 1 });
    await writer.next('ack', (f) => f.id === 'ok');
    // The data folder becomes unwritable: a file stands where the folder was.
    rmSync(dataDir, { recursive: true, force: true });
    writeFileSync(dataDir, 'not a folder');
    writer.send({ type: 'state:update', id: 'lost', path: 'k', value: 'never stored', version: 2, timestamp: 2 });
    const refused = await writer.next('error', (f) => f.id === 'lost');
    assert.equal(refused.code, 'store_unavailable');
    assert.equal(engine.state.snapshot().state.k, 'durable', 'the refused value is not in the state');
    const health = (await (await fetch(`${engine.url}/health`)).json()) as { status: string };
    assert.equal(health.status, 'degraded');
    assert.match(engine.condition().problems.join(' '), /could not be saved/);
    assert.ok(!writer.frames.some((f) => f.type === 'ack' && f.id === 'lost'));
    assert.ok(!reader.frames.some((f) => f.type === 'state:sync' && f.value === 'never stored'), 'no dashboard was told of the refused write');
    // Writable again: the next write is stored and health recovers.
    rmSync(dataDir);
    mkdirSync(dataDir);
    writer.send({ type: 'state:update', id: 'again', path: 'k', value: 'stored again', version: 3, timestamp: 3 });
    await writer.next('ack', (f) => f.id === 'again');
    await reader.next('state:sync', (f) => f.value === 'stored again');
    assert.equal(engine.condition().status, 'ok');
  });
});

describe('the hub\'s per-connection limits (real sockets)', function () {
  this.timeout(20_000);
  let server: Server;
  let wss: WebSocketServer;
  let hub: Hub;
  let url: string;
  const handled: ClientFrame[] = [];

  async function listen(options: HubOptions): Promise<void> {
    hub = new Hub(silentLogger, (_client, frame) => void handled.push(frame), () => undefined, undefined, options);
    server = createServer();
    wss = new WebSocketServer({ server, perMessageDeflate: false });
    wss.on('connection', (socket) => hub.attach(socket, null));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  afterEach(async () => {
    handled.length = 0;
    hub.dispose();
    for (const client of wss.clients) client.terminate();
    wss.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('answers a flood with rate_limited errors and then closes the socket with 1008', async () => {
    await listen({ rate: { framesPerSecond: 10, burstFrames: 20, bytesPerSecond: 1_000_000, burstBytes: 1_000_000 } });
    const socket = new WebSocket(url);
    const frames: ServerFrame[] = [];
    socket.on('message', (data) => frames.push(JSON.parse(data.toString()) as ServerFrame));
    await new Promise((resolve) => socket.once('open', resolve));
    const closed = new Promise<number>((resolve) => socket.once('close', (code) => resolve(code)));
    for (let i = 0; i < 500; i++) socket.send(JSON.stringify({ type: 'subscribe', channel: 'tasks' }));
    assert.equal(await closed, 1008);
    assert.ok(frames.some((f) => f.type === 'error' && f.code === 'rate_limited'));
    assert.ok(handled.length <= 25, `at most the burst was handled, not ${handled.length}`);
  });

  it('pings idle sockets and terminates one that stops answering', async () => {
    await listen({ heartbeatMs: 50 });
    const socket = new WebSocket(url);
    socket.on('error', () => undefined);
    await new Promise((resolve) => socket.once('open', resolve));
    await eventually('attached', () => hub.size === 1);
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(hub.size, 1, 'a client that answers pings stays');
    // Half-open: the client no longer reads anything, so it never answers a ping.
    (socket as unknown as { _socket: Socket })._socket.pause();
    await eventually('the silent socket dropped', () => hub.size === 0);
    socket.terminate();
  });
});
