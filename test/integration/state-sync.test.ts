import { strict as assert } from 'node:assert';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import WebSocket from 'ws';
import { StateBridge } from '../../src/extension/vscode/stateBridge';
import type { HostToWebviewMessage } from '../../src/shared/protocol';
import { canonicalJson } from '../../src/shared/state';
import { bridgeSocket } from '../../src/webview/sync/bridge';
import { directSocket, type SocketFactory } from '../../src/webview/sync/connection';
import { startSync } from '../../src/webview/sync/session';
import { DashboardStore, type PendingStorage } from '../../src/webview/sync/store';
import { decodeStoredText, encodeForStorage } from '../../src/webview/webStorage';
import { freePort, waitFor } from '../helpers/net';
import { startServe, type ServeProcess } from '../helpers/serve';
import { RelayClient } from '../helpers/wsClient';

const TOKEN = 'state-sync-test-token-0123456789abcdef';

/** The webview's own socket factory over sockets of the `ws` package, kept so a test can cut them. */
function nodeSockets(wsUrl: string, token: string | undefined, opened: WebSocket[]): SocketFactory {
  return directSocket(wsUrl, token === undefined ? undefined : { kind: 'bearer', secret: token }, (url, protocols) => {
    const ws = new WebSocket(url, protocols);
    ws.on('error', () => undefined); // a refused connection shows as a close, as in a browser
    opened.push(ws);
    return ws as unknown as globalThis.WebSocket;
  });
}

