// Alerts in a real VS Code (code-server in headless Chromium): with a tiny day budget in the user
// settings, Claude Code hook events and a transcript with usage spend over it; the workbench shows
// the budget alert once as a warning notification, and its Dismiss button dismisses the alert. Then a
// transcript whose latest response fills 85 % of the context window fires an alert that shows in the
// dashboard's alert widget, in VS Code and in a second (browser) page; Dismiss in one removes it in both.
// The sessions' cost chart is drawn in VS Code's webview too (its library is a chunk loaded on demand).
// Run alone: npx mocha --timeout 120000 test/e2e/alerts.e2e.mjs (after node esbuild.mjs).

import assert from 'node:assert/strict';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { productExtensionId, SCREENSHOTS_DIR, useSession, waitFor } from './harness.mjs';

describe('Alerts in a real VS Code (code-server)', function () {
  this.timeout(120_000);
  const session = useSession({ userSettings: { 'agentMesh.costs.budgets': { day: 0.000001 } }, relay: true });
  const api = (method, route, body) => session.api(method, route, body);

  it('shows a budget spent over once as a warning notification whose Dismiss button dismisses the alert', async function () {
    const sessionId = 'e2e-alerts-session';
    const transcript = path.join(session.baseDir, `${sessionId}.jsonl`);
    const usage = { input_tokens: 1200, output_tokens: 300, cache_read_input_tokens: 5000, cache_creation_input_tokens: 700 };
    await fsp.writeFile(transcript, `${JSON.stringify({ type: 'assistant', message: { id: 'msg-1', model: 'claude-sonnet-4-5', content: [{ type: 'text', text: 'hi' }], usage } })}\n`);
    const event = { session_id: sessionId, transcript_path: transcript, cwd: session.workspace };
    assert.equal((await api('POST', '/api/hooks/claude-code', { ...event, hook_event_name: 'SessionStart', source: 'startup' })).status, 200);
    await api('POST', '/api/hooks/claude-code', { ...event, hook_event_name: 'Stop', stop_hook_active: false });

    const toast = session.page.locator('.notification-toast').filter({ hasText: 'Agent Mesh: The day budget of $0.0000 is exceeded' });
    await toast.waitFor({ state: 'visible', timeout: 30_000 });
    assert.equal(await toast.locator('.codicon-warning').count(), 1, 'a warning notification');
    const [alert] = (await api('GET', '/api/alerts')).body;
    assert.equal(alert.kind, 'budget');
    assert.equal(alert.dismissedAt, undefined);

    await toast.locator('.monaco-button', { hasText: /^Dismiss$/ }).click();
    await toast.waitFor({ state: 'hidden', timeout: 10_000 });
    const dismissed = await waitFor(async () => {
      const alerts = (await api('GET', '/api/alerts')).body;
      return alerts[0]?.dismissedAt ? alerts : undefined;
    }, { timeoutMs: 10_000, what: 'the alert dismissed' });
    assert.deepEqual(dismissed.map((a) => a.id), [alert.id], 'fired once');
    assert.equal(await session.page.locator('.notification-toast').filter({ hasText: 'The day budget' }).count(), 0, 'not shown again');
  });

  it('shows a new alert in the alert widget of the dashboard and of a second page, and Dismiss removes it from both', async function () {
    await session.runCommand('Agent Mesh: Open Dashboard');
    const inVsCode = session.webview({ extensionId: productExtensionId() }).getByTestId('panel-alerts');
    const browser = await session.page.context().newPage();
    await browser.goto(`${session.relay.base}/?token=${session.relay.token}`);
    await browser.locator('[data-testid="connection-status"]', { hasText: /^connected$/ }).waitFor({ timeout: 15_000 });
    const inBrowser = browser.getByTestId('panel-alerts');
    for (const widget of [inVsCode, inBrowser]) await widget.getByText('No alerts').waitFor({ state: 'visible', timeout: 30_000 });

    const sessionId = 'e2e-context-session';
    const transcript = path.join(session.baseDir, `${sessionId}.jsonl`);
    const usage = { input_tokens: 30, output_tokens: 400, cache_read_input_tokens: 168_000, cache_creation_input_tokens: 2_000 };
    await fsp.writeFile(transcript, `${JSON.stringify({ type: 'assistant', message: { id: 'msg-ctx', model: 'claude-sonnet-4-5', content: [{ type: 'text', text: 'long' }], usage } })}\n`);
    const event = { session_id: sessionId, transcript_path: transcript, cwd: session.workspace };
    assert.equal((await api('POST', '/api/hooks/claude-code', { ...event, hook_event_name: 'Stop', stop_hook_active: false })).status, 200);

    const message = 'The claude-code session e2e-context-session uses 85 % of the claude-sonnet-4-5 context window (170k of 200k tokens).';
    const items = [inVsCode, inBrowser].map((widget) => widget.getByTestId('alert-item').filter({ hasText: message }));
    for (const item of items) await item.waitFor({ state: 'visible', timeout: 30_000 });
    assert.equal(await items[0].getAttribute('role'), 'alert', 'a warning fired while the widget is open is announced');
    assert.match((await items[1].textContent()) ?? '', /Warning\s*\d\d:\d\d/);
    assert.equal(await inBrowser.getByTestId('alert-item').count(), 1, 'the dismissed budget alert is not listed');

    await fsp.mkdir(SCREENSHOTS_DIR, { recursive: true });
    for (const width of [320, 1440]) {
      await browser.setViewportSize({ width, height: 900 });
      await inBrowser.scrollIntoViewIfNeeded();
      await inBrowser.screenshot({ path: path.join(SCREENSHOTS_DIR, `alerts-widget-${width}.png`) });
    }

    await items[0].locator('vscode-button', { hasText: 'Dismiss' }).click();
    for (const widget of [inVsCode, inBrowser]) await widget.getByText('No alerts').waitFor({ state: 'visible', timeout: 15_000 });
    const [contextAlert] = (await api('GET', '/api/alerts')).body.filter((alert) => alert.kind === 'context-window');
    assert.equal(typeof contextAlert.dismissedAt, 'number');
    await browser.close();
  });

  it("draws the sessions' cost chart inside VS Code's webview, whose chart library loads as a chunk of its own", async function () {
    const costs = session.webview({ extensionId: productExtensionId() }).getByTestId('panel-costs');
    await costs.scrollIntoViewIfNeeded();
    await costs.locator('[data-testid="cost-chart"] canvas').first().waitFor({ state: 'visible', timeout: 30_000 });
    assert.equal(await costs.getByTestId('cost-chart-problem').count(), 0);
  });
});
