// Sign-in to a remote MCP server, end to end and headless: the fleet meets a 401, discovers the
// fixture's authorization server, registers, prints the authorization address; the test plays the
// browser (GET that address, follow its redirect to the fleet's loopback callback) and the fleet
// connects with tokens kept in a 0600 file. Then: refresh after the access token expired, a new
// fleet reusing the stored sign-in, a refused PKCE verifier, sign-out, and the errors a 401 gives.
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseSettingsServers } from '../../src/extension/engine/mcp/config';
import { defaultSettings } from '../../src/extension/engine/config/settings';
import { McpFleet, type McpFleetSettings } from '../../src/extension/engine/mcp/fleet';
import { mcpFleetSettings } from '../../src/extension/engine/mcp/sources';
import { McpOAuth, printSignInAddress } from '../../src/extension/engine/mcp/oauth';
import { FileSecretStore } from '../../src/extension/engine/mcp/oauthTokens';
import type { InputResolver } from '../../src/extension/engine/mcp/variables';
import type { Logger } from '../../src/extension/engine/log';
import type { McpServerInfo } from '../../src/shared/mcp';
import { OAUTH_FIXTURE_ADMIN_SCOPE, OAUTH_FIXTURE_SCOPE, startOAuthMcpServer, type OAuthFixture } from '../fixtures/mcp/oauth-server';
import { waitFor } from '../helpers/net';
import { startServe, type ServeProcess } from '../helpers/serve';
import { generateToken } from '../../src/extension/engine/security/token';

// The product's defaults, retrying fast: an authorization failure must not be retried at all.
const SETTINGS: McpFleetSettings = { ...mcpFleetSettings(defaultSettings()), retryDelayMs: 100 };
const refusing: InputResolver = { resolve: async (input) => Promise.reject(new Error(`no value for ${input.id}`)) };

/** A logger that keeps every line, to find the printed address and to check no token was written. */
function recordingLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const keep = (message: string | Error, ...args: unknown[]) => lines.push([message instanceof Error ? message.message : message, ...args.map(String)].join(' '));
  return { lines, trace: keep, debug: keep, info: keep, warn: keep, error: keep };
}

/** The `nth` authorization address printed for `server` (1 = the first). */
function printedAddress(lines: string[], server: string, nth = 1): URL | undefined {
  const line = lines.filter((l) => l.startsWith(`[mcp ${server}] sign-in required: open `))[nth - 1];
  return line ? new URL(line.split(' open ')[1]!.split(' ')[0]!) : undefined;
}

/** Plays the browser: opens the authorization address and follows its redirect to the callback. */
async function signInAsBrowser(address: URL): Promise<{ callback: URL; status: number; body: string }> {
  const authorize = await fetch(address, { redirect: 'manual' });
  assert.equal(authorize.status, 302, `the authorization server should redirect to the callback, got ${authorize.status}`);
  const callback = new URL(authorize.headers.get('location')!);
  const answer = await fetch(callback);
  return { callback, status: answer.status, body: await answer.text() };
}

function settled(fleet: McpFleet, name: string, check: (s: McpServerInfo) => boolean): Promise<McpServerInfo> {
  return waitFor(`${name} to settle`, async () => {
    const s = fleet.server(name);
    return s.status !== 'connecting' && s.retryAt === undefined && check(s) ? s : undefined;
  }, 20_000);
}

/** Calls made together that must all fail with the one sign-in's error. */
async function allSentToSignIn(calls: Promise<unknown>[]): Promise<void> {
  const reasons = (await Promise.allSettled(calls)).map((call) => (call.status === 'rejected' ? (call.reason as Error).message : 'succeeded'));
  assert.match(reasons[0]!, /sign-in required/);
  assert.deepEqual(reasons, reasons.map(() => reasons[0]), 'every call gets the same answer');
}

const textOf = (result: Record<string, unknown>) => (result.content as Array<{ text?: string }>).map((c) => c.text ?? '').join('\n');

