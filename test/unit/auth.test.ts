import { strict as assert } from 'node:assert';
import type { IncomingMessage } from 'node:http';
import { isAuthorized, isValidSession, issueSession, presentedCredential, SESSION_TTL_MS } from '../../src/extension/engine/relay/auth';
import { OriginPolicy, parseHostHeader } from '../../src/extension/engine/relay/origin';
import { RequestRateLimit } from '../../src/extension/engine/relay/rateLimit';
import { generateToken } from '../../src/extension/engine/security/token';
import { tokenProblem } from '../../src/shared/relayAuth';

const request = (headers: Record<string, string>) => ({ headers }) as unknown as IncomingMessage;

describe('relay auth', () => {
  const token = generateToken();

  it('reads a bearer header, a session header, or a bearer./session. WebSocket subprotocol', () => {
    assert.deepEqual(presentedCredential(request({ authorization: 'Bearer abc' })), { kind: 'bearer', secret: 'abc' });
    assert.deepEqual(presentedCredential(request({ 'x-agent-mesh-session': 's1' })), { kind: 'session', secret: 's1' });
    assert.deepEqual(presentedCredential(request({ 'sec-websocket-protocol': 'agent-mesh.v1, bearer.xyz' })), { kind: 'bearer', secret: 'xyz' });
    assert.deepEqual(presentedCredential(request({ 'sec-websocket-protocol': 'agent-mesh.v1, session.a.b.c' })), { kind: 'session', secret: 'a.b.c' });
    assert.equal(presentedCredential(request({ 'sec-websocket-protocol': 'agent-mesh.v1, other.x' })), undefined);
    assert.equal(presentedCredential(request({ authorization: `Bearer ${'x'.repeat(5000)}` })), undefined);
    assert.equal(presentedCredential(request({})), undefined);
  });

  it('never reads a cookie, so a malformed one cannot throw and the token in one is no credential', () => {
    for (const cookie of ['agent_mesh_token=%', 'agent_mesh_token=%ZZ', 'agent_mesh_token=%E0%A4%A', `agent_mesh_token=${token}`]) {
      assert.equal(isAuthorized(request({ cookie }), token), false, cookie);
    }
  });

  it('authorizes only the exact token', () => {
    assert.equal(isAuthorized(request({ authorization: `Bearer ${token}` }), token), true);
    assert.equal(isAuthorized(request({ authorization: `Bearer ${token}x` }), token), false);
    assert.equal(isAuthorized(request({ authorization: `Basic ${token}` }), token), false);
  });

  it('issues session secrets that hold no token, verify under their token only, and expire', () => {
    const now = 1_800_000_000_000;
    const session = issueSession(token, now);
    assert.ok(!session.includes(token));
    assert.notEqual(issueSession(token, now), session, 'each page gets its own secret');
    assert.equal(isValidSession(token, session, now + 1000), true);
    assert.equal(isAuthorized(request({ 'x-agent-mesh-session': session }), token, now), true);
    assert.equal(isAuthorized(request({ 'sec-websocket-protocol': `agent-mesh.v1, session.${session}` }), token, now), true);
    assert.equal(isValidSession(generateToken(), session, now), false, 'another token');
    assert.equal(isValidSession(token, session, now + SESSION_TTL_MS + 1000), false, 'expired');
    const [expiry, nonce, mac] = session.split('.');
    assert.equal(isValidSession(token, `${expiry}.${nonce}.${mac.slice(0, -1)}${mac.endsWith('A') ? 'B' : 'A'}`, now), false, 'a changed MAC');
    assert.equal(isValidSession(token, `${(parseInt(expiry, 36) + 60).toString(36)}.${nonce}.${mac}`, now), false, 'a moved expiry');
    assert.equal(isValidSession(token, `zzzzzzzzzz.${nonce}.${mac}`, now), false, 'an expiry past the lifetime');
    for (const bad of ['', '.', 'a.b.c', `${session}.x`, token, '%', '\u0000'.repeat(80)]) assert.equal(isValidSession(token, bad, now), false, bad);
  });

  it('refuses relay tokens shorter than 32 characters', () => {
    assert.match(tokenProblem('a') ?? '', /at least 32 characters \(got 1\)/);
    assert.equal(tokenProblem('x'.repeat(32)), undefined);
    assert.equal(tokenProblem(token), undefined);
  });
});

