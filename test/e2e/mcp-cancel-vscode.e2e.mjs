// A long MCP tool call cancelled from the dashboard inside a real VS Code (code-server in headless
// Chromium): the workspace's .vscode/mcp.json names the fixture server that reports progress and
// records every cancellation it receives; the call starts from the MCP panel of the dashboard
// webview in the workbench, its progress bar shows, Cancel stops it, and the server got the cancel.
// Run alone: npx mocha --timeout 120000 test/e2e/mcp-cancel-vscode.e2e.mjs (after node esbuild.mjs).

import assert from 'node:assert/strict';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { productExtensionId, ROOT, useSession, waitFor } from './harness.mjs';

const FIXTURE = path.join(ROOT, 'test', 'fixtures', 'mcp', 'progress-server.mjs');
const STEPS = 100_000;
/** The file in the workspace where the fixture records each cancellation it receives. */
const EVENTS_FILE = 'cancelled.ndjson';

describe('a long MCP tool call cancelled from the dashboard in a real VS Code (code-server)', function () {
  this.timeout(120_000);
  const session = useSession({
    workspaceFiles: (workspace) => {
      const counter = { type: 'stdio', command: process.execPath, args: [FIXTURE], env: { STEP_MS: '100', EVENTS_FILE: path.join(workspace, EVENTS_FILE) } };
      return { '.vscode/mcp.json': JSON.stringify({ servers: { counter } }) };
    },
  });

  const cancellations = async () => (await fsp.readFile(path.join(session.workspace, EVENTS_FILE), 'utf8').catch(() => '')).split('\n').filter((line) => line.trim() !== '');

  it('shows the progress bar, cancels from its Cancel button, and the cancel reaches the server', async function () {
    await session.openAgentMesh();
    await session.runCommand('Agent Mesh: Open Dashboard');
    const panel = session.webview({ extensionId: productExtensionId() }).locator('[data-testid="panel-mcp"]');
    await panel.locator('[data-testid="mcp-server-counter"]').waitFor({ state: 'visible', timeout: 60_000 });
    // VS Code also shows .vscode/mcp.json as its workspace `mcp` setting: that is the same entry, not a clash.
    assert.equal(await panel.getByText('Configuration problems').count(), 0, (await panel.textContent()) ?? '');

    await panel.locator('[data-testid="mcp-call-server"]').selectOption('counter');
    await panel.locator('[data-testid="mcp-call-tool"]').selectOption('count');
    await panel.locator('#mcp-call-args').fill(JSON.stringify({ steps: STEPS }));
    await panel.getByRole('button', { name: 'Call the tool' }).click();

    const bar = panel.getByRole('progressbar', { name: 'Tool call progress' });
    await bar.waitFor({ state: 'visible', timeout: 30_000 });
    assert.equal(await bar.getAttribute('aria-valuemax'), String(STEPS));
    await panel.locator('[data-testid="mcp-call-progress"]').getByText(/^step \d+ of 100000$/).waitFor({ state: 'visible', timeout: 15_000 });
    assert.deepEqual(await cancellations(), [], 'nothing cancelled before the click');
    await bar.scrollIntoViewIfNeeded();
    await session.screenshot('mcp-cancel-vscode-progress.png');

    await panel.getByRole('button', { name: 'Cancel the running call' }).click();
    await panel.getByText('The call was cancelled.').waitFor({ state: 'visible', timeout: 15_000 });
    const recorded = await waitFor(async () => {
      const lines = await cancellations();
      return lines.length > 0 ? lines : undefined;
    }, { timeoutMs: 15_000, what: 'the server to record the cancellation' });
    assert.equal(recorded.length, 1, `one cancellation: ${recorded.join(' | ')}`);
    assert.equal(await panel.getByRole('progressbar').count(), 0, 'the progress bar goes once the call has ended');
    await session.screenshot('mcp-cancel-vscode-cancelled.png');
  });
});
