// The dashboard's MCP panel in a real browser: headless Chromium on the dashboard that
// `agent-mesh serve` (dist/cli.js) serves, with a workspace whose .vscode/mcp.json names a fixture
// server that reports progress and records the cancellations it receives. No code-server.
// Run alone: npx mocha --timeout 60000 test/e2e/mcp-dashboard.e2e.mjs (after node esbuild.mjs).

import assert from 'node:assert/strict';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { useDashboardPage, visible } from './dashboardPage.mjs';
import { ROOT, waitFor } from './harness.mjs';

const FIXTURE = path.join(ROOT, 'test', 'fixtures', 'mcp', 'progress-server.mjs');

describe('dashboard MCP panel in a browser (agent-mesh serve + headless Chromium)', function () {
  this.timeout(60_000);
  const dashboard = useDashboardPage({ prefix: 'mcp' });
  let page;
  let panel;
  let eventsFile;

  const cancellations = async () => (await fsp.readFile(eventsFile, 'utf8').catch(() => '')).split('\n').filter((l) => l.trim() !== '').length;

  before(async function () {
    ({ page } = dashboard);
    eventsFile = path.join(dashboard.tempDir, 'cancelled.ndjson');
    await fsp.mkdir(path.join(dashboard.workspace, '.vscode'));
    const counter = { type: 'stdio', command: process.execPath, args: [FIXTURE], env: { STEP_MS: '100', EVENTS_FILE: eventsFile } };
    await fsp.writeFile(path.join(dashboard.workspace, '.vscode', 'mcp.json'), JSON.stringify({ servers: { counter } }));
    panel = page.getByTestId('panel-mcp');
    await visible(panel.getByTestId('mcp-server-counter'));
  });

  const startCall = async (steps) => {
    await panel.getByTestId('mcp-call-server').selectOption('counter');
    await panel.getByTestId('mcp-call-tool').selectOption('count');
    await panel.locator('#mcp-call-args').fill(JSON.stringify({ steps }));
    await panel.getByRole('button', { name: 'Call the tool' }).click();
  };

  it('shows each server\'s connection mode: a stdio server is inspected, not kept running', async function () {
    await waitFor(async () => ((await panel.getByTestId('mcp-server-mode-counter').textContent()) === 'inspect' ? true : undefined), { timeoutMs: 15_000, what: 'the counter server to be inspected' });
  });

  it('shows a call\'s result', async function () {
    await startCall(3);
    await visible(panel.getByTestId('mcp-call-result').getByText('counted to 3'));
  });

  it('shows a long call\'s progress, cancels it from its Cancel button, and the cancel reaches the server', async function () {
    const before = await cancellations();
    await startCall(100_000);
    const bar = panel.getByRole('progressbar', { name: 'Tool call progress' });
    await visible(bar);
    assert.equal(await bar.getAttribute('aria-valuemax'), '100000');
    await visible(panel.getByTestId('mcp-call-progress').getByText(/^step \d+ of 100000$/));
    await panel.getByRole('button', { name: 'Cancel the running call' }).click();
    await visible(panel.getByText('The call was cancelled.'));
    await waitFor(async () => ((await cancellations()) === before + 1 ? true : undefined), { timeoutMs: 10_000, what: 'the server to record the cancellation' });
    assert.equal(await panel.getByRole('progressbar').count(), 0, 'the progress bar goes once the call has ended');
  });
});
