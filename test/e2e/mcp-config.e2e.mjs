// MCP configuration files in a real VS Code (code-server in headless Chromium): the fields an
// earlier Agent Mesh wrote into .vscode/mcp.json (disabled, timeout), which VS Code rejects, are
// moved to the agentMesh.mcp.serverOptions setting when the workspace opens, keeping the file's
// comments; Enable/Disable write that setting, never mcp.json; a server added to the user
// profile's mcp.json appears without a reload. Run alone: npx mocha --timeout 120000
// test/e2e/mcp-config.e2e.mjs (after node esbuild.mjs).

import assert from 'node:assert/strict';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'jsonc-parser';
import { useSession, waitFor } from './harness.mjs';

const MCP_VIEW = 'MCP Servers';
const FIXTURE_SERVER = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/mcp/minimal-server.mjs');

describe('MCP configuration files in a real VS Code (code-server)', function () {
  this.timeout(120_000);
  const fixtureEntry = () => ({ type: 'stdio', command: process.execPath, args: [FIXTURE_SERVER] });
  const legacy = JSON.stringify({ ...fixtureEntry(), disabled: true, timeout: 20000 });
  const session = useSession({ workspaceFiles: { '.vscode/mcp.json': `{\n  // the team's servers\n  "servers": {\n    "legacy": ${legacy}\n  }\n}\n` } });

  const mcpJson = () => path.join(session.workspace, '.vscode', 'mcp.json');
  const settingsJson = () => path.join(session.workspace, '.vscode', 'settings.json');
  const readText = (file) => fsp.readFile(file, 'utf8').catch(() => '');
  const serverOptions = async () => parse(await readText(settingsJson()))?.['agentMesh.mcp.serverOptions'];
  const serverRow = (name) => session.viewPane(MCP_VIEW).locator(`.monaco-list-row[aria-label^="MCP server ${name}, "]`);
  const waitForRow = (name, pattern) =>
    session.waitForLabel(serverRow(name), (label) => pattern.test(label), { timeoutMs: 60_000, what: `"${name}" to match ${pattern} in the MCP Servers view` });

  it('moves disabled/timeout out of mcp.json into agentMesh.mcp.serverOptions, keeping the comments, and honours them', async function () {
    await session.openAgentMesh();
    await session.expandView(MCP_VIEW);
    await waitFor(async () => !/"disabled"|"timeout"/.test(await readText(mcpJson())), { timeoutMs: 30_000, what: 'mcp.json to lose disabled and timeout' });
    assert.deepEqual(await serverOptions(), { legacy: { disabled: true, timeout: 20000 } });
    const text = await readText(mcpJson());
    assert.match(text, /\/\/ the team's servers/);
    assert.deepEqual(parse(text).servers.legacy, fixtureEntry());
    await waitForRow('legacy', /^MCP server legacy, disabled/);
  });

  it('enables the server through the setting, leaving mcp.json as VS Code accepts it', async function () {
    const before = await readText(mcpJson());
    await session.runFromContextMenu(serverRow('legacy').first(), 'Enable MCP Server');
    await waitForRow('legacy', /^MCP server legacy, stdio · inspect · 2 tools/);
    assert.deepEqual(await serverOptions(), { legacy: { disabled: false, timeout: 20000 } });
    assert.equal(await readText(mcpJson()), before);
  });

  it('starts a server added to the user profile mcp.json', async function () {
    await fsp.writeFile(path.join(session.userDataDir, 'User', 'mcp.json'), JSON.stringify({ servers: { profile: fixtureEntry() } }, null, 2));
    await waitForRow('profile', /^MCP server profile, stdio · inspect · 2 tools/);
  });
});
