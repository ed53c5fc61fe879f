// An MCP server's question answered in the browser dashboard: `agent-mesh serve` (dist/cli.js) runs
// the SDK-based fixture server of test/fixtures/mcp from the workspace's mcp.json; its `ask` tool
// elicits a form during the call, the dashboard shows it as a card with the schema's defaults, the
// person fills it in headless Chromium and the tool call returns their answer. Then the same question
// in a real VS Code (code-server): the notification's Answer… asks field by field in quick inputs.
// Run alone: npx mocha --timeout 60000 test/e2e/elicitation.e2e.mjs (after node esbuild.mjs).

import assert from 'node:assert/strict';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { useDashboardPage, visible } from './dashboardPage.mjs';
import { ROOT, SCREENSHOTS_DIR, useSession, waitFor } from './harness.mjs';

const FIXTURE = path.join(ROOT, 'test', 'fixtures', 'mcp', 'client-features-server.mjs');
/** The workspace's .vscode/mcp.json: the fixture server as `features`. */
const FIXTURE_CONFIG = JSON.stringify({ servers: { features: { type: 'stdio', command: process.execPath, args: [FIXTURE] } } });

describe("an MCP server's question in the dashboard (agent-mesh serve + headless Chromium)", function () {
  this.timeout(60_000);
  const dashboard = useDashboardPage({ prefix: 'elicitation', viewport: { width: 1100, height: 1200 } });
  const { api } = dashboard;

  it('renders the form with its defaults, refuses a missing required field, and the tool gets the answer', async function () {
    const { page, workspace } = dashboard;
    await fsp.mkdir(path.join(workspace, '.vscode'), { recursive: true });
    await fsp.writeFile(path.join(workspace, '.vscode', 'mcp.json'), FIXTURE_CONFIG);
    await waitFor(async () => ((await api('GET', '/api/mcp/servers/features')).body.status === 'connected' ? true : undefined), { timeoutMs: 30_000, what: 'the fixture server to connect' });

    const call = api('POST', '/api/mcp/servers/features/tools/ask/call', { arguments: {} });
    const item = await waitFor(async () => (await api('GET', '/api/approvals?status=pending')).body.find((a) => a.kind === 'elicitation'), { timeoutMs: 15_000, what: 'the question in the queue' });

    const form = page.getByTestId(`elicitation-${item.id}`);
    await visible(form.getByText('Who is booking?', { exact: false }));
    const field = (name) => form.getByTestId(`elicit-${item.id}-${name}`);
    assert.equal(await field('name').inputValue(), '');
    assert.equal(await field('team').inputValue(), 'blue', 'the enum default');
    assert.equal(await field('seats').inputValue(), '2', 'the integer default');
    assert.equal(await field('newsletter').isChecked(), false, 'the boolean default');

    await form.getByRole('button', { name: 'Send the answer to features' }).click();
    await visible(form.getByRole('alert').getByText('name is required'));
    assert.equal((await api('GET', `/api/approvals/${item.id}`)).body.status, 'pending', 'nothing was sent');

    await field('name').fill('Grace');
    assert.equal(await form.getByRole('alert').count(), 0, 'an edited form no longer shows the refusal of the previous one');
    await field('team').selectOption('red');
    await field('seats').fill('4');
    await field('newsletter').check();
    await fsp.mkdir(SCREENSHOTS_DIR, { recursive: true });
    await page.getByTestId(`approval-${item.id}`).screenshot({ path: path.join(SCREENSHOTS_DIR, 'elicitation-card.png') });
    await form.getByRole('button', { name: 'Send the answer to features' }).click();

    const result = (await call).body;
    assert.deepEqual(JSON.parse(result.content[0].text), { action: 'accept', content: { name: 'Grace', team: 'red', seats: 4, newsletter: true } });
    await page.getByTestId(`approval-${item.id}`).waitFor({ state: 'detached', timeout: 10_000 });
    await page.getByTestId(`approval-decided-${item.id}`).waitFor({ state: 'attached', timeout: 10_000 });
  });
});

