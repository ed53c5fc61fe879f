import { strict as assert } from 'node:assert';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { generateToken } from '../../src/extension/engine/security/token';
import { waitFor } from '../helpers/net';
import { runCli, startServe } from '../helpers/serve';
import { useServe } from '../helpers/serveFixture';

/** Sends `head` as-is on a fresh TCP connection and resolves with the first line the relay answers ('' when it only closed). */
function rawExchange(baseUrl: string, head: string): Promise<string> {
  const { hostname, port } = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    let answer = '';
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => {
      answer += chunk;
      if (answer.includes('\r\n')) {
        resolve(answer.split('\r\n')[0]);
        socket.destroy();
      }
    });
    socket.on('error', (error: NodeJS.ErrnoException) => (error.code === 'ECONNRESET' ? resolve(answer.split('\r\n')[0]) : reject(error)));
    socket.on('close', () => resolve(answer.split('\r\n')[0]));
    socket.on('connect', () => socket.write(head));
  });
}

const upgradeHead = (baseUrl: string, extra: string) =>
  `GET /ws HTTP/1.1\r\nHost: ${new URL(baseUrl).host}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\n` +
  `Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Protocol: agent-mesh.v1\r\n${extra}\r\n`;

describe('the relay HTTP edge (real serve process, raw sockets)', () => {
  const relay = useServe({ prefix: 'am-edge-' });
  const url = (route: string) => `${relay.serve.url}${route}`;
  const bearer = () => ({ authorization: `Bearer ${relay.token}` });
  const stillServing = async () => assert.equal((await fetch(url('/health'))).status, 200, 'the relay must still answer');

  it('survives malformed cookies on a WebSocket upgrade and on HTTP, and never reads a cookie as a credential', async () => {
    for (const cookie of ['agent_mesh_token=%', 'agent_mesh_token=%ZZ', 'agent_mesh_token=%E0%A4%A', `agent_mesh_token=${'%'.repeat(4000)}`]) {
      assert.match(await rawExchange(relay.serve.url, upgradeHead(relay.serve.url, `Cookie: ${cookie}\r\n`)), /^HTTP\/1\.1 401/, cookie.slice(0, 30));
      assert.equal((await fetch(url('/api/widgets'), { headers: { cookie } })).status, 401);
    }
    assert.equal((await fetch(url('/api/widgets'), { headers: { cookie: `agent_mesh_token=${relay.token}` } })).status, 401, 'the token in a cookie is not a credential');
    await stillServing();
    assert.equal(relay.serve.child.exitCode, null);
  });

  it('answers 414 to a URL over 16 KiB and 431 to oversized headers instead of resetting the connection', async () => {
    const longPath = `/api/widgets?x=${'a'.repeat(17 * 1024)}`;
    assert.match(await rawExchange(relay.serve.url, `GET ${longPath} HTTP/1.1\r\nHost: ${new URL(relay.serve.url).host}\r\n\r\n`), /^HTTP\/1\.1 414/);
    assert.match(await rawExchange(relay.serve.url, upgradeHead(relay.serve.url, '').replace('/ws', `/ws?deviceId=${'a'.repeat(17 * 1024)}`)), /^HTTP\/1\.1 414/);
    for (const fillers of [5, 9]) {
      // 40 KiB passes the parser and meets the relay's own limit; 72 KiB stops the parser itself.
      const bigHeaders = Array.from({ length: fillers }, (_, i) => `X-Filler-${i}: ${'b'.repeat(8 * 1024)}\r\n`).join('');
      assert.match(await rawExchange(relay.serve.url, `GET /health HTTP/1.1\r\nHost: ${new URL(relay.serve.url).host}\r\n${bigHeaders}\r\n`), /^HTTP\/1\.1 431/, `${fillers} fillers`);
    }
    await stillServing();
  });

  it('answers 401 to every non-public path without a credential, before looking the route up', async () => {
    for (const [method, route] of [['GET', '/api/nothing'], ['DELETE', '/health'], ['POST', '/api/approvals/x/decision'], ['PUT', '/nope/at/all'], ['GET', '/ws']]) {
      const res = await fetch(url(route), { method });
      assert.equal(res.status, 401, `${method} ${route}`);
      assert.equal((await res.json()).error.code, 'unauthorized');
    }
    const unknown = await fetch(url('/api/nothing'), { headers: bearer() });
    assert.equal(unknown.status, 404, 'an authenticated caller still learns that a route does not exist');
  });

  it('refuses a body that is not JSON with 415, and a body over the route limit with 413', async () => {
    const created = await relay.call('POST', '/api/approvals', { title: 'edge', confidence: 10, risk: 'high' });
    const id = created.body.approval?.id ?? created.body.id;
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', undefined]) {
      const res = await fetch(url(`/api/approvals/${id}/decision`), {
        method: 'POST',
        headers: { ...bearer(), ...(type ? { 'content-type': type } : {}) },
        body: type === undefined ? new Blob(['{"decision":"approve"}']) : '{"decision":"approve"}',
      });
      assert.equal(res.status, 415, `content-type ${type}`);
    }
    const huge = await fetch(url(`/api/approvals/${id}/decision`), { method: 'POST', headers: { ...bearer(), 'content-type': 'application/json' }, body: JSON.stringify({ decision: 'approve', comment: 'c'.repeat(64 * 1024) }) });
    assert.equal(huge.status, 413);
    assert.equal((await relay.call('GET', `/api/approvals/${id}`)).body.status, 'pending');
  });

  it('refuses a foreign Origin or Host even with the token, and accepts its own, a webview, or none', async () => {
    const { port } = new URL(relay.serve.url);
    const post = (headers: Record<string, string>) => fetch(url('/api/widgets'), { method: 'POST', headers: { ...bearer(), 'content-type': 'application/json', ...headers }, body: JSON.stringify({ id: 'w', type: 'markdown', data: { markdown: 'x' } }) });
    for (const origin of ['http://127.0.0.1:1', 'http://evil.example', 'null', `http://attacker.example:${port}`]) {
      assert.equal((await post({ origin })).status, 403, origin);
    }
    for (const origin of [`http://127.0.0.1:${port}`, 'vscode-webview://1a2b3c']) {
      assert.notEqual((await post({ origin })).status, 403, origin);
    }
    assert.notEqual((await post({})).status, 403, 'no Origin (an agent, curl)');
    const rebound = await rawExchange(relay.serve.url, `GET /health HTTP/1.1\r\nHost: rebind.attacker.example:${port}\r\n\r\n`);
    assert.match(rebound, /^HTTP\/1\.1 421/);
    const foreignSocket = await rawExchange(relay.serve.url, upgradeHead(relay.serve.url, `Authorization: Bearer ${relay.token}\r\nOrigin: http://127.0.0.1:1\r\n`));
    assert.match(foreignSocket, /^HTTP\/1\.1 403/);
    const ownSocket = await rawExchange(relay.serve.url, upgradeHead(relay.serve.url, `Authorization: Bearer ${relay.token}\r\nOrigin: http://localhost:${port}\r\n`).replace(/Host: [^\r]+/, `Host: localhost:${port}`));
    assert.match(ownSocket, /^HTTP\/1\.1 101/);
  });

  it('lets a VS Code webview (its own vscode-webview origin, holding the token) call the API across origins, and no other page', async () => {
    const webview = 'vscode-webview://1a2b3c4d5e';
    const preflight = await fetch(url('/api/approvals'), { method: 'OPTIONS', headers: { origin: webview, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type' } });
    assert.equal(preflight.status, 204);
    assert.equal(preflight.headers.get('access-control-allow-origin'), webview);
    assert.match(preflight.headers.get('access-control-allow-headers') ?? '', /authorization/);
    const list = await fetch(url('/api/approvals'), { headers: { ...bearer(), origin: webview } });
    assert.equal(list.status, 200);
    assert.equal(list.headers.get('access-control-allow-origin'), webview);
    const withoutToken = await fetch(url('/api/approvals'), { headers: { origin: webview } });
    assert.equal(withoutToken.status, 401, 'the webview origin is no credential');
    for (const origin of ['vscode-webview://x/../evil', 'http://vscode-webview.attacker.test', 'null']) {
      const refused = await fetch(url('/api/approvals'), { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST' } });
      assert.ok(refused.status >= 400, `${origin}: preflight answered ${refused.status}`);
      assert.equal(refused.headers.get('access-control-allow-origin'), null, origin);
    }
  });

  it('refuses CORS preflights without any Access-Control-Allow header and sends the protective headers on every answer', async () => {
    const preflight = await fetch(url('/api/approvals/x/decision'), { method: 'OPTIONS', headers: { origin: 'http://127.0.0.1:1', 'access-control-request-method': 'POST' } });
    assert.ok(preflight.status >= 400, `preflight answered ${preflight.status}`);
    assert.deepEqual([...preflight.headers.keys()].filter((k) => k.startsWith('access-control-')), []);
    for (const res of [preflight, await fetch(url('/health')), await fetch(url('/api/nothing')), await fetch(url('/')), await fetch(url('/api/widgets'), { headers: bearer() })]) {
      assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
      assert.equal(res.headers.get('referrer-policy'), 'no-referrer');
      assert.equal(res.headers.get('x-frame-options'), 'DENY');
      assert.match(res.headers.get('content-security-policy') ?? '', /frame-ancestors 'none'/);
    }
  });

  it('refuses a token shorter than 32 characters from --token and AGENT_MESH_TOKEN', async () => {
    const flag = await runCli(['serve', '--port', '0', '--token', 'a']);
    assert.equal(flag.code, 2);
    assert.match(flag.stderr, /token must be at least 32 characters/);
    assert.doesNotMatch(flag.stderr, /listening/);
    await assert.rejects(startServe(['--port', '0'], { AGENT_MESH_TOKEN: 'short-token' }), /exited with 2[\s\S]*token must be at least 32 characters/);
  });

  it('logs an uncaught exception and an unhandled rejection without the token, and keeps serving', async () => {
    const scratch = await mkdtemp(path.join(tmpdir(), 'am-guard-'));
    const preload = path.join(scratch, 'throw-later.cjs');
    await writeFile(
      preload,
      `setTimeout(() => { throw new Error('boom with ' + process.env.AGENT_MESH_TOKEN); }, 1000);\n` +
        `setTimeout(() => { Promise.reject(new TypeError('bust with ' + process.env.AGENT_MESH_TOKEN)); }, 1100);\n`,
    );
    const token = generateToken();
    const serve = await startServe(['--workspace', scratch, '--port', '0'], { AGENT_MESH_TOKEN: token, NODE_OPTIONS: `--require ${preload}` });
    try {
      const logged = await waitFor('both lines', async () => {
        const lines = serve.stderr.filter((l) => /still running/.test(l));
        return lines.length >= 2 ? lines : undefined;
      });
      assert.match(logged.join('\n'), /uncaught exception, relay still running: Error: boom with \[token\]/);
      assert.match(logged.join('\n'), /unhandled rejection, relay still running: TypeError: bust with \[token\]/);
      assert.ok(!serve.stderr.join('\n').includes(token), 'the token reached the log');
      assert.equal((await fetch(`${serve.url}/health`)).status, 200);
      assert.equal(serve.child.exitCode, null);
    } finally {
      await serve.stop();
      await rm(scratch, { recursive: true, force: true });
    }
  });

  it('answers under the host names of agentMesh.relay.allowedHosts (a reverse proxy), and no others', async () => {
    const scratch = await mkdtemp(path.join(tmpdir(), 'am-hosts-'));
    await writeFile(path.join(scratch, 'agent-mesh.config.json'), JSON.stringify({ 'agentMesh.relay.allowedHosts': ['mesh.example.org'] }));
    const serve = await startServe(['--workspace', scratch, '--port', '0', '--token', generateToken()]);
    try {
      const ask = (host: string, origin = '') => rawExchange(serve.url, `GET /health HTTP/1.1\r\nHost: ${host}\r\n${origin}\r\n`);
      assert.match(await ask('mesh.example.org'), /^HTTP\/1\.1 200/);
      assert.match(await ask('mesh.example.org', 'Origin: https://mesh.example.org\r\n'), /^HTTP\/1\.1 200/);
      assert.match(await ask('other.example.org'), /^HTTP\/1\.1 421/);
    } finally {
      await serve.stop();
      await rm(scratch, { recursive: true, force: true });
    }
  });
});