describe('dashboard state sync against a real relay', function () {
  this.timeout(60_000);
  let scratch: string;
  let relay: ServeProcess;
  const sessions: Array<{ connection: { close(): void } }> = [];
  const rawSockets: WebSocket[] = [];
  const clients: RelayClient[] = [];
  const auth = { authorization: `Bearer ${TOKEN}` };

  async function serve(config: Record<string, unknown> = {}) {
    writeFileSync(path.join(scratch, 'config.json'), JSON.stringify(config));
    relay = await startServe(['--workspace', scratch, '--config', path.join(scratch, 'config.json'), '--data-dir', path.join(scratch, 'data'), '--port', '0'], { AGENT_MESH_TOKEN: TOKEN });
  }

  beforeEach(() => {
    scratch = mkdtempSync(path.join(tmpdir(), 'am-state-sync-'));
  });

  afterEach(async () => {
    for (const session of sessions.splice(0)) session.connection.close();
    for (const socket of rawSockets.splice(0)) socket.terminate();
    await Promise.all(clients.splice(0).map((c) => c.close()));
    await relay?.stop();
    rmSync(scratch, { recursive: true, force: true });
  });

  function dashboard(deviceId: string, factory: SocketFactory = nodeSockets(`${relay.url.replace(/^http/, 'ws')}/ws`, TOKEN, rawSockets), fallback?: SocketFactory) {
    const store = new DashboardStore(deviceId);
    const session = startSync({ store, deviceId, direct: factory, fallback, channels: [] });
    sessions.push(session);
    return { store, ...session };
  }

  const relayState = async () => (await (await fetch(`${relay.url}/api/dashboard/state`, { headers: auth })).json()) as { version: number; state: Record<string, unknown>; lastModified: number };

  it('brings four dashboards editing the same paths at once to one identical state', async () => {
    await serve();
    const devices = ['alpha', 'bravo', 'charlie', 'delta'].map((id) => dashboard(id));
    await waitFor('all dashboards connected', async () => (devices.every((d) => d.store.snapshot.status === 'connected' && d.store.snapshot.deviceId) ? true : undefined));
    const paths = ['board.title', 'board.owner', 'notes.text'];
    for (let round = 0; round < 25; round++) {
      for (const [i, device] of devices.entries()) device.write(paths[(round + i) % paths.length], `${device.store.snapshot.deviceId}-${round}`);
      if (round % 5 === 0) await new Promise((r) => setTimeout(r, 5));
    }
    await waitFor('every write answered', async () => (devices.every((d) => d.store.snapshot.pendingCount === 0) ? true : undefined), 20_000);
    const server = await relayState();
    await waitFor('every dashboard equal to the relay', async () => (devices.every((d) => canonicalJson(d.store.snapshot.state) === canonicalJson(server.state as never)) ? true : undefined));
    assert.equal(Object.keys((server.state.board as object) ?? {}).length, 2);
    assert.equal(typeof (server.state.notes as { text: string }).text, 'string');
  });

  it('never echoes a sync to its sender, acks every accepted update and refuses bad frames with an error', async () => {
    await serve();
    const a = await RelayClient.connect(relay.url, { token: TOKEN, deviceId: 'a' });
    const b = await RelayClient.connect(relay.url, { token: TOKEN, deviceId: 'b' });
    clients.push(a, b);
    const full = await a.next('state:full');
    assert.deepEqual(full.stamps, {});
    assert.equal((await a.next('status')).store, 'file');
    a.send({ type: 'state:update', id: 'x1', path: 'k', value: 1, version: 1, timestamp: 1 });
    assert.equal((await a.next('ack', (f) => f.id === 'x1')).version, 1);
    const sync = await b.next('state:sync', (f) => f.path === 'k');
    assert.deepEqual([sync.value, sync.version, sync.timestamp, sync.sourceDeviceId], [1, 1, 1, 'a']);
    b.send({ type: 'state:update', id: 'x2', path: 'k', value: 0, version: 1, timestamp: 0 });
    assert.equal((await b.next('error', (f) => f.id === 'x2')).code, 'conflict');
    a.send('{not json');
    assert.equal((await a.next('error', (f) => f.code === 'invalid_json')).code, 'invalid_json');
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(a.frames.filter((f) => f.type === 'state:sync').length, 0, 'the sender got no state:sync of its own write');
  });

  it('replays unacknowledged writes after the socket drops, without losing or duplicating any', async () => {
    await serve();
    const device = dashboard('flaky');
    await waitFor('connected', async () => (device.store.snapshot.status === 'connected' ? true : undefined));
    const writes = (from: number, to: number) => {
      for (let i = from; i < to; i++) device.write(`items.k${i}`, i);
    };
    writes(0, 20);
    rawSockets.at(-1)!.terminate(); // cut mid-stream: some of these acks never arrive
    writes(20, 40); // written while disconnected: queued
    await waitFor('reconnected', async () => (rawSockets.length === 2 && device.store.snapshot.status === 'connected' ? true : undefined), 10_000);
    writes(40, 50);
    rawSockets.at(-1)!.terminate();
    writes(50, 60);
    await waitFor('every write acknowledged', async () => (device.store.snapshot.status === 'connected' && device.store.snapshot.pendingCount === 0 ? true : undefined), 20_000);
    const server = await relayState();
    assert.deepEqual(server.state.items, Object.fromEntries(Array.from({ length: 60 }, (_, i) => [`k${i}`, i])));
    assert.equal(server.version, 60, 'each write was applied exactly once');
    assert.equal(rawSockets.length, 3, 'the dashboard reconnected after each cut');
  });

  it('keeps unacknowledged writes across a reload of the dashboard and applies each exactly once', async () => {
    await serve();
    // Like sessionStorage: text that outlives the page, in the browser dashboard's format.
    let saved: string | undefined;
    const storage: PendingStorage = {
      load: () => decodeStoredText(saved ?? null),
      save: (pending) => {
        saved = encodeForStorage(pending);
        return undefined;
      },
    };
    const page = (name: string) => {
      const store = new DashboardStore(name, storage);
      const session = startSync({ store, deviceId: 'reloading', direct: nodeSockets(`${relay.url.replace(/^http/, 'ws')}/ws`, TOKEN, rawSockets), channels: [] });
      sessions.push(session);
      return { store, ...session };
    };
    const first = page('page-1');
    await waitFor('connected', async () => (first.store.snapshot.status === 'connected' ? true : undefined));
    for (let i = 0; i < 20; i++) first.write(`drafts.d${i}`, i);
    // The page goes away before any ack is read: some updates reached the relay, some did not.
    first.connection.close();
    rawSockets.at(-1)!.terminate();
    assert.equal(JSON.parse(saved!).length, 20, 'every unacknowledged write was kept');

    const second = page('page-2');
    assert.equal(second.store.snapshot.pendingCount, 20, 'the reloaded page shows the writes at once');
    assert.deepEqual(second.store.snapshot.state.drafts, Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`d${i}`, i])));
    await waitFor('every write acknowledged', async () => (second.store.snapshot.status === 'connected' && second.store.snapshot.pendingCount === 0 ? true : undefined), 10_000);
    const server = await relayState();
    assert.deepEqual(server.state.drafts, Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`d${i}`, i])));
    assert.equal(server.version, 20, 'each write was applied exactly once');
    assert.deepEqual(JSON.parse(saved!), [], 'nothing is left to replay');
  });

  it('falls back to the postMessage bridge through the extension host when the direct socket cannot connect', async () => {
    await serve();
    const deadPort = await freePort();
    const toWebview = new Set<(message: HostToWebviewMessage) => void>();
    const bridge = new StateBridge(
      async () => ({ wsUrl: `${relay.url.replace(/^http/, 'ws')}/ws`, token: TOKEN }),
      (message) => setImmediate(() => toWebview.forEach((listener) => listener(message))),
    );
    const fallback = bridgeSocket(
      (message) => setImmediate(() => bridge.handle(message as Parameters<StateBridge['handle']>[0])),
      (handler) => (toWebview.add(handler), () => toWebview.delete(handler)),
    );
    const viaBridge = dashboard('webview-remote', nodeSockets(`ws://127.0.0.1:${deadPort}/ws`, TOKEN, rawSockets), fallback);
    const browser = dashboard('browser');
    try {
      await waitFor('the bridged dashboard connected', async () => (viaBridge.store.snapshot.status === 'connected' ? true : undefined), 15_000);
      assert.equal(viaBridge.connection.bridged, true);
      assert.equal(viaBridge.store.snapshot.statusDetail, 'via the extension host');
      viaBridge.write('notes.text', 'typed in a remote webview');
      await waitFor('the browser sees the bridged write', async () => ((browser.store.snapshot.state.notes as { text?: string })?.text === 'typed in a remote webview' ? true : undefined));
      browser.write('notes.text', 'answered from the browser');
      await waitFor('the bridged webview sees the browser write', async () => ((viaBridge.store.snapshot.state.notes as { text?: string })?.text === 'answered from the browser' ? true : undefined));
    } finally {
      viaBridge.connection.close();
      bridge.dispose();
    }
  });

  it('serves the DM-11.1 REST contract: read, checksummed replace, stale replace refused, reset', async () => {
    await serve();
    const watcher = await RelayClient.connect(relay.url, { token: TOKEN, deviceId: 'watcher' });
    clients.push(watcher);
    await watcher.next('state:full');
    const post = (body: unknown) => fetch(`${relay.url}/api/dashboard/state`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify(body) });

    const empty = await relayState();
    assert.deepEqual([empty.version, empty.state], [0, {}]);
    assert.equal(typeof empty.lastModified, 'number');

    const state = { layout: { columns: 2, order: ['b', 'a'] }, pinned: 'release at 5' };
    const checksum = createHash('sha256').update(canonicalJson(state)).digest('hex');
    const ok = await post({ version: 0, state, checksum });
    assert.equal(ok.status, 200);
    assert.deepEqual(await ok.json(), { success: true, serverVersion: 1 });
    assert.deepEqual((await watcher.next('state:full', (f) => f.version === 1)).state, state);

    const mismatch = await post({ version: 1, state: { ...state, pinned: 'tampered' }, checksum });
    assert.equal(mismatch.status, 400);
    assert.equal((await mismatch.json()).error.code, 'checksum_mismatch');

    const stale = await post({ version: 0, state: { pinned: 'old view' } });
    assert.equal(stale.status, 409);
    assert.deepEqual(await stale.json(), { success: false, serverVersion: 1, conflictResolution: { strategy: 'server-wins', clientVersion: 0, conflictingKeys: ['layout', 'pinned'] } });

    for (const bad of [{ version: -1, state: {} }, { version: 1, state: [] }, { version: 1, state: { a: { __proto__: 1 } } }, { version: 1 }]) {
      const res = await fetch(`${relay.url}/api/dashboard/state`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify(bad).replace('"a":{}', '"a":{"__proto__":1}') });
      assert.equal(res.status, 400, JSON.stringify(bad));
    }
    assert.deepEqual((await relayState()).state, state, 'refused requests changed nothing');

    const reset = await fetch(`${relay.url}/api/dashboard/state`, { method: 'DELETE', headers: auth });
    assert.deepEqual(await reset.json(), { success: true, serverVersion: 2 });
    assert.deepEqual((await watcher.next('state:full', (f) => f.version === 2)).state, {});
    assert.equal((await fetch(`${relay.url}/api/dashboard/state`)).status, 401);
  });

  it('exposes Prometheus metrics behind the token, counting clients, frames, refusals and update latency', async () => {
    await serve();
    assert.equal((await fetch(`${relay.url}/metrics`)).status, 401);
    const client = await RelayClient.connect(relay.url, { token: TOKEN, deviceId: 'metered' });
    clients.push(client);
    client.send({ type: 'state:update', id: 'm1', path: 'k', value: 1, version: 1, timestamp: 1 });
    await client.next('ack', (f) => f.id === 'm1');
    client.send('garbage');
    await client.next('error', (f) => f.code === 'invalid_json');
    const res = await fetch(`${relay.url}/metrics`, { headers: auth });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /text\/plain/);
    const text = await res.text();
    const value = (line: RegExp) => Number(text.match(line)?.[1]);
    assert.equal(value(/^agent_mesh_relay_connected_clients (\d+)$/m), 1);
    assert.equal(value(/^agent_mesh_relay_frames_in_total (\d+)$/m), 2);
    assert.ok(value(/^agent_mesh_relay_frames_out_total (\d+)$/m) >= 4, 'hello, state:full, status, ack, error');
    assert.equal(value(/^agent_mesh_relay_refused_frames_total\{reason="invalid_json"\} (\d+)$/m), 1);
    assert.equal(value(/^agent_mesh_state_update_seconds_count (\d+)$/m), 1);
    assert.ok(value(/^agent_mesh_state_store_write_seconds_count\{store="file",outcome="ok"\} (\d+)$/m) >= 1);
    assert.doesNotMatch(text, /agent_mesh_state_redis_up \d/, 'no Redis gauge value with the file store');
  });

  it('serves /metrics without the token only when agentMesh.metrics.requireAuth is false', async () => {
    await serve({ 'agentMesh.metrics.requireAuth': false });
    const res = await fetch(`${relay.url}/metrics`);
    assert.equal(res.status, 200);
    assert.match(await res.text(), /agent_mesh_relay_connected_clients 0/);
    assert.equal((await fetch(`${relay.url}/api/dashboard/state`)).status, 401, 'everything else still needs the token');
  });
});
