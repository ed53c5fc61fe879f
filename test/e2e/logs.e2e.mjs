// The dashboard's Agent logs panel in a real browser: headless Chromium on the dashboard that
// `agent-mesh serve` (dist/cli.js) serves. A Claude Code session's transcript (a fixture, with one
// malformed line) is made known through the hook door, a seed-format tools.jsonl sits in the
// workspace's configured log folder. No code-server.
// Run alone: npx mocha --timeout 60000 test/e2e/logs.e2e.mjs (after node esbuild.mjs).

import assert from 'node:assert/strict';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { useDashboardPage, visible } from './dashboardPage.mjs';
import { ROOT, SCREENSHOTS_DIR } from './harness.mjs';

const FIXTURES = path.join(ROOT, 'test', 'fixtures', 'logs');
const SESSION_ID = 'c0ffee00-0000-4000-8000-000000000013';

describe('dashboard agent logs panel in a browser (agent-mesh serve + headless Chromium)', function () {
  this.timeout(60_000);
  const dashboard = useDashboardPage({ prefix: 'logs', viewport: { width: 1440, height: 1000 }, config: { 'agentMesh.logs.directories': ['agent-logs'] } });
  const { api } = dashboard;
  let page;

  before(async function () {
    ({ page } = dashboard);
    const transcript = path.join(dashboard.tempDir, `${SESSION_ID}.jsonl`);
    await fsp.copyFile(path.join(FIXTURES, 'claude-transcript.jsonl'), transcript);
    await fsp.mkdir(path.join(dashboard.workspace, 'agent-logs', 'migration-agent'), { recursive: true });
    await fsp.copyFile(path.join(FIXTURES, 'tools.jsonl'), path.join(dashboard.workspace, 'agent-logs', 'migration-agent', 'tools.jsonl'));
    const started = await api('POST', '/api/hooks/claude-code', { session_id: SESSION_ID, transcript_path: transcript, cwd: dashboard.workspace, hook_event_name: 'SessionStart', source: 'startup' });
    assert.equal(started.status, 200);
  });

  it('shows the timeline of tool calls with outcomes, narrows it by a filter and search, and marks the malformed line', async function () {
    const panel = page.getByTestId('panel-logs');
    const picker = panel.getByTestId('logs-pick');
    /** Picks the log whose option names `text` (options are never "visible" to the browser, only attached). */
    const pick = async (text) => {
      const option = picker.locator('option', { hasText: text });
      await option.waitFor({ state: 'attached' });
      await picker.selectOption(await option.getAttribute('value'));
    };
    await pick('claude-code c0ffee00');

    const entries = panel.getByTestId('log-entry');
    const count = panel.getByTestId('logs-count');
    await visible(count.getByText(/^8 entries, read /));
    const texts = (await entries.allTextContents()).map((text) => text.replace(/\s+/g, ' ').trim());
    assert.deepEqual(
      texts.map((text) => text.split(' ').slice(0, 2).join(' ')),
      ['Read ok', 'Grep ok', 'Bash error', 'Malformed line', 'Read ok', 'Edit ok', 'Bash ok', 'Summary line'],
    );
    const malformed = entries.filter({ hasText: 'Malformed line' });
    await visible(malformed.getByText('line 10', { exact: true }));
    await visible(malformed.getByText('{"type":"assistant","message":{"id":"msg_cut_off"', { exact: false }));

    // Keyboard: open the failed call to read its whole input and result.
    const failed = entries.filter({ hasText: 'Bash error' }).locator('summary');
    await failed.focus();
    await page.keyboard.press('Enter');
    await visible(entries.filter({ hasText: 'Bash error' }).getByText('Expected 120 rows, received 118', { exact: false }));
    // Opened, the entry shows its input once: in full, no longer also as the summary's one line.
    const inputShown = entries.filter({ hasText: 'Bash error' }).locator('.log-input, pre').filter({ hasText: 'npx vitest run test/migration.test.ts', visible: true });
    assert.equal(await inputShown.count(), 1, 'the input of an opened entry is shown once');

    // Filters run on the relay: Bash calls only, then the failed ones; the malformed line stays.
    await panel.getByTestId('logs-tool').selectOption('Bash');
    await visible(count.getByText(/^3 entries, read /));
    await panel.getByTestId('logs-outcome').selectOption('error');
    await visible(count.getByText(/^2 entries, read /));
    assert.deepEqual((await entries.allTextContents()).map((text) => text.replace(/\s+/g, ' ').trim().split(' ').slice(0, 2).join(' ')), ['Bash error', 'Malformed line']);
    await panel.getByTestId('logs-outcome').selectOption('');
    await panel.getByTestId('logs-tool').selectOption('');
    await panel.getByTestId('logs-search').fill('await flush');
    await page.keyboard.press('Enter');
    await visible(count.getByText(/^1 entry, read /));
    await visible(entries.getByText('Edit', { exact: true }));

    // The seed-format log of the configured folder.
    await panel.getByTestId('logs-search').fill('');
    await page.keyboard.press('Enter');
    await pick('migration-agent/tools.jsonl');
    await visible(count.getByText(/^3 entries, read /));
    await visible(entries.filter({ hasText: 'count_rows' }).getByText('error', { exact: true }));

    const listed = (await api('GET', '/api/logs')).body.logs;
    assert.equal(listed.length, 2);

    await pick('claude-code c0ffee00');
    await visible(count.getByText(/^8 entries, read /));
    await entries.filter({ hasText: 'Bash error' }).locator('summary').click();
    await fsp.mkdir(SCREENSHOTS_DIR, { recursive: true });
    await page.mouse.move(0, 0);
    await panel.screenshot({ path: path.join(SCREENSHOTS_DIR, 'logs-panel-1440.png') });
    await page.setViewportSize({ width: 320, height: 900 });
    await panel.scrollIntoViewIfNeeded();
    await panel.screenshot({ path: path.join(SCREENSHOTS_DIR, 'logs-panel-320.png') });
    const overflow = await panel.evaluate((element) => element.scrollWidth - element.clientWidth);
    assert.ok(overflow <= 1, `the panel fits 320 px (overflows by ${overflow} px)`);
  });
});