describe('MCP fleet sign-in to an OAuth-protected server (headless)', function () {
  this.timeout(60_000);
  let fixture: OAuthFixture;
  let dataDir: string;
  const fleets: McpFleet[] = [];

  function newFleet(logger: Logger, signInTimeoutMs?: number, clientIds: Record<string, string> = {}): { fleet: McpFleet; oauth: McpOAuth } {
    const oauth = new McpOAuth({ secrets: new FileSecretStore(path.join(dataDir, 'mcp-oauth.json')), logger, openBrowser: printSignInAddress(logger), signInTimeoutMs, clientIds: () => clientIds });
    const fleet = new McpFleet({ settings: SETTINGS, trusted: true, inputResolver: refusing, logger, oauth });
    fleets.push(fleet);
    return { fleet, oauth };
  }

  /** A fleet whose person signs in every time they are asked, at once. */
  function newFleetOfEagerPerson(logger: Logger): McpFleet {
    const oauth = new McpOAuth({
      secrets: new FileSecretStore(path.join(dataDir, 'mcp-oauth.json')),
      logger,
      openBrowser: (_server, address) => void signInAsBrowser(address).catch(() => undefined),
    });
    const fleet = new McpFleet({ settings: SETTINGS, trusted: true, inputResolver: refusing, logger, oauth });
    fleets.push(fleet);
    return fleet;
  }

  /** A fleet of that person, connected to the fixture as `server` (signed in). */
  async function signedInFleetOfEagerPerson(server: string): Promise<McpFleet> {
    const fleet = newFleetOfEagerPerson(recordingLogger());
    await fleet.start(parseSettingsServers({ [server]: { type: 'http', url: fixture.url } }));
    await settled(fleet, server, (s) => s.status === 'connected');
    return fleet;
  }

  before(async () => {
    fixture = await startOAuthMcpServer({ accessTtlSeconds: 60 });
    dataDir = await mkdtemp(path.join(tmpdir(), 'agent-mesh-oauth-'));
  });
  after(async () => {
    await Promise.all(fleets.map((f) => f.dispose()));
    await fixture.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('signs in through the browser, keeps the tokens in a 0600 file, refreshes them, and reuses them after a restart', async () => {
    const logger = recordingLogger();
    const { fleet } = newFleet(logger);
    await fleet.start(parseSettingsServers({ protected: { type: 'http', url: fixture.url } }));

    const waiting = await settled(fleet, 'protected', (s) => s.status === 'error');
    assert.match(waiting.error!, /sign-in required/);
    assert.equal(waiting.transport, 'http', 'no SSE fallback for a server that asks for authorization');
    const address = await waitFor('the printed authorization address', async () => printedAddress(logger.lines, 'protected'));
    assert.equal(address.searchParams.get('code_challenge_method'), 'S256');
    assert.equal(address.searchParams.get('scope'), OAUTH_FIXTURE_SCOPE);
    assert.equal(fixture.stats.registrations, 1, 'the client registered itself dynamically');

    const browser = await signInAsBrowser(address);
    assert.equal(browser.callback.hostname, '127.0.0.1');
    assert.equal(browser.status, 200);
    assert.match(browser.body, /Signed in/);

    const connected = await settled(fleet, 'protected', (s) => s.status === 'connected');
    assert.deepEqual(connected.tools.map((t) => t.name).sort(), ['admin', 'whoami']);
    const who = JSON.parse(textOf(await fleet.callTool('protected', 'whoami', {}))) as { clientId: string; scopes: string[] };
    assert.deepEqual(who.scopes, [OAUTH_FIXTURE_SCOPE]);

    const file = path.join(dataDir, 'mcp-oauth.json');
    assert.equal((await stat(file)).mode & 0o777, 0o600);
    const stored = JSON.parse(JSON.parse(await readFile(file, 'utf8'))['agentMesh.mcp.oauth/protected']) as { tokens: { access_token: string; refresh_token: string }; client: { client_id: string } };
    assert.equal(stored.client.client_id, who.clientId);
    const firstAccessToken = stored.tokens.access_token;

    // The access token expires: the next call gets a 401, the fleet refreshes and carries on.
    fixture.expireAccessTokens();
    const again = JSON.parse(textOf(await fleet.callTool('protected', 'whoami', {}))) as { clientId: string };
    assert.equal(again.clientId, who.clientId);
    assert.equal(fixture.stats.refreshes, 1);
    assert.equal(fixture.stats.authorizations, 1, 'a refresh needs no browser');
    const refreshed = JSON.parse(JSON.parse(await readFile(file, 'utf8'))['agentMesh.mcp.oauth/protected']) as typeof stored;
    assert.notEqual(refreshed.tokens.access_token, firstAccessToken);

    for (const secret of [firstAccessToken, stored.tokens.refresh_token, refreshed.tokens.access_token, refreshed.tokens.refresh_token]) {
      assert.ok(!logger.lines.some((l) => l.includes(secret)), 'no token in the relay log');
      assert.ok(!fleet.logs('protected').some((l) => l.text.includes(secret)), "no token in the server's log");
    }

    // A new fleet (a relay restart) connects with the stored sign-in, without the browser.
    await fleet.dispose();
    const next = newFleet(recordingLogger());
    await next.fleet.start(parseSettingsServers({ protected: { type: 'http', url: fixture.url } }));
    await settled(next.fleet, 'protected', (s) => s.status === 'connected');
    assert.equal(fixture.stats.authorizations, 1);
    assert.equal(fixture.stats.registrations, 1);

    // Sign-out forgets the tokens and the registration and stops the server.
    await next.fleet.signOut('protected');
    assert.equal(next.fleet.server('protected').status, 'stopped');
    assert.equal(JSON.parse(await readFile(file, 'utf8'))['agentMesh.mcp.oauth/protected'], undefined);
  });

  it('refuses a callback without the sign-in state, and the authorization server refuses a wrong PKCE verifier', async () => {
    const logger = recordingLogger();
    const { fleet } = newFleet(logger);
    await fleet.start(parseSettingsServers({ strict: { type: 'http', url: fixture.url } }));
    const address = await waitFor('the printed authorization address', async () => printedAddress(logger.lines, 'strict'));

    const authorize = await fetch(address, { redirect: 'manual' });
    const callback = new URL(authorize.headers.get('location')!);
    const code = callback.searchParams.get('code')!;
    const forged = new URL(callback);
    forged.searchParams.set('state', randomBytes(32).toString('base64url'));
    assert.equal((await fetch(forged)).status, 400, 'a callback with another state is refused');
    assert.match(fleet.server('strict').error!, /sign-in required/, 'and the sign-in keeps waiting');

    // The code, traded with a verifier that does not match the S256 challenge, gets nothing.
    const registered = JSON.parse(JSON.parse(await readFile(path.join(dataDir, 'mcp-oauth.json'), 'utf8'))['agentMesh.mcp.oauth/strict']) as { client: { client_id: string } };
    const token = await fetch(new URL('/token', fixture.url), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'authorization_code', code, code_verifier: randomBytes(32).toString('base64url'), client_id: registered.client.client_id, redirect_uri: `${callback.origin}${callback.pathname}` }),
    });
    assert.equal(token.status, 400);
    assert.equal(((await token.json()) as { error: string }).error, 'invalid_grant');

    // The real browser answer still completes the sign-in.
    assert.equal((await fetch(callback)).status, 200);
    await settled(fleet, 'strict', (s) => s.status === 'connected');
  });

  it('asks for a new sign-in when the tokens are revoked mid-session, and steps up to the scope a tool asks for', async () => {
    const logger = recordingLogger();
    const { fleet } = newFleet(logger);
    await fleet.start(parseSettingsServers({ revoked: { type: 'http', url: fixture.url } }));
    await signInAsBrowser(await waitFor('the first address', async () => printedAddress(logger.lines, 'revoked', 1)));
    await settled(fleet, 'revoked', (s) => s.status === 'connected');

    // Neither the access token nor the refresh token works any more: only the person can help.
    fixture.revokeAll();
    await assert.rejects(fleet.callTool('revoked', 'whoami', {}), /sign-in required/);
    assert.match(fleet.server('revoked').error!, /sign-in required/);
    await signInAsBrowser(await waitFor('the second address', async () => printedAddress(logger.lines, 'revoked', 2)));
    await settled(fleet, 'revoked', (s) => s.status === 'connected');
    assert.match(textOf(await fleet.callTool('revoked', 'whoami', {})), /clientId/);

    // The admin tool answers 403 insufficient_scope: the sign-in asks for the scope it names.
    await assert.rejects(fleet.callTool('revoked', 'admin', {}), /sign-in required/);
    const stepUp = await waitFor('the step-up address', async () => printedAddress(logger.lines, 'revoked', 3));
    assert.deepEqual(stepUp.searchParams.get('scope')!.split(' ').sort(), [OAUTH_FIXTURE_ADMIN_SCOPE, OAUTH_FIXTURE_SCOPE].sort());
    await signInAsBrowser(stepUp);
    await settled(fleet, 'revoked', (s) => s.status === 'connected');
    assert.equal(textOf(await fleet.callTool('revoked', 'admin', {})), 'admin done');
  });

  it('renews expired tokens once for calls refused together: one refresh of the rotating refresh token, and every call succeeds', async () => {
    const logger = recordingLogger();
    const { fleet } = newFleet(logger);
    await fleet.start(parseSettingsServers({ together: { type: 'http', url: fixture.url } }));
    await signInAsBrowser(await waitFor('the printed authorization address', async () => printedAddress(logger.lines, 'together')));
    await settled(fleet, 'together', (s) => s.status === 'connected');
    const before = { ...fixture.stats };

    fixture.expireAccessTokens();
    const answers = await Promise.all([1, 2, 3].map(() => fleet.callTool('together', 'whoami', {})));
    for (const answer of answers) assert.match(textOf(answer), /clientId/);
    assert.equal(fixture.stats.unauthorized - before.unauthorized, 3, 'each call was refused its expired token');
    assert.equal(fixture.stats.refreshes - before.refreshes, 1, 'one refresh for the three refused calls');
    assert.equal(fixture.stats.refusedGrants, before.refusedGrants, 'the rotated refresh token was not sent again');
    assert.equal(fixture.stats.authorizations, before.authorizations, 'no browser');
    assert.equal(fleet.server('together').status, 'connected');
  });

  it('sends the person to sign in once for calls refused together after the tokens were revoked, and connects once signed in', async () => {
    const fleet = await signedInFleetOfEagerPerson('revoked-together');
    const before = { ...fixture.stats };

    fixture.revokeAll();
    await allSentToSignIn([1, 2, 3].map(() => fleet.callTool('revoked-together', 'whoami', {})));
    await settled(fleet, 'revoked-together', (s) => s.status === 'connected');
    assert.equal(fixture.stats.authorizations - before.authorizations, 1, 'one authorization request for the three refused calls');
    assert.equal(fixture.stats.codeExchanges - before.codeExchanges, 1, 'one authorization code traded');
    assert.equal(fixture.stats.refusedGrants - before.refusedGrants, 1, 'the revoked refresh token was tried once');

    const again = await Promise.all([1, 2].map(() => fleet.callTool('revoked-together', 'whoami', {})));
    for (const answer of again) assert.match(textOf(answer), /clientId/);
    assert.equal(fixture.stats.authorizations - before.authorizations, 1);
  });

  it('gives up a renewal the authorization server leaves unanswered, so the calls waiting for it are answered and the next renewal can start', async () => {
    const logger = recordingLogger();
    const oauth = new McpOAuth({ secrets: new FileSecretStore(path.join(dataDir, 'mcp-oauth.json')), logger, openBrowser: printSignInAddress(logger), renewalRequestTimeoutMs: 500 });
    const fleet = new McpFleet({ settings: SETTINGS, trusted: true, inputResolver: refusing, logger, oauth });
    fleets.push(fleet);
    await fleet.start(parseSettingsServers({ silent: { type: 'http', url: fixture.url } }));
    await signInAsBrowser(await waitFor('the first address', async () => printedAddress(logger.lines, 'silent', 1)));
    await settled(fleet, 'silent', (s) => s.status === 'connected');

    fixture.expireAccessTokens();
    const answer = fixture.holdTokenRequests();
    try {
      // The refresh gets no answer: the SDK then asks the person, as for any refresh that failed.
      await allSentToSignIn([1, 2].map(() => fleet.callTool('silent', 'whoami', {})));
    } finally {
      answer();
    }
    await signInAsBrowser(await waitFor('the second address', async () => printedAddress(logger.lines, 'silent', 2)));
    await settled(fleet, 'silent', (s) => s.status === 'connected');
    assert.match(textOf(await fleet.callTool('silent', 'whoami', {})), /clientId/);
  });

  it('steps up once for calls that need more scope together', async () => {
    const fleet = await signedInFleetOfEagerPerson('step-up-together');
    const before = { ...fixture.stats };

    await allSentToSignIn([1, 2].map(() => fleet.callTool('step-up-together', 'admin', {})));
    await settled(fleet, 'step-up-together', (s) => s.status === 'connected');
    assert.equal(fixture.stats.authorizations - before.authorizations, 1, 'one authorization request for both calls');
    assert.equal(fixture.stats.codeExchanges - before.codeExchanges, 1, 'one authorization code traded');
    assert.equal(textOf(await fleet.callTool('step-up-together', 'admin', {})), 'admin done');
  });

  it('signs in with a client ID registered beforehand, without registering', async () => {
    fixture.preRegister('agent-mesh-preregistered');
    const registrations = fixture.stats.registrations;
    const logger = recordingLogger();
    const { fleet } = newFleet(logger, undefined, { preregistered: 'agent-mesh-preregistered' });
    await fleet.start(parseSettingsServers({ preregistered: { type: 'http', url: fixture.url } }));
    const address = await waitFor('the printed authorization address', async () => printedAddress(logger.lines, 'preregistered'));
    assert.equal(address.searchParams.get('client_id'), 'agent-mesh-preregistered');
    await signInAsBrowser(address);
    await settled(fleet, 'preregistered', (s) => s.status === 'connected');
    const who = JSON.parse(textOf(await fleet.callTool('preregistered', 'whoami', {}))) as { clientId: string };
    assert.equal(who.clientId, 'agent-mesh-preregistered');
    assert.equal(fixture.stats.registrations, registrations, 'no dynamic registration');
  });

  it('signs in when the server lets initialize through and answers the tool list with 401', async () => {
    const openHandshake = await startOAuthMcpServer({ openHandshake: true });
    try {
      const logger = recordingLogger();
      const { fleet } = newFleet(logger);
      await fleet.start(parseSettingsServers({ 'open-handshake': { type: 'http', url: openHandshake.url } }));
      assert.match(fleet.server('open-handshake').error ?? '', /sign-in required/);
      const { status } = await signInAsBrowser(await waitFor('the printed authorization address', async () => printedAddress(logger.lines, 'open-handshake')));
      assert.equal(status, 200);
      const connected = await settled(fleet, 'open-handshake', (s) => s.status === 'connected');
      assert.deepEqual(connected.tools.map((t) => t.name).sort(), ['admin', 'whoami']);
    } finally {
      await openHandshake.stop();
    }
  });

  it('sends the person to sign in once when the stream and the tool list ask for it together', async () => {
    const streamRefused = await startOAuthMcpServer({ openHandshake: 'stream-refused' });
    try {
      const logger = recordingLogger();
      const { fleet } = newFleet(logger);
      await fleet.start(parseSettingsServers({ 'stream-refused': { type: 'http', url: streamRefused.url } }));
      await waitFor('the stream and the tool list to be refused', async () => (streamRefused.stats.unauthorized >= 2 ? true : undefined));
      const { status } = await signInAsBrowser(await waitFor('the printed authorization address', async () => printedAddress(logger.lines, 'stream-refused')));
      assert.equal(status, 200);
      await settled(fleet, 'stream-refused', (s) => s.status === 'connected');
      assert.equal(printedAddress(logger.lines, 'stream-refused', 2), undefined, 'one address printed');
      assert.equal(streamRefused.stats.authorizations, 1);
      assert.equal(streamRefused.stats.codeExchanges, 1);
    } finally {
      await streamRefused.stop();
    }
  });

  it('stops sending the person to sign in after three sign-ins in a row that the server still refuses', async () => {
    const refusing403 = await startOAuthMcpServer({ refuseEveryToken: true });
    try {
      const logger = recordingLogger();
      const fleet = newFleetOfEagerPerson(logger);
      await fleet.start(parseSettingsServers({ 'refuses-every-token': { type: 'http', url: refusing403.url } }));
      const failed = await settled(fleet, 'refuses-every-token', (s) => s.status === 'error' && !s.error!.startsWith('sign-in required'));
      assert.match(failed.error!, /^authorization failed: .*3 sign-ins in a row/);
      assert.equal(refusing403.stats.authorizations, 3);
    } finally {
      await refusing403.stop();
    }
  });

  it('names authorization, not the SSE transport, when a 401 cannot be answered', async () => {
    const logger = recordingLogger();
    const { fleet } = newFleet(logger);
    const noSignIn = new McpFleet({ settings: SETTINGS, trusted: true, inputResolver: refusing, logger });
    fleets.push(noSignIn);
    const config = parseSettingsServers({
      'wrong-header': { type: 'http', url: fixture.url, headers: { Authorization: 'Bearer not-a-token' } },
    });
    await fleet.start(config);
    await noSignIn.start(parseSettingsServers({ 'no-sign-in': { type: 'http', url: fixture.url } }));

    for (const [f, name] of [[fleet, 'wrong-header'], [noSignIn, 'no-sign-in']] as const) {
      const failed = await settled(f, name, (s) => s.status === 'error');
      assert.match(failed.error!, /^authorization failed: the server answered 401 Unauthorized/);
      assert.doesNotMatch(failed.error!, /SSE|404/);
      assert.equal(failed.transport, 'http');
      assert.equal(failed.attempts, 1, 'an authorization failure is not retried');
      assert.ok(!f.logs(name).some((l) => /HTTP\+SSE/.test(l.text)), 'the SSE fallback was not tried');
    }
    assert.ok(!logger.lines.some((l) => l.includes('not-a-token')), 'the configured header is not logged');
  });

  it('gives up waiting for the browser after the sign-in timeout; a restart asks again', async () => {
    const logger = recordingLogger();
    const { fleet } = newFleet(logger, 3000);
    await fleet.start(parseSettingsServers({ abandoned: { type: 'http', url: fixture.url } }));
    const failed = await settled(fleet, 'abandoned', (s) => /sign-in failed/.test(s.error ?? ''));
    assert.match(failed.error!, /no sign-in came back from the browser within/);
    const address = printedAddress(logger.lines, 'abandoned')!;
    await assert.rejects(fetch(new URL(address.searchParams.get('redirect_uri')!)), 'the callback port is closed again');

    // A restart prints a new address, and that sign-in goes through.
    await fleet.restart('abandoned');
    await signInAsBrowser(await waitFor('a new address', async () => printedAddress(logger.lines, 'abandoned', 2)));
    await settled(fleet, 'abandoned', (s) => s.status === 'connected');
  });
});

