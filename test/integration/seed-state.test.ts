// The seed's DM-11.2 `state:update` frame shape (`{ type, payload: { path, value, version, timestamp } }`
// with an ISO-8601 timestamp) against a real `agent-mesh serve`, from a raw `ws` client that speaks
// only that shape, next to a client of our own flat protocol.
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import WebSocket from 'ws';
import { waitFor } from '../helpers/net';
import { startServe, type ServeProcess } from '../helpers/serve';
import { RelayClient } from '../helpers/wsClient';

const TOKEN = 'seed-state-test-token-0123456789abcdef';

type Frame = { type: string; [key: string]: unknown };

/** A dashboard written against the seed's contract: a plain socket with the bearer header, no subprotocol. */
class SeedClient {
  readonly frames: Frame[] = [];
  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data) => this.frames.push(JSON.parse(data.toString()) as Frame));
  }

  static async connect(baseUrl: string, query = ''): Promise<SeedClient> {
    const socket = new WebSocket(`${baseUrl.replace(/^http/, 'ws')}/ws${query}`, { headers: { authorization: `Bearer ${TOKEN}` } });
    const client = new SeedClient(socket);
    await new Promise((resolve, reject) => {
      socket.once('open', resolve);
      socket.once('error', reject);
    });
    return client;
  }

  update(payload: unknown): void {
    this.socket.send(JSON.stringify({ type: 'state:update', payload }));
  }

  async next(match: (frame: Frame) => boolean, what: string): Promise<Frame> {
    return waitFor(what, async () => this.frames.find(match));
  }
}

