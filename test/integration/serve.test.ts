import { strict as assert } from 'node:assert';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { waitFor } from '../helpers/net';
import { runCli, startServe } from '../helpers/serve';
import { useServe } from '../helpers/serveFixture';
import { RelayClient } from '../helpers/wsClient';

describe('agent-mesh serve (headless relay over real sockets)', () => {
  const relay = useServe({ prefix: 'am-serve-' });
  const connect = async (options: Parameters<typeof RelayClient.connect>[1]) => relay.track(await RelayClient.connect(relay.serve.url, options));

  it('listens on loopback and prints exactly one listening line', () => {
    assert.match(relay.serve.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.equal(relay.serve.stdout.filter((l) => l.startsWith('agent-mesh listening ')).length, 1);
  });

  it('answers /health without a token', async () => {
    const res = await fetch(`${relay.serve.url}/health`);
    assert.equal(res.status, 200);
    const body = await res.json();
    assert.equal(body.status, 'ok');
    assert.equal(body.store, 'file');
    assert.deepEqual(Object.keys(body).sort(), ['approvals', 'mcp', 'mesh', 'status', 'store']);
  });

  it('serves only the secret-free dashboard shell and its assets without a credential, and 401 for everything else', async () => {
    const shell = await fetch(`${relay.serve.url}/`);
    assert.equal(shell.status, 200);
    assert.doesNotMatch(await shell.text(), /session=|token=/);
    assert.equal((await fetch(`${relay.serve.url}/assets/webview.js`)).status, 200);
    assert.equal((await fetch(`${relay.serve.url}/?token=wrong`, { redirect: 'manual' })).status, 401);
    assert.equal((await fetch(`${relay.serve.url}/api/widgets`, { headers: { 'x-agent-mesh-session': 'forged.session.secret' } })).status, 401);
    assert.equal((await fetch(`${relay.serve.url}/api/nothing`)).status, 401);
    const unknown = await fetch(`${relay.serve.url}/api/nothing`, { headers: { authorization: `Bearer ${relay.token}` } });
    assert.equal(unknown.status, 404);
    assert.deepEqual(Object.keys((await unknown.json()).error).sort(), ['code', 'message']);
  });

  it('trades a token link for a page session secret in the redirect fragment, never a cookie, and serves the page with a nonce CSP header', async () => {
    const link = await fetch(`${relay.serve.url}/?token=${encodeURIComponent(relay.token)}`, { redirect: 'manual' });
    assert.equal(link.status, 303);
    const location = link.headers.get('location')!;
    const session = /^\.\/#session=([\w.-]+)$/.exec(location)?.[1];
    assert.ok(session, `the redirect goes to ./ with the session in the fragment: ${location}`);
    assert.ok(!location.includes(relay.token));
    assert.match(link.headers.get('set-cookie')!, /^agent_mesh_token=; Max-Age=0/, 'the only cookie is the old token cookie, cleared');
    assert.equal((await fetch(`${relay.serve.url}/api/widgets`, { headers: { 'x-agent-mesh-session': session } })).status, 200);
    const socket = await connect({ token: session, via: 'session' });
    assert.equal((await socket.next('state:full')).version, 0);
    const page = await fetch(`${relay.serve.url}/`);
    assert.equal(page.status, 200);
    const csp = page.headers.get('content-security-policy')!;
    assert.match(csp, /script-src 'nonce-[A-Za-z0-9+/=]{20,}'/);
    assert.match(csp, /frame-ancestors 'none'/);
    const html = await page.text();
    assert.match(html, /script-src 'nonce-[A-Za-z0-9+/=]{20,}'/);
    assert.ok(!html.includes(relay.token), 'the page must not embed the token');
    const script = await fetch(`${relay.serve.url}/assets/webview.js`);
    assert.equal(script.status, 200);
    assert.match(script.headers.get('content-type')!, /javascript/);
  });

  it('serves the webview as a module whose lazily loaded chunks (the cost chart) it names, and no other file of the build', async () => {
    const page = await (await fetch(`${relay.serve.url}/`)).text();
    assert.match(page, /<script type="module" nonce="[^"]+" src="assets\/webview\.js">/);
    const script = await (await fetch(`${relay.serve.url}/assets/webview.js`)).text();
    const chunks = [...script.matchAll(/"\.\/(chunk-[A-Z0-9]+\.js)"/g)].map((m) => m[1]);
    assert.ok(chunks.length > 0, 'the webview loads its chart library as a separate chunk');
    for (const chunk of chunks) {
      const answer = await fetch(`${relay.serve.url}/assets/${chunk}`);
      assert.equal(answer.status, 200, chunk);
      assert.match(answer.headers.get('content-type')!, /javascript/);
    }
    for (const other of ['cli.js', 'extension.js', 'chunk-.js', 'chunk-ABC.js.map', 'chunk-%2E%2E%2Fcli.js', 'chunk-NOTTHERE.js']) {
      assert.equal((await fetch(`${relay.serve.url}/assets/${other}`)).status, 404, other);
    }
  });

  it('refuses WebSocket connections without the token or with a wrong one', async () => {
    await assert.rejects(RelayClient.connect(relay.serve.url, {}), (e: { statusCode?: number }) => e.statusCode === 401);
    await assert.rejects(RelayClient.connect(relay.serve.url, { token: 'wrong' }), (e: { statusCode?: number }) => e.statusCode === 401);
    await assert.rejects(RelayClient.connect(relay.serve.url, { token: `${relay.token}x`, via: 'subprotocol' }), (e: { statusCode?: number }) => e.statusCode === 401);
  });

  it('greets an authorized socket with hello and state:full (header or subprotocol token)', async () => {
    const byHeader = await connect({ token: relay.token });
    assert.equal((await byHeader.next('state:full')).version, 0);
    const bySubprotocol = await connect({ token: relay.token, via: 'subprotocol', deviceId: 'phone-1' });
    assert.equal((await bySubprotocol.next('hello')).deviceId, 'phone-1');
    assert.equal(bySubprotocol.socket.protocol, 'agent-mesh.v1', 'the token subprotocol must never be echoed back');
  });

  it('acks an update, syncs it to the other device only, and refuses bad frames changing nothing', async () => {
    const a = await connect({ token: relay.token, deviceId: 'a' });
    const b = await connect({ token: relay.token, deviceId: 'b' });
    await Promise.all([a.next('state:full'), b.next('state:full')]);
    const writtenAt = Date.now();
    a.send({ type: 'state:update', id: 'u1', path: 'widgets.note', value: { text: 'hi' }, version: 1, timestamp: writtenAt });
    assert.deepEqual(await a.next('ack'), { type: 'ack', id: 'u1', version: 1, stateVersion: 1 });
    const sync = await b.next('state:sync');
    assert.deepEqual(sync, { type: 'state:sync', path: 'widgets.note', value: { text: 'hi' }, version: 1, timestamp: writtenAt, sourceDeviceId: 'a', stateVersion: 1 });
    assert.equal(a.frames.some((f) => f.type === 'state:sync'), false, 'the sender must not get its own update echoed');

    a.send('{oops');
    assert.equal((await a.next('error', (f) => f.code === 'invalid_json')).code, 'invalid_json');
    a.send({ type: 'state:update', id: 'bad', path: '__proto__.x', value: 1, version: 2, timestamp: 1 });
    assert.equal((await a.next('error', (f) => f.id === 'bad')).code, 'forbidden_path');
    a.send({ type: 'nope' });
    assert.equal((await a.next('error', (f) => f.code === 'unknown_type')).code, 'unknown_type');
    a.send(JSON.stringify({ type: 'state:update', path: 'big', value: 'x'.repeat(1024 * 1024 + 10), version: 1, timestamp: 1 }));
    assert.equal((await a.next('error', (f) => f.code === 'frame_too_large')).code, 'frame_too_large');

    const late = await connect({ token: relay.token });
    const full = await late.next('state:full');
    assert.deepEqual(full.state, { widgets: { note: { text: 'hi' } } });
  });

  it('drops a client that stops reading instead of buffering for it without bound, and keeps serving the others', async function () {
    this.timeout(60_000);
    const stalled = await connect({ token: relay.token, deviceId: 'stalled' });
    const writer = await connect({ token: relay.token, deviceId: 'writer' });
    const reader = await connect({ token: relay.token, deviceId: 'reader' });
    await Promise.all([stalled, writer, reader].map((c) => c.next('state:full')));
    const stalledTcp = (stalled.socket as unknown as { _socket: import('node:net').Socket })._socket;
    stalledTcp.pause();
    const closed = new Promise<number>((resolve) => stalled.socket.once('close', (code) => resolve(code)));

    const updates = 40; // 40 × 900 KB: well past the relay's 8 MiB limit plus what the kernel buffers
    for (let version = 1; version <= updates; version++) {
      writer.send({ type: 'state:update', id: `big-${version}`, path: 'big.blob', value: `${version}:${'x'.repeat(900_000)}`, version, timestamp: Date.now() });
      await writer.next('ack', (f) => f.id === `big-${version}`, 15_000);
    }
    await reader.next('state:sync', (f) => f.version === updates, 15_000);
    await waitFor('the stalled client dropped', async () => (relay.serve.stderr.some((line) => line.includes('dropping stalled')) ? true : undefined));

    stalledTcp.resume();
    assert.equal(await closed, 1006, 'the connection is cut, not closed with a handshake the client cannot read');
    const delivered = stalled.frames.filter((f) => f.type === 'state:sync').length;
    assert.ok(delivered < updates, `the stalled client got ${delivered} of ${updates} updates before being dropped`);
    const metrics = await (await fetch(`${relay.serve.url}/metrics`, { headers: { authorization: `Bearer ${relay.token}` } })).text();
    assert.match(metrics, /^agent_mesh_relay_slow_clients_dropped_total 1$/m);

    const back = await connect({ token: relay.token, deviceId: 'stalled' });
    const full = await back.next('state:full');
    assert.equal(String((full.state.big as { blob: string }).blob).split(':')[0], String(updates), 'a reconnect resyncs to the latest state');
  });

  it('lets a client fall behind by two copies of a dashboard larger than the slow-client limit, so a big state still arrives', async function () {
    this.timeout(60_000);
    const writer = await connect({ token: relay.token, deviceId: 'writer' });
    await writer.next('state:full');
    const blob = (n: number) => `${n}:${'y'.repeat(900_000)}`;
    let version = 0;
    const put = async (pathName: string, n: number) => {
      const id = `w-${++version}`;
      writer.send({ type: 'state:update', id, path: pathName, value: blob(n), version: 1 + version, timestamp: Date.now() });
      await writer.next('ack', (f) => f.id === id, 15_000);
    };
    for (let n = 0; n < 14; n++) await put(`big.p${n}`, n); // a ~12 MB dashboard: its state:full alone is past 8 MiB

    const slow = await connect({ token: relay.token, deviceId: 'slow' });
    const slowTcp = (slow.socket as unknown as { _socket: import('node:net').Socket })._socket;
    slowTcp.pause(); // a slow link: the state:full and what follows pile up unsent for a while
    for (let n = 0; n < 8; n++) await put('big.live', 100 + n);
    slowTcp.resume();
    const full = await slow.next('state:full', () => true, 30_000);
    assert.equal(Object.keys(full.state.big as object).length, 14);
    await slow.next('state:sync', (f) => f.value === blob(107), 30_000);
    assert.equal(slow.socket.readyState, slow.socket.OPEN, 'the slow client was not dropped');
    assert.ok(!relay.serve.stderr.some((line) => line.includes('dropping slow')));
  });

  it('keeps acknowledged state across a restart of the server', async () => {
    const a = await connect({ token: relay.token });
    await a.next('state:full');
    a.send({ type: 'state:update', id: 'p1', path: 'project.name', value: 'Agent Mesh', version: 1, timestamp: Date.now() });
    await a.next('ack');
    await relay.closeClients();
    assert.equal(await relay.serve.stop(), 0, 'serve exits cleanly on SIGTERM');

    await relay.start();
    const b = await connect({ token: relay.token });
    const full = await b.next('state:full');
    assert.deepEqual(full.state, { project: { name: 'Agent Mesh' } });
    assert.equal(full.version, 1);
  });

  it('never writes the token to its logs', () => {
    assert.ok(!relay.serve.stderr.join('\n').includes(relay.token));
  });
});

describe('agent-mesh serve: bad input', () => {
  it('rejects unknown flags and commands with usage and exit code 2', async () => {
    const flag = await runCli(['serve', '--bogus']);
    assert.equal(flag.code, 2);
    assert.match(flag.stderr, /Unknown option '--bogus'/);
    assert.match(flag.stderr, /Usage: agent-mesh serve/);
    assert.equal((await runCli(['explode'])).code, 2);
    const port = await runCli(['serve', '--port', 'eighty']);
    assert.equal(port.code, 2);
    assert.match(port.stderr, /--port must be a whole number/);
  });

  it('rejects a malformed config file naming the file', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'am-cfg-'));
    const config = path.join(dir, 'bad.json');
    await writeFile(config, '{ "agentMesh.relay.port": ');
    const result = await runCli(['serve', '--config', config, '--token', 't']);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /bad\.json: invalid JSON/);
    await rm(dir, { recursive: true, force: true });
  });

  it('generates and prints a token when none is given', async () => {
    const workspace = await mkdtemp(path.join(tmpdir(), 'am-gen-'));
    const serve = await startServe(['--workspace', workspace, '--port', '0'], { AGENT_MESH_TOKEN: '' });
    try {
      const line = await waitFor('the generated token line', async () => serve.stdout.find((l) => l.startsWith('agent-mesh token ')), 3000);
      assert.equal(serve.stdout.filter((l) => l.startsWith('agent-mesh token ')).length, 1);
      const printed = line.split(' ')[2];
      const client = await RelayClient.connect(serve.url, { token: printed });
      await client.next('state:full');
      await client.close();
    } finally {
      await serve.stop();
      await rm(workspace, { recursive: true, force: true });
    }
  });
});