describe("an MCP server's question in a real VS Code (code-server)", function () {
  this.timeout(120_000);
  const session = useSession({ workspaceFiles: { '.vscode/mcp.json': FIXTURE_CONFIG }, relay: true });
  const api = (method, route, body) => session.api(method, route, body);
  const clickInNotification = async (text, button) => {
    const toast = session.page.locator('.notification-toast').filter({ hasText: text });
    await toast.waitFor({ state: 'visible', timeout: 30_000 });
    await toast.locator('.monaco-button', { hasText: button }).click();
  };

  it('notifies, asks field by field from the defaults, and the tool gets the answer', async function () {
    await waitFor(async () => ((await api('GET', '/api/mcp/servers/features')).body.status === 'connected' ? true : undefined), { timeoutMs: 30_000, what: 'the fixture server to connect' });
    const call = api('POST', '/api/mcp/servers/features/tools/ask/call', { arguments: {} });

    const { page } = session;
    await clickInNotification('MCP server features asks: Who is booking?', 'Answer…');

    const widget = page.locator('.quick-input-widget');
    const input = widget.locator('.quick-input-box input');
    const step = async (title, answer) => {
      await widget.locator('.quick-input-title', { hasText: title }).waitFor({ state: 'visible', timeout: 10_000 });
      if (answer !== undefined) await input.fill(answer);
      await input.press('Enter');
    };
    await step('(1/4): Your name', 'Grace');
    await widget.locator('.quick-input-title', { hasText: '(2/4): team' }).waitFor({ state: 'visible', timeout: 10_000 });
    assert.match((await widget.locator('.quick-input-list .monaco-list-row').first().textContent()) ?? '', /^blue/, 'the default comes first');
    await step('(2/4): team', 'red');
    await widget.locator('.quick-input-title', { hasText: '(3/4): seats' }).waitFor({ state: 'visible', timeout: 10_000 });
    assert.equal(await input.inputValue(), '2', 'the default is filled in');
    await input.fill('40');
    await widget.locator('.quick-input-message', { hasText: 'seats must be at most 10' }).waitFor({ state: 'visible', timeout: 5_000 });
    await step('(3/4): seats', '4');
    await step('(4/4): newsletter', 'Yes');

    const result = (await call).body;
    assert.deepEqual(JSON.parse(result.content[0].text), { action: 'accept', content: { name: 'Grace', team: 'red', seats: 4, newsletter: true } });
    const item = (await api('GET', '/api/approvals?status=approved')).body.find((a) => a.kind === 'elicitation');
    assert.match(item.decidedBy, /VS Code/);
  });

  it('shows a sampling request with its model and prompt in a modal, and sends it to VS Code\'s language models only once approved', async function () {
    const call = api('POST', '/api/mcp/servers/features/tools/sample/call', { arguments: {} });
    const { page } = session;
    await clickInNotification('MCP server features wants to use a language model (claude)', 'Review…');

    const dialog = page.locator('.monaco-dialog-box');
    await dialog.waitFor({ state: 'visible', timeout: 10_000 });
    const shown = (await dialog.textContent()) ?? '';
    for (const part of ['Model: claude (at most 50 tokens)', 'System prompt: You are a poet.', 'user: Write a haiku about relays.']) assert.ok(shown.includes(part), `the modal shows "${part}": ${shown}`);
    await session.screenshot('sampling-review.png');
    await dialog.locator('.monaco-button', { hasText: /^Approve$/ }).click();

    // code-server carries no chat extension: the approved request reaches vscode.lm, which offers no model.
    const result = (await call).body;
    assert.equal(result.isError, true);
    assert.match(result.content[0].text, /VS Code offers no language model/);
    const item = (await api('GET', '/api/approvals?status=approved')).body.find((a) => a.kind === 'sampling');
    assert.match(item.decidedBy, /VS Code/);
  });
});