describe('the seed DM-11.2 state:update frame against a real relay', function () {
  this.timeout(60_000);
  let scratch: string;
  let relay: ServeProcess;
  const sockets: WebSocket[] = [];
  const clients: RelayClient[] = [];
  const auth = { authorization: `Bearer ${TOKEN}` };

  before(async () => {
    scratch = mkdtempSync(path.join(tmpdir(), 'am-seed-state-'));
    writeFileSync(path.join(scratch, 'config.json'), '{}');
    relay = await startServe(['--workspace', scratch, '--config', path.join(scratch, 'config.json'), '--data-dir', path.join(scratch, 'data'), '--port', '0'], { AGENT_MESH_TOKEN: TOKEN });
  });

  after(async () => {
    for (const socket of sockets.splice(0)) socket.terminate();
    await Promise.all(clients.splice(0).map((c) => c.close()));
    await relay?.stop();
    rmSync(scratch, { recursive: true, force: true });
  });

  async function seed(query?: string): Promise<SeedClient> {
    const client = await SeedClient.connect(relay.url, query);
    sockets.push(client.socket);
    return client;
  }

  async function ours(deviceId: string): Promise<RelayClient> {
    const client = await RelayClient.connect(relay.url, { token: TOKEN, deviceId });
    clients.push(client);
    await client.next('state:full');
    return client;
  }

  const relayState = async () => (await (await fetch(`${relay.url}/api/dashboard/state`, { headers: auth })).json()) as { version: number; state: Record<string, unknown> };

  it('stores a seed-shaped write and syncs it to a client of our protocol, with the ISO timestamp as milliseconds', async () => {
    const writer = await seed();
    const reader = await ours('reader-1');
    writer.update({ path: 'board.title', value: 'From the seed', version: 1, timestamp: '2026-11-30T12:00:00.250Z', sourceTabId: 'tab-abc123' });
    const sync = await reader.next('state:sync', (f) => f.path === 'board.title');
    assert.equal(sync.value, 'From the seed');
    assert.equal(sync.version, 1);
    assert.equal(sync.timestamp, Date.parse('2026-11-30T12:00:00.250Z'));
    assert.deepEqual((await relayState()).state.board, { title: 'From the seed' });
    assert.deepEqual(writer.frames.filter((f) => f.type === 'error'), []);
  });

  it('answers a stale seed write with a conflict error and the relay value in the seed sync shape (server state wins)', async () => {
    const writer = await seed();
    const other = await ours('other-1');
    other.send({ type: 'state:update', id: 'w1', path: 'board.owner', value: 'ours', version: 5, timestamp: Date.now() });
    await other.next('ack', (f) => f.id === 'w1');
    writer.update({ path: 'board.owner', value: 'stale', version: 3, timestamp: new Date().toISOString() });
    const error = await writer.next((f) => f.type === 'error', 'a conflict error');
    assert.equal(error.code, 'conflict');
    const sync = await writer.next((f) => f.type === 'state:sync' && 'payload' in f, 'the relay value in the seed shape');
    assert.deepEqual(sync.payload, { path: 'board.owner', value: 'ours', version: 5, sourceTabId: 'other-1' });
    assert.deepEqual((await relayState()).state.board, { title: 'From the seed', owner: 'ours' });
  });

  it('sends a seed client that has written the later changes of others in the seed sync shape', async () => {
    const seedDashboard = await seed();
    seedDashboard.update({ path: 'layout.columns', value: 2, version: 1, timestamp: new Date().toISOString(), sourceTabId: 'tab-seed' });
    const writer = await ours('writer-2');
    await waitFor('the seed write stored', async () => ((await relayState()).state.layout ? true : undefined));
    writer.send({ type: 'state:update', id: 'w2', path: 'layout.columns', value: 3, version: 2, timestamp: Date.now() });
    const sync = await seedDashboard.next((f) => f.type === 'state:sync' && (f.payload as { value?: unknown } | undefined)?.value === 3, 'a seed-shaped sync');
    assert.deepEqual(sync.payload, { path: 'layout.columns', value: 3, version: 2, sourceTabId: 'writer-2' });
    assert.equal(sync.path, undefined);
  });

  it('greets a client that connects with ?dialect=seed with the seed full state and sends it every sync in the seed shape', async () => {
    const current = await relayState();
    const reader = await seed('?dialect=seed');
    const full = await reader.next((f) => f.type === 'state:full', 'the full state');
    assert.deepEqual(full, { type: 'state:full', payload: { state: current.state, version: current.version } });
    const writer = await ours('writer-3');
    writer.send({ type: 'state:update', id: 'w3', path: 'layout.rows', value: 4, version: 1, timestamp: Date.now() });
    const sync = await reader.next((f) => f.type === 'state:sync', 'a seed-shaped sync');
    assert.deepEqual(sync, { type: 'state:sync', payload: { path: 'layout.rows', value: 4, version: 1, sourceTabId: 'writer-3' } });
    const reset = await fetch(`${relay.url}/api/dashboard/state`, { method: 'DELETE', headers: auth });
    assert.equal(reset.status, 200);
    const after = await relayState();
    const replaced = await reader.next((f) => f.type === 'state:full' && f !== full, 'the full state after a reset');
    assert.deepEqual(replaced, { type: 'state:full', payload: { state: after.state, version: after.version } });
  });

  it('refuses malformed timestamps and shapes with an error frame, keeps the socket open and changes nothing', async () => {
    const client = await seed();
    const before = await relayState();
    const bad: unknown[] = [
      { path: 'bad.a', value: 1, version: 1, timestamp: 'yesterday' },
      { path: 'bad.a', value: 1, version: 1, timestamp: 1764504000000 },
      { path: 'bad.a', value: 1, version: 1, timestamp: '2026-13-45T25:61:00Z' },
      { path: 'bad.a', value: 1, version: 1, timestamp: '2026-11-30' },
      { path: 'bad.a', value: 1, version: 1, timestamp: '1969-12-31T23:59:59Z' },
      { path: 'bad.a', value: 1, version: 1, timestamp: `2026-11-30T12:00:00.${'1'.repeat(5000)}Z` },
      { value: 1, version: 1, timestamp: '2026-11-30T12:00:00Z' },
      { path: 'bad.a', value: 1, version: -1, timestamp: '2026-11-30T12:00:00Z' },
      { path: 'bad.a', value: 1, version: '1', timestamp: '2026-11-30T12:00:00Z' },
      { path: 'bad.__proto__.x', value: 1, version: 1, timestamp: '2026-11-30T12:00:00Z' },
      'not an object',
      null,
      [1, 2],
    ];
    for (const payload of bad) client.update(payload);
    client.socket.send(JSON.stringify({ type: 'state:update', payload: { path: 'bad.a', value: 1, version: 1, timestamp: '2026-11-30T12:00:00Z' }, path: 'bad.b' }));
    const errors = await waitFor('an error frame for each', async () => {
      const seen = client.frames.filter((f) => f.type === 'error');
      return seen.length === bad.length + 1 ? seen : undefined;
    });
    assert.ok(errors.every((e) => e.code === 'invalid_frame' || e.code === 'forbidden_path'), JSON.stringify(errors));
    assert.equal(errors.filter((e) => e.code === 'forbidden_path').length, 1);
    assert.equal(client.socket.readyState, WebSocket.OPEN);
    assert.deepEqual((await relayState()).state, before.state);
    const health = (await (await fetch(`${relay.url}/health`)).json()) as { status: string };
    assert.equal(health.status, 'ok');
  });
});