describe('agent-mesh serve signing in to an OAuth-protected server', function () {
  this.timeout(60_000);
  let fixture: OAuthFixture;
  let workspace: string;
  let serve: ServeProcess;
  const token = generateToken();

  before(async () => {
    fixture = await startOAuthMcpServer();
    workspace = await mkdtemp(path.join(tmpdir(), 'am-mcp-oauth-serve-'));
    await mkdir(path.join(workspace, '.vscode'));
    await writeFile(path.join(workspace, '.vscode', 'mcp.json'), JSON.stringify({ servers: { protected: { type: 'http', url: fixture.url } } }));
    serve = await startServe(['--workspace', workspace, '--port', '0', '--token', token]);
  });
  after(async () => {
    await serve?.stop();
    await fixture?.stop();
    if (workspace) await rm(workspace, { recursive: true, force: true });
  });

  it('prints the authorization address, waits for the browser, then serves the tools; tokens stay in a 0600 file of the data folder', async () => {
    const api = async (method: string, route: string, body?: unknown) => {
      const res = await fetch(`${serve.url}${route}`, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
      return (await res.json()) as Record<string, unknown>;
    };
    const server = async () => ((await api('GET', '/api/mcp/servers')) as unknown as McpServerInfo[]).find((s) => s.name === 'protected');
    const printed = await waitFor('the printed address', async () => {
      const messages = serve.stderr.filter((l) => l.startsWith('{')).map((l) => (JSON.parse(l) as { msg: string }).msg);
      return printedAddress(messages, 'protected');
    }, 20_000);
    assert.match((await server())!.error!, /sign-in required/);
    await signInAsBrowser(printed);
    await waitFor('protected to connect', async () => ((await server())?.status === 'connected' ? true : undefined), 20_000);
    const call = await api('POST', '/api/mcp/servers/protected/tools/whoami/call', { arguments: {} });
    assert.match(JSON.stringify(call.content), /clientId/);

    const file = path.join(workspace, '.agent-mesh', 'mcp-oauth.json');
    assert.equal((await stat(file)).mode & 0o777, 0o600);
    const stored = JSON.parse(JSON.parse(await readFile(file, 'utf8'))['agentMesh.mcp.oauth/protected']) as { tokens: { access_token: string; refresh_token: string } };
    for (const secret of [stored.tokens.access_token, stored.tokens.refresh_token]) {
      assert.ok(!serve.stderr.some((l) => l.includes(secret)) && !serve.stdout.some((l) => l.includes(secret)), 'no token in the output of serve');
    }
  });
});

describe('MCP fleet sign-in with a client ID metadata document', function () {
  this.timeout(60_000);
  let dir: string;
  let documents: HttpsServer;
  let fixture: OAuthFixture;
  let documentUrl: string;

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'agent-mesh-cimd-'));
    const [key, cert] = [path.join(dir, 'key.pem'), path.join(dir, 'cert.pem')];
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
    const ca = await readFile(cert, 'utf8');
    documents = createHttpsServer({ key: await readFile(key), cert: ca }, (req, res) => {
      if (req.url !== '/agent-mesh/client.json') return void res.writeHead(404).end();
      res.writeHead(200, { 'content-type': 'application/json' }).end(
        JSON.stringify({ client_id: documentUrl, client_name: 'Agent Mesh', redirect_uris: ['http://127.0.0.1/callback'], grant_types: ['authorization_code', 'refresh_token'], response_types: ['code'], token_endpoint_auth_method: 'none' }),
      );
    });
    await new Promise<void>((resolve) => documents.listen(0, '127.0.0.1', () => resolve()));
    documentUrl = `https://127.0.0.1:${(documents.address() as AddressInfo).port}/agent-mesh/client.json`;
    fixture = await startOAuthMcpServer({ clientMetadataDocumentCa: ca });
  });
  after(async () => {
    await fixture?.stop();
    documents?.closeAllConnections();
    await new Promise((resolve) => documents?.close(resolve));
    await rm(dir, { recursive: true, force: true });
  });

  it('uses the document address as its client ID where the authorization server supports it, without registering', async () => {
    const logger = recordingLogger();
    const oauth = new McpOAuth({ secrets: new FileSecretStore(path.join(dir, 'mcp-oauth.json')), logger, openBrowser: printSignInAddress(logger), clientMetadataUrl: () => documentUrl });
    const fleet = new McpFleet({ settings: SETTINGS, trusted: true, inputResolver: refusing, logger, oauth });
    try {
      await fleet.start(parseSettingsServers({ documented: { type: 'http', url: fixture.url } }));
      const address = await waitFor('the printed authorization address', async () => printedAddress(logger.lines, 'documented'));
      assert.equal(address.searchParams.get('client_id'), documentUrl);
      await signInAsBrowser(address);
      await settled(fleet, 'documented', (s) => s.status === 'connected');
      const who = JSON.parse(textOf(await fleet.callTool('documented', 'whoami', {}))) as { clientId: string };
      assert.equal(who.clientId, documentUrl);
      assert.equal(fixture.stats.registrations, 0);
    } finally {
      await fleet.dispose();
    }
  });
});