describe('relay origin policy', () => {
  const policy = new OriginPolicy(['127.0.0.1'], () => 4100);
  const check = (headers: Record<string, string>) => policy.check(request(headers))?.status;

  it('parses Host headers totally', () => {
    assert.deepEqual(parseHostHeader('127.0.0.1:4100'), { hostname: '127.0.0.1', port: 4100 });
    assert.deepEqual(parseHostHeader('[::1]:80'), { hostname: '[::1]', port: 80 });
    assert.deepEqual(parseHostHeader('LocalHost'), { hostname: 'localhost', port: undefined });
    for (const bad of ['', 'a b', 'host:99999', 'host:x', 'a@b', '[::1', `${'a'.repeat(300)}`, 'h:1:2']) assert.equal(parseHostHeader(bad), undefined, bad);
  });

  it('refuses Host names other than IP addresses, localhost and the configured host (DNS rebinding)', () => {
    assert.equal(check({ host: 'rebind.attacker.example:4100' }), 421);
    assert.equal(check({}), 421);
    for (const host of ['127.0.0.1:4100', 'localhost:4100', '[::1]:4100', '192.168.1.5:4100']) assert.equal(check({ host }), undefined, host);
    const named = new OriginPolicy(['relay.team.example', 'mesh.example.org'], () => 80);
    for (const host of ['relay.team.example', 'mesh.example.org:443']) assert.equal(named.check(request({ host })), undefined, host);
    assert.equal(named.check(request({ host: 'code.example.net' }))?.status, 421);
    named.allowHostname('code.example.net');
    assert.equal(named.check(request({ host: 'code.example.net', origin: 'https://code.example.net' })), undefined, 'a name added later, e.g. from asExternalUri');
  });

  it('accepts no Origin, the relay itself, loopback names on its port, and VS Code webviews; refuses every other page', () => {
    const host = '127.0.0.1:4100';
    for (const origin of [undefined, 'http://127.0.0.1:4100', 'http://localhost:4100', 'http://[::1]:4100', 'vscode-webview://abc123']) {
      assert.equal(check({ host, ...(origin ? { origin } : {}) }), undefined, origin);
    }
    for (const origin of ['http://127.0.0.1:4101', 'http://localhost:3000', 'null', 'file://', 'https://evil.example', 'not a url', 'http://127.0.0.1']) {
      assert.equal(check({ host, origin }), 403, origin);
    }
    // Behind a path proxy (code-server's /proxy/4100/) the page and the request share the proxy's origin.
    assert.equal(check({ host: 'localhost:8080', origin: 'http://localhost:8080' }), undefined);
    assert.equal(check({ host: 'localhost:8080', origin: 'http://localhost:8081' }), 403);
  });
});

describe('relay rate limit', () => {
  it('lets a burst through, answers no past it, and refills with time, per connection and per address', () => {
    let now = 0;
    const limit = new RequestRateLimit({ connection: { capacity: 3, perSecond: 2 }, address: { capacity: 5, perSecond: 1 }, maxAddresses: 2 }, () => now);
    const a = {};
    assert.deepEqual([1, 2, 3, 4].map(() => limit.allow(a, '1.1.1.1')), [true, true, true, false]);
    now += 500;
    assert.equal(limit.allow(a, '1.1.1.1'), true, 'one request refilled after half a second');
    assert.equal(limit.allow(a, '1.1.1.1'), false);
    const b = {};
    assert.equal(limit.allow(b, '1.1.1.1'), false, 'the address bucket is spent across connections');
    now += 1000;
    assert.equal(limit.allow(b, '1.1.1.1'), true);
    for (const address of ['2.2.2.2', '3.3.3.3', '4.4.4.4']) assert.equal(limit.allow({}, address), true, 'addresses past the cap evict the oldest');
  });
});
