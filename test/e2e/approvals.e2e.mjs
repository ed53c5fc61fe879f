// Approvals in a real VS Code (code-server in headless Chromium): an agent (the MCP SDK client on
// the extension's relay) asks for a quick-level approval, the workbench shows an inline
// notification, and clicking its Approve button answers the agent's blocked tool call. Then a
// queue of full-level requests fills the Approvals tree (grouped by priority, with a badge) and the
// dashboard's approval cards; a destructive one is approved from the tree by typing its target.
// Run alone: npx mocha --timeout 90000 test/e2e/approvals.e2e.mjs (after node esbuild.mjs).

import assert from 'node:assert/strict';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { AGENT_MESH, productExtensionId, useSession, waitFor } from './harness.mjs';

const APPROVALS_VIEW = 'Approvals';

describe('Approvals in a real VS Code (code-server)', function () {
  this.timeout(90_000);
  const session = useSession({ relay: true });
  let agent;
  const extensionId = productExtensionId();

  const api = (method, route, body) => session.api(method, route, body);

  before(async function () {
    const { relay } = session;
    assert.ok(relay.token, 'the copied link carries no token');
    agent = new Client({ name: 'e2e-agent', version: '1.0.0' });
    await agent.connect(new StreamableHTTPClientTransport(new URL('/mcp', relay.base), { requestInit: { headers: { authorization: `Bearer ${relay.token}` } } }));
  });

  after(async function () {
    await agent?.close();
  });

  it('shows a quick-level request as an inline notification whose Approve button answers the waiting agent', async function () {
    const title = 'Deploy build 42 to staging';
    const call = agent.callTool(
      { name: 'request_approval', arguments: { title, agent: 'e2e-agent', tool: 'deploy', confidence: 72, risk: 'low', args: { env: 'staging', apiKey: 'sk-e2eabcdefghijklmnopqrst' } } },
      undefined,
      { timeout: 80_000 },
    );
    let answered = false;
    void call.then(() => (answered = true), () => (answered = true));

    const toast = session.page.locator('.notification-toast').filter({ hasText: title });
    await toast.waitFor({ state: 'visible', timeout: 30_000 });
    const text = (await toast.textContent()) ?? '';
    assert.match(text, /e2e-agent asks/);
    assert.match(text, /confidence 72%/);
    assert.ok(!text.includes('sk-e2e'), 'the notification must not show secrets');
    assert.equal(answered, false, 'the agent was answered before anyone clicked');

    await toast.locator('.monaco-button', { hasText: /^Approve$/ }).click();
    const result = await call;
    assert.equal(result.isError, undefined);
    assert.equal(result.structuredContent.status, 'approved');
    assert.match(result.structuredContent.decidedBy, /VS Code/);
    await toast.waitFor({ state: 'hidden', timeout: 10_000 });
  });

  it('lists waiting requests in the Approvals tree by priority with a badge, and as cards in the dashboard', async function () {
    const requests = [
      { title: 'Rotate production credentials', agent: 'ops-bot', tool: 'rotate_keys', confidence: 40, risk: 'high', args: { password: 'hunter2', service: 'billing' } },
      { title: 'Drop table sessions_old', agent: 'db-agent', tool: 'drop_table', confidence: 55, risk: 'medium', args: { table: 'sessions_old' } },
      { title: 'Update README badges', agent: 'docs-bot', tool: 'edit_file', confidence: 50, risk: 'low', args: { path: 'README.md' } },
    ];
    for (const request of requests) {
      const { status, body } = await api('POST', '/api/approvals', request);
      assert.equal(status, 201);
      assert.equal(body.level, 'full');
    }

    // The container is open since before(); once the badge shows, its activity-bar label carries the count.
    await session.expandView(APPROVALS_VIEW);
    const tree = session.viewPane(APPROVALS_VIEW);
    for (const group of ['Urgent', 'Normal', 'Low']) {
      await tree.locator('.monaco-list-row', { hasText: new RegExp(`^${group}`) }).first().waitFor({ state: 'visible', timeout: 15_000 });
    }
    for (const request of requests) await tree.locator('.monaco-list-row', { hasText: request.title }).waitFor({ state: 'visible', timeout: 15_000 });
    const rotate = tree.locator('.monaco-list-row', { hasText: requests[0].title });
    assert.match((await rotate.textContent()) ?? '', /due in 4 h/);

    const container = session.activityBarItem(AGENT_MESH);
    await session.waitForText(container.locator('.badge-content'), '3', { timeoutMs: 15_000, what: 'the Agent Mesh badge' });
    assert.match((await container.locator('a.action-label').getAttribute('aria-label')) ?? '', /3 approvals waiting/);

    await session.runCommand('Agent Mesh: Open Dashboard');
    const dashboard = session.webview({ extensionId });
    const cards = dashboard.locator('[data-testid="approvals-panel"] .approval-card');
    await waitFor(async () => (await cards.count()) === 3, { timeoutMs: 45_000, what: 'three approval cards in the dashboard' });
    const rotateCard = cards.filter({ hasText: requests[0].title });
    assert.match((await rotateCard.textContent()) ?? '', /hidden/);
    assert.ok(!((await rotateCard.textContent()) ?? '').includes('hunter2'), 'the card must not show the password');
    await session.screenshot('approvals-queue.png');
  });

  it('approves a destructive request from the tree only after the target name is typed', async function () {
    const pending = (await api('GET', '/api/approvals?status=pending')).body;
    const drop = pending.find((a) => a.tool === 'drop_table');
    assert.ok(drop?.destructive, 'drop_table is destructive');

    const row = session.viewPane(APPROVALS_VIEW).locator('.monaco-list-row', { hasText: drop.title });
    await session.runFromContextMenu(row, 'Approve');

    const input = session.page.locator('.quick-input-widget .quick-input-box input');
    await input.waitFor({ state: 'visible', timeout: 10_000 });
    await input.fill('sessions');
    await session.page.locator('.quick-input-widget .quick-input-message', { hasText: 'Type "sessions_old" exactly' }).waitFor({ state: 'visible', timeout: 5_000 });
    await session.page.keyboard.press('Enter');
    assert.equal((await api('GET', `/api/approvals/${drop.id}`)).body.status, 'pending', 'a wrong name must not approve');
    await input.fill('sessions_old');
    await session.page.keyboard.press('Enter');
    const settled = await api('GET', `/api/approvals/${drop.id}/wait?timeoutMs=10000`);
    assert.equal(settled.body.status, 'approved');
    await row.waitFor({ state: 'hidden', timeout: 10_000 });
  });
});
