// Signing in to an OAuth-protected MCP server from a real VS Code (code-server in headless
// Chromium): the workspace's .vscode/mcp.json names the OAuth fixture server (its own authorization
// server with dynamic registration and PKCE, started by this test); the workbench shows the sign-in
// notification, "Sign In" makes code-server open the authorization address in a new browser page,
// that page follows the authorization server's redirect to the extension's loopback callback, and
// the server then shows connected in the MCP Servers tree with its tools.
// Run alone: npx mocha --timeout 120000 test/e2e/mcp-oauth.e2e.mjs (after node esbuild.mjs).

import assert from 'node:assert/strict';
import { startProcess, stopProcess, useSession } from './harness.mjs';

const MCP_VIEW = 'MCP Servers';
// The fixture is TypeScript: run it through tsx and print its MCP endpoint. It listens on 127.0.0.2
// as a remote authorization server would look: code-server rewrites an address on 127.0.0.1 or
// localhost that VS Code opens into its own /proxy/<port>/, dropping the path and the query. The
// SDK's authorization router takes a plain-http issuer only on 127.0.0.1 unless told otherwise.
const START_FIXTURE = [
  '-r', 'tsx/cjs',
  '-e', "require('./test/fixtures/mcp/oauth-server.ts').startOAuthMcpServer({ host: '127.0.0.2' }).then((fixture) => console.log('oauth fixture: ' + fixture.url))",
];

describe('signing in to an OAuth MCP server in a real VS Code (code-server)', function () {
  this.timeout(120_000);
  let fixture;
  let fixtureUrl;

  before(async function () {
    fixture = await startProcess(START_FIXTURE, { ready: /^oauth fixture: http:\/\/127\.0\.0\.2:\d+\//, what: 'the OAuth fixture server', env: { MCP_DANGEROUSLY_ALLOW_INSECURE_ISSUER_URL: '1' } });
    fixtureUrl = fixture.readyLine.replace(/^oauth fixture: /, '');
  });

  const session = useSession(() => ({ workspaceFiles: { '.vscode/mcp.json': JSON.stringify({ servers: { secured: { type: 'http', url: fixtureUrl } } }) } }));

  after(async function () {
    await stopProcess(fixture?.child);
  });

  it('asks before opening the browser, follows the redirect to the loopback callback, and connects', async function () {
    const { page } = session;
    const authorizationHost = new URL(fixtureUrl).host;
    const toast = page.locator('.notification-toast').filter({ hasText: `the MCP server "secured" asks you to sign in at ${authorizationHost}` });
    const signIn = toast.locator('.monaco-button', { hasText: /^Sign In$/ });
    await signIn.waitFor({ state: 'visible', timeout: 60_000 });
    await session.screenshot('mcp-oauth-notification.png');
    await signIn.click();
    // VS Code asks before it opens an address outside its trusted domains (loopback 127.0.0.1 is one).
    const dialog = page.locator('.monaco-dialog-box').filter({ hasText: 'Do you want code-server to open the external website?' });
    await dialog.waitFor({ state: 'visible', timeout: 20_000 });
    assert.match((await dialog.textContent()) ?? '', new RegExp(`${fixtureUrl.replace(/\/mcp$/, '').replace(/[.]/g, '\\.')}/authorize\\?response_type=code&client_id=[^&]+&code_challenge=[^&]+&code_challenge_method=S256&redirect_uri=http%3A%2F%2F127\\.0\\.0\\.1%3A\\d+%2Fcallback`));
    await session.screenshot('mcp-oauth-open-website.png');
    // code-server opens an external address with window.open: a new page in the same browser context.
    const [signInPage] = await Promise.all([
      page.context().waitForEvent('page', { timeout: 20_000 }),
      dialog.locator('.monaco-button', { hasText: /^Open$/ }).click(),
    ]);
    // The fixture has no consent page: /authorize redirects at once to the extension's loopback callback.
    await signInPage.waitForURL(/^http:\/\/127\.0\.0\.1:\d+\/callback\?/, { timeout: 30_000 }).catch((error) => {
      error.message += ` — the sign-in page is at ${signInPage.url()}`;
      throw error;
    });
    const opened = signInPage.url();
    const callbackText = (await signInPage.locator('body').textContent({ timeout: 10_000 })) ?? '';
    assert.match(callbackText, /^Signed in to the MCP server "secured"/, `the callback page: ${callbackText}`);
    console.log(`    the sign-in page ended at the loopback callback (port ${new URL(opened).port}): "${callbackText.trim()}"`);
    await signInPage.close();

    await session.openAgentMesh();
    await session.expandView(MCP_VIEW);
    const row = session.viewPane(MCP_VIEW).locator('.monaco-list-row[aria-label^="MCP server secured, "]');
    const label = await session.waitForLabel(row, (l) => /^MCP server secured, http · kept connected · 2 tools · /.test(l), { timeoutMs: 60_000, what: '"secured" to be connected with its tools' });
    console.log(`    tree: ${label}`);
    await session.screenshot('mcp-oauth-connected.png');
  });
});
