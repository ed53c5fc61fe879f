// The sign-in's own doors and store: the loopback callback (state, host, path, one use, timeout,
// a refusal) and the headless secrets file (mode 0600, an unreadable file named without its text).
import { strict as assert } from 'node:assert';
import { request } from 'node:http';
import { readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { McpOAuth } from '../../src/extension/engine/mcp/oauth';
import { FileSecretStore } from '../../src/extension/engine/mcp/oauthTokens';
import type { Logger } from '../../src/extension/engine/log';
import { freeLoopbackPort, LoopbackRedirect } from '../../src/extension/engine/mcp/oauthRedirect';
import { useTempDir } from '../helpers/tempDir';

const STATE = 'the-state-of-this-sign-in-0123456789abcdef';

/** A GET to the callback port with any Host header (fetch cannot set one). */
function get(port: number, pathAndQuery: string, host = `127.0.0.1:${port}`): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: pathAndQuery, headers: { host } }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (chunk: string) => (body += chunk)).on('end', () => resolve({ status: res.statusCode!, body }));
    });
    req.on('error', reject).end();
  });
}

describe('MCP sign-in loopback callback', () => {
  let port: number;
  let redirect: LoopbackRedirect;

  beforeEach(async () => {
    port = await freeLoopbackPort();
    redirect = await LoopbackRedirect.listen({ port, state: STATE, timeoutMs: 5000, serverName: 'remote' });
  });
  afterEach(() => redirect.cancel());

  it('takes the code of a callback with its state, once, and closes', async () => {
    const answer = await get(port, `/callback?code=the-code&state=${STATE}`);
    assert.equal(answer.status, 200);
    assert.doesNotMatch(answer.body, /the-code/, 'the code is not echoed');
    assert.equal(await redirect.code, 'the-code');
    await assert.rejects(get(port, `/callback?code=again&state=${STATE}`), /ECONNREFUSED/);
  });

  it('refuses another state, another host or another path, and keeps waiting', async () => {
    assert.equal((await get(port, '/callback?code=forged&state=another-state')).status, 400);
    assert.equal((await get(port, '/callback?code=forged')).status, 400);
    assert.equal((await get(port, `/callback?code=rebound&state=${STATE}`, `evil.example:${port}`)).status, 421);
    assert.equal((await get(port, `/other?code=x&state=${STATE}`)).status, 404);
    assert.equal((await get(port, '%%bad')).status, 400);
    assert.equal((await get(port, `/callback?code=the-code&state=${STATE}`)).status, 200);
    assert.equal(await redirect.code, 'the-code');
  });

  it("reports the authorization server's refusal without quoting free text", async () => {
    await get(port, `/callback?error=access_denied&error_description=${encodeURIComponent('<script>')}&state=${STATE}`);
    await assert.rejects(redirect.code, (error: Error) => error.message === 'the authorization server refused the sign-in (access_denied)');
  });

  it('gives up after its timeout and frees the port', async () => {
    redirect.cancel();
    const short = await LoopbackRedirect.listen({ port, state: STATE, timeoutMs: 50, serverName: 'remote' });
    await assert.rejects(short.code, /no sign-in came back from the browser/);
    await assert.rejects(get(port, `/callback?code=late&state=${STATE}`), /ECONNREFUSED/);
  });

  it('says so when its port is taken', async () => {
    await assert.rejects(LoopbackRedirect.listen({ port, state: STATE, timeoutMs: 50, serverName: 'remote' }), new RegExp(`port ${port} on 127.0.0.1 is in use`));
  });
});

describe('MCP sign-in secrets file', () => {
  const temp = useTempDir('agent-mesh-secrets-');

  it('keeps values in a file only its owner can read, across instances', async () => {
    const file = path.join(temp.dir, 'mcp-oauth.json');
    const store = new FileSecretStore(file);
    await Promise.all([store.store('a', 'one'), store.store('b', 'two')]);
    await store.delete('a');
    assert.equal((await stat(file)).mode & 0o777, 0o600);
    const again = new FileSecretStore(file);
    assert.equal(await again.get('a'), undefined);
    assert.equal(await again.get('b'), 'two');
  });

  it('refuses an unreadable file without quoting it, and does not overwrite it', async () => {
    const file = path.join(temp.dir, 'mcp-oauth.json');
    await writeFile(file, '{"a": "secret-value-123" broken');
    const store = new FileSecretStore(file);
    await assert.rejects(store.get('a'), (error: Error) => /is not a secrets file/.test(error.message) && !error.message.includes('secret-value-123'));
    await assert.rejects(store.store('b', 'x'));
    assert.equal(await readFile(file, 'utf8'), '{"a": "secret-value-123" broken');
  });
});

describe('MCP sign-in with a pre-registered client', () => {
  const temp = useTempDir('agent-mesh-client-secret-');
  const silent: Logger = { trace: () => undefined, debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };
  const URL_OF_SERVER = 'http://127.0.0.1:1/mcp';

  function oauthWith(file: string, clientIds: Record<string, string>): McpOAuth {
    return new McpOAuth({ secrets: new FileSecretStore(file), logger: silent, openBrowser: () => undefined, clientIds: () => clientIds });
  }

  it("authenticates with the client secret kept in the secrets store, for that server's pre-registered client only", async () => {
    const file = path.join(temp.dir, 'mcp-oauth.json');
    await oauthWith(file, {}).setClientSecret('remote', 'the-client-secret');
    const oauth = oauthWith(file, { remote: 'pre-registered-client', other: 'other-client' });
    assert.deepEqual((await oauth.session('remote', URL_OF_SERVER)).clientInformation(), { client_id: 'pre-registered-client', client_secret: 'the-client-secret' });
    assert.deepEqual((await oauth.session('other', URL_OF_SERVER)).clientInformation(), { client_id: 'other-client' });
    assert.equal(await oauthWith(file, {}).session('remote', URL_OF_SERVER).then((s) => s.clientInformation()), undefined, 'a secret without a pre-registered client id is not used');
  });

  it('forgets the client secret at sign-out', async () => {
    const file = path.join(temp.dir, 'mcp-oauth.json');
    const oauth = oauthWith(file, { remote: 'pre-registered-client' });
    await oauth.setClientSecret('remote', 'the-client-secret');
    await oauth.signOut('remote');
    assert.deepEqual((await oauth.session('remote', URL_OF_SERVER)).clientInformation(), { client_id: 'pre-registered-client' });
  });
});
