// The History panel in a real browser: headless Chromium on `agent-mesh serve` (dist/cli.js). An approval
// decided in the dashboard appears in History; the type, status and search filters narrow the list as
// the REST API does; Export CSV downloads (through the authenticated API, no token in any URL) a file
// whose rows are the matching records. Screenshots at 320 and 1440 px.
// Run alone: npx mocha --timeout 120000 test/e2e/history.e2e.mjs (after node esbuild.mjs).

import assert from 'node:assert/strict';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { useDashboardPage, visible } from './dashboardPage.mjs';
import { SCREENSHOTS_DIR, waitFor } from './harness.mjs';

/** RFC 4180 rows: quoted cells may hold commas, doubled quotes and line breaks. */
function parseCsv(text) {
  const rows = [];
  let row = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(cell);
      cell = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      i++;
    } else cell += c;
  }
  if (cell !== '' || row.length > 0) {
    row.push(cell);
    rows.push(row);
  }
  return rows;
}

describe('History panel in a browser (agent-mesh serve + headless Chromium)', function () {
  this.timeout(120_000);
  const dashboard = useDashboardPage({ prefix: 'history', viewport: { width: 1440, height: 1000 } });
  const { api } = dashboard;
  const requests = [];
  let page;
  let panel;

  const rowTitles = async () => (await panel.getByTestId('history-row').locator('.history-title').allTextContents()).map((t) => t.trim());
  const waitForRows = async (expected) => {
    await waitFor(async () => (JSON.stringify(await rowTitles()) === JSON.stringify(expected) ? true : undefined), { timeoutMs: 10_000, what: `the history rows ${JSON.stringify(expected)} (now ${JSON.stringify(await rowTitles())})` });
  };
  const request = (title, agent) => api('POST', '/api/approvals', { title, agent, tool: 'deploy', confidence: 40, risk: 'medium' });

  before(async function () {
    ({ page } = dashboard);
    page.on('request', (r) => requests.push(r.url()));
    panel = page.getByTestId('panel-history');
    await visible(panel.getByTestId('history-count'));
  });

  it('shows an approval decided in the dashboard, narrows by filters and search, and exports the matching rows as CSV', async function () {
    const deploy = (await request('Deploy the shop, v2', 'builder')).body;
    const rotate = (await request('=Rotate the keys', 'reviewer')).body;
    const task = (await api('POST', '/api/tasks', { title: 'Nightly build', agent: 'ci', steps: [{ name: 'build' }] })).body;
    await api('PATCH', `/api/tasks/${task.id}`, { status: 'failed', message: 'tests failed' });

    // Decided by a person in the dashboard.
    const card = page.getByTestId(`approval-${deploy.id}`);
    await card.locator('vscode-button[title="Approve Deploy the shop, v2"]').click();
    await card.waitFor({ state: 'hidden' });
    await api('POST', `/api/approvals/${rotate.id}/decision`, { decision: 'reject', comment: 'not today, "really"', by: 'e2e' });

    await waitForRows(['=Rotate the keys', 'Deploy the shop, v2', 'Nightly build']);
    const deployRow = panel.getByTestId('history-row').filter({ hasText: 'Deploy the shop, v2' });
    assert.match(await deployRow.textContent(), /approved.*Approval.*builder.*by dashboard/);

    await panel.getByTestId('history-type').selectOption('approval');
    await waitForRows(['=Rotate the keys', 'Deploy the shop, v2']);
    await panel.getByTestId('history-status').selectOption('approved');
    await waitForRows(['Deploy the shop, v2']);
    await panel.getByTestId('history-status').selectOption('');
    await panel.getByTestId('history-search').fill('ROTATE');
    await waitForRows(['=Rotate the keys']);
    const apiAnswer = (await api('GET', '/api/history?type=approval&q=ROTATE')).body.records;
    assert.deepEqual(apiAnswer.map((r) => r.title), ['=Rotate the keys']);

    await panel.getByTestId('history-search').fill('');
    await waitForRows(['=Rotate the keys', 'Deploy the shop, v2']);
    const [download] = await Promise.all([page.waitForEvent('download'), panel.locator('vscode-button[title="Export CSV of the matching records"]').click()]);
    assert.match(download.suggestedFilename(), /^agent-mesh-history-\d{4}-\d{2}-\d{2}\.csv$/);
    const csv = await fsp.readFile(await download.path(), 'utf8');
    const [header, ...rows] = parseCsv(csv);
    assert.deepEqual(header, ['id', 'type', 'status', 'agent', 'title', 'at', 'details']);
    const expected = (await api('GET', '/api/history?type=approval')).body.records;
    assert.deepEqual(
      rows.map(([id, type, status, agent, title, at]) => [id, type, status, agent, title, at]),
      expected.map((r) => [r.id, r.type, r.status, r.agent, r.title.startsWith('=') ? `'${r.title}` : r.title, new Date(r.at).toISOString()]),
    );
    assert.equal(JSON.parse(rows[0][6]).comment, 'not today, "really"');
    const exportUrls = requests.filter((url) => url.includes('/api/history/export'));
    assert.ok(exportUrls.length > 0, 'the export went through the API');
    assert.ok(!requests.some((url) => url.includes('/api/') && /token=/.test(url)), 'no API request carries the token in its URL');

    await panel.getByTestId('history-type').selectOption('');
    await waitForRows(['=Rotate the keys', 'Deploy the shop, v2', 'Nightly build']);
    await fsp.mkdir(SCREENSHOTS_DIR, { recursive: true });
    await panel.scrollIntoViewIfNeeded();
    await page.mouse.move(0, 0);
    await panel.screenshot({ path: path.join(SCREENSHOTS_DIR, 'history-1440.png') });
    await page.setViewportSize({ width: 320, height: 900 });
    await panel.scrollIntoViewIfNeeded();
    const overflow = await panel.evaluate((el) => el.scrollWidth - el.clientWidth);
    assert.ok(overflow <= 0, `the panel fits 320 px without scrolling sideways (overflow ${overflow} px)`);
    await panel.screenshot({ path: path.join(SCREENSHOTS_DIR, 'history-320.png') });
  });

  it('pages with Load more and renders only the rows in view once the list is long', async function () {
    await page.setViewportSize({ width: 1440, height: 1000 });
    for (let n = 0; n < 260; n++) {
      const { body } = await api('POST', '/api/tasks', { title: `Batch job ${n}`, agent: 'batch', steps: [{ name: 'run' }] });
      await api('PATCH', `/api/tasks/${body.id}`, { status: 'completed' });
    }
    // The agent choices grow from the records loaded: the first page, reloaded as they were recorded, names it.
    await panel.getByTestId('history-agent').locator('option[value="batch"]').waitFor({ state: 'attached', timeout: 30_000 });
    await panel.getByTestId('history-agent').selectOption('batch');
    await visible(panel.getByTestId('history-count').filter({ hasText: '100 records loaded, more older ones' }));
    const more = panel.locator('vscode-button[title="Load more: older records"]');
    await more.click();
    await visible(panel.getByTestId('history-count').filter({ hasText: '200 records loaded, more older ones' }));
    assert.equal(await panel.getByTestId('history-row').count(), 200, 'up to 200 rows are a plain list');
    await more.click();
    await visible(panel.getByTestId('history-count').filter({ hasText: /^260 records$/ }));
    const list = panel.getByRole('list', { name: 'History (260)' });
    await visible(list);
    const rendered = await panel.getByTestId('history-row').count();
    assert.ok(rendered > 0 && rendered < 60, `only the rows in view are rendered (${rendered} of 260)`);
    await list.evaluate((el) => (el.scrollTop = el.scrollHeight));
    await visible(panel.locator('.history-title', { hasText: /^Batch job 0$/ }));
  });
});
