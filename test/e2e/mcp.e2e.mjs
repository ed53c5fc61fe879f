// The MCP fleet in a real VS Code (code-server in headless Chromium) with the demo workspace's
// servers (demo/.vscode/mcp.json: stdio "notes" + Streamable HTTP "build" on 7801, the latter
// started by `node dist/demo/launch.js`): both appear connected in the MCP Servers tree with their
// connection mode, tool counts and token costs, "MCP 2/2" in the status bar, and "Restart MCP Server" from the context
// menu reconnects one. Run alone: npx mocha --timeout 60000 test/e2e/mcp.e2e.mjs (after node esbuild.mjs).

import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { DEMO_DIR, startDemoServices, useSession, waitFor } from './harness.mjs';

const MCP_VIEW = 'MCP Servers';

describe('MCP servers in a real VS Code (code-server) with the demo workspace', function () {
  this.timeout(90_000);
  let demo;
  // The connection-mode commands write the workspace's settings: the demo folder is the workspace.
  const demoSettings = path.join(DEMO_DIR, '.vscode', 'settings.json');
  const demoSettingsBefore = fs.existsSync(demoSettings) ? fs.readFileSync(demoSettings, 'utf8') : undefined;

  const mcpPane = () => session.viewPane(MCP_VIEW);
  const serverRow = (name) => mcpPane().locator(`.monaco-list-row[aria-label^="MCP server ${name}, "]`);
  const statusItem = () => session.page.locator('.part.statusbar .statusbar-item').filter({ hasText: /MCP \d+\/\d+/ });
  const waitForRow = (name, pattern, timeoutMs = 60_000) =>
    session.waitForLabel(serverRow(name), (label) => pattern.test(label), { timeoutMs, what: `"${name}" to match ${pattern} in the MCP Servers view` });

  /** The text the editor area shows (the server log document). */
  async function editorText() {
    const text = await session.page.locator('.part.editor .monaco-editor .view-lines').first().innerText({ timeout: 1000 });
    return text.replace(/\u00a0/g, ' ');
  }

  /** Collapses the other views of the container so that the MCP tree has the room for a picture. */
  async function collapseOtherViews() {
    for (const name of ['Mesh Health', 'Approvals', 'Dashboard']) {
      const header = session.viewPaneHeader(name);
      if ((await header.count()) > 0 && (await header.getAttribute('aria-expanded')) === 'true') await header.click();
    }
  }

  before(async function () {
    // demo/.vscode/mcp.json names the build server's port: the demo must run from the default base port.
    demo = await startDemoServices({ fallback: false });
  });

  const session = useSession({ workspace: DEMO_DIR });

  after(async function () {
    await demo?.stop();
    if (demoSettingsBefore === undefined) fs.rmSync(demoSettings, { force: true });
    else fs.writeFileSync(demoSettings, demoSettingsBefore);
  });

  it('shows the demo servers connected, with tool counts and token costs, and "MCP 2/2"', async function () {
    await session.openAgentMesh();
    await session.expandView(MCP_VIEW);
    // The stdio server is only inspected (VS Code runs its own copy); the remote one stays connected.
    const notes = await waitForRow('notes', /^MCP server notes, stdio · inspect · \d+ tools · [\d,]+ tokens · \d+ ms$/);
    const build = await waitForRow('build', /^MCP server build, http · kept connected · \d+ tools · [\d,]+ tokens · \d+ ms$/);
    for (const label of [notes, build]) {
      const [, tools, tokens] = /· (\d+) tools · ([\d,]+) tokens/.exec(label);
      assert.ok(Number(tools) > 0, label);
      assert.ok(Number(tokens.replace(/,/g, '')) > Number(tools) * 10, `token cost looks wrong: ${label}`);
    }
    await waitFor(async () => (await statusItem().first().textContent({ timeout: 1000 }))?.includes('MCP 2/2'), { timeoutMs: 20_000, what: 'the status bar to read "MCP 2/2"' });

    // Expand "notes" and its tools: every tool shows its own cost.
    await collapseOtherViews();
    await serverRow('notes').first().click();
    await session.page.keyboard.press('ArrowRight');
    const toolsGroup = mcpPane().locator('.monaco-list-row').filter({ hasText: /^Tools \(\d+\) · [\d,]+ tokens$/ }).first();
    await toolsGroup.waitFor({ state: 'visible', timeout: 10_000 });
    await toolsGroup.click();
    await session.page.keyboard.press('ArrowRight');
    await mcpPane().locator('.monaco-list-row[aria-label^="tool "]').first().waitFor({ state: 'visible', timeout: 10_000 });
    assert.match((await mcpPane().locator('.monaco-list-row[aria-label^="tool "]').first().getAttribute('aria-label')) ?? '', /^tool \S+, \d+ tokens$/);
    await session.screenshot('mcp-tree.png');
  });

  /** Right-clicks a server row and runs `title` from its context menu. */
  const runFromContextMenu = (name, title) => session.runFromContextMenu(serverRow(name).first(), title);

  it('restarts a server from its context menu', async function () {
    await runFromContextMenu('build', 'Restart MCP Server');
    await waitForRow('build', /^MCP server build, http · kept connected · \d+ tools/);

    // The server's log document shows the requested restart: two connections, two connect lines.
    await runFromContextMenu('build', 'Show MCP Server Logs');
    let text = '';
    await waitFor(
      async () => {
        text = await editorText();
        return (text.match(/connected over http in \d+ ms/g) ?? []).length >= 2;
      },
      { timeoutMs: 20_000, what: 'the build log to show two connections' },
    ).catch((error) => {
      error.message += `\n---- log document ----\n${text}`;
      throw error;
    });
    assert.match(text, /\[event\] restart requested/);
  });

  it('keeps an inspected server connected from its context menu, and back to inspect', async function () {
    await runFromContextMenu('notes', 'Keep MCP Server Connected');
    await waitForRow('notes', /^MCP server notes, stdio · kept connected · \d+ tools/);
    assert.deepEqual(JSON.parse(fs.readFileSync(demoSettings, 'utf8'))['agentMesh.mcp.serverConnectionModes'], { notes: 'keep-connected' }, 'kept in the workspace settings, not in mcp.json');
    assert.doesNotMatch(fs.readFileSync(path.join(DEMO_DIR, '.vscode', 'mcp.json'), 'utf8'), /connection/i);
    await runFromContextMenu('notes', 'Inspect MCP Server Only (Connect on Demand)');
    // Back in inspect mode it stays open until idle for agentMesh.mcp.idleDisconnectMs (a minute by default).
    await waitForRow('notes', /^MCP server notes, stdio · inspect · open · \d+ tools/);
  });
});
