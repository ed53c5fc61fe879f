// Shared dashboard state across devices in a real VS Code (code-server in headless Chromium): a note
// typed in the VS Code dashboard view appears in a second browser page opened from "Copy Dashboard
// Link", and a reply typed there appears back in VS Code. Run through `node test/e2e/run.mjs`.

import assert from 'node:assert/strict';
import path from 'node:path';
import { fileNameOf, productExtensionId, SCREENSHOTS_DIR, useSession, waitFor } from './harness.mjs';

const NOTES = '[data-testid="shared-notes"]';
const CONNECTION_STATUS = '[data-testid="connection-status"]';

describe('dashboard state shared between VS Code and a browser', function () {
  this.timeout(90_000);
  const session = useSession();
  let browserPage;
  const extensionId = productExtensionId();

  // The browser page's picture beside the workbench's one that useSession saves for a failed test.
  afterEach(async function () {
    if (this.currentTest?.state !== 'failed' || !browserPage) return;
    await browserPage.screenshot({ path: path.join(SCREENSHOTS_DIR, `failure-${fileNameOf(this.currentTest.title)}-browser.png`) }).catch(() => {});
  });

  /** The value of a textarea, polled until it equals `expected`. */
  async function waitForValue(locator, expected, what) {
    let last;
    await waitFor(
      async () => {
        last = await locator.inputValue({ timeout: 1000 });
        return last === expected;
      },
      { timeoutMs: 20_000, intervalMs: 200, what: `${what} to read "${expected}" (last: "${last}")` },
    );
  }

  it('shows an edit made in the VS Code dashboard in a browser page on the relay, and back', async function () {
    await session.openViewContainer('Agent Mesh');
    const header = session.viewPaneHeader('Dashboard');
    if ((await header.getAttribute('aria-expanded')) !== 'true') await header.click();
    const webview = session.webview({ extensionId, purpose: 'webviewView' });
    await session.waitForText(webview.locator(CONNECTION_STATUS), 'connected', { timeoutMs: 45_000, what: 'the Dashboard view connection status' });

    await session.runCommand('Agent Mesh: Copy Dashboard Link');
    const link = await waitFor(async () => {
      const text = await session.page.evaluate(() => navigator.clipboard.readText());
      return /\?token=/.test(text) ? text : undefined;
    }, { timeoutMs: 10_000, what: 'the dashboard link on the clipboard' });
    assert.match(link, /^https?:\/\/.+\?token=.+/);

    const context = await session.browser.newContext({ viewport: { width: 900, height: 800 } });
    browserPage = await context.newPage();
    await browserPage.goto(link);
    await session.waitForText(browserPage.locator(CONNECTION_STATUS), 'connected', { timeoutMs: 20_000, what: 'the browser page connection status' });
    assert.doesNotMatch(browserPage.url(), /token=/, 'the token leaves the address bar');

    const note = `deploy freeze from 17:00 (${Date.now()})`;
    await webview.locator(NOTES).fill(note);
    await waitForValue(browserPage.locator(NOTES), note, 'the browser page notes');

    const reply = 'ack from the browser — freeze noted';
    await browserPage.locator(NOTES).fill(reply);
    await waitForValue(webview.locator(NOTES), reply, 'the VS Code dashboard notes');
    await session.waitForText(webview.locator('[data-testid="shared-notes-status"]'), 'Saved and shared', { what: 'the notes status in VS Code' });
    const shot = await session.screenshot('state-shared-notes-vscode.png');
    await browserPage.screenshot({ path: shot.replace('vscode.png', 'browser.png') });
  });
});
