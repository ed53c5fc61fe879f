// In-editor tests against the real `vscode` API: run by @vscode/test-electron (test/vscode/runElectron.mjs)
// and, in code-server, by the test-runner extension (test/vscode-runner).
'use strict';

const assert = require('node:assert/strict');
const vscode = require('vscode');

const EXTENSION_ID = 'agent-mesh.agent-mesh';
const COMMANDS = [
  'agentMesh.openDashboard',
  'agentMesh.refresh',
  'agentMesh.showLogs',
  'agentMesh.copyRelayUrl',
  'agentMesh.connectClaudeCode',
  'agentMesh.connectCopilot',
  'agentMesh.connectCursor',
  'agentMesh.disconnectClaudeCode',
  'agentMesh.disconnectCopilot',
  'agentMesh.disconnectCursor',
  'agentMesh.sessions.openTranscript',
];
const RELAY_URL = /^http:\/\/127\.0\.0\.1:(\d+)$/;

describe('Agent Mesh in the editor', function () {
  /** @type {vscode.Extension<any>} */
  let extension;
  let api;

  before(async function () {
    this.timeout(60_000);
    extension = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(extension, `extension ${EXTENSION_ID} is not installed`);
    api = await extension.activate();
  });

  it('is installed and active', function () {
    assert.equal(extension.id, EXTENSION_ID);
    assert.equal(extension.isActive, true);
  });

  it('registers its commands', async function () {
    const registered = new Set(await vscode.commands.getCommands(true));
    const missing = COMMANDS.filter((command) => !registered.has(command));
    assert.deepEqual(missing, [], `commands not registered: ${missing.join(', ')}`);
  });

  it('contributes the Agent Sessions view in the Agent Mesh container', function () {
    const views = extension.packageJSON.contributes.views.agentMesh.map((view) => view.id);
    assert.ok(views.includes('agentMesh.sessions'), `views: ${views.join(', ')}`);
  });

  it('contributes the relay settings with their defaults', function () {
    const config = vscode.workspace.getConfiguration('agentMesh');
    assert.equal(config.inspect('relay.host')?.defaultValue, '127.0.0.1');
    assert.equal(config.inspect('relay.port')?.defaultValue, 0);
    assert.equal(config.get('relay.host'), '127.0.0.1');
    assert.equal(config.get('relay.port'), 0);
  });

  it('exports relayUrl() with the relay listening on 127.0.0.1', function () {
    assert.ok(api, 'activate() returned no API');
    assert.equal(typeof api.relayUrl, 'function', 'exports.relayUrl is not a function');
    assert.equal(extension.exports, api);
    const url = api.relayUrl();
    const match = RELAY_URL.exec(url);
    assert.ok(match, `relayUrl() returned ${JSON.stringify(url)}, expected http://127.0.0.1:<port>`);
    const port = Number(match[1]);
    assert.ok(port > 0 && port < 65536, `relay port ${port} out of range`);
  });

  it('answers GET /health with 200 and a status', async function () {
    const response = await fetch(`${api.relayUrl()}/health`, { signal: AbortSignal.timeout(10_000) });
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /application\/json/);
    const body = await response.json();
    assert.equal(typeof body, 'object');
    assert.ok(['ok', 'degraded'].includes(body.status), `unexpected /health status ${JSON.stringify(body.status)}`);
  });

  it('copies the relay URL to the clipboard', async function () {
    const sentinel = `agent-mesh-clipboard-check-${Date.now()}`;
    await vscode.env.clipboard.writeText(sentinel);
    assert.equal(await vscode.env.clipboard.readText(), sentinel, 'the clipboard does not work in this editor');

    await vscode.commands.executeCommand('agentMesh.copyRelayUrl');
    const copied = await vscode.env.clipboard.readText();
    // The copied URL is for whoever reads the clipboard: on desktop the relay URL itself; in a
    // browser or remote window (code-server) its external form from asExternalUri, e.g.
    // http://127.0.0.1:<editor port>/proxy/<relay port>/. Either way it must start with one of them.
    const relayUrl = api.relayUrl();
    const external = (await vscode.env.asExternalUri(vscode.Uri.parse(relayUrl))).toString(true);
    assert.ok(URL.canParse(copied), `clipboard holds ${JSON.stringify(copied)}, which is not a URL`);
    assert.ok(
      isUnder(copied, relayUrl) || isUnder(copied, external),
      `clipboard holds ${JSON.stringify(copied)}, expected a URL starting with ${relayUrl} or ${external}`,
    );
  });
});

/** True when `url` has the origin of `base` and a path at or below base's path. */
function isUnder(url, base) {
  const u = new URL(url);
  const b = new URL(base);
  const folder = b.pathname.endsWith('/') ? b.pathname : `${b.pathname}/`;
  return u.origin === b.origin && (u.pathname === b.pathname || u.pathname.startsWith(folder));
}
