// The Fleet and costs panel in a real browser: headless Chromium on `agent-mesh serve` (dist/cli.js) with
// budgets, fed by Claude Code hook events whose transcripts carry usage. Every figure of the panel is
// checked against GET /api/costs, the uPlot chart is drawn in the theme's colour and drawn again when the
// theme changes, and it fits a sidebar. Screenshots at 320, 800 and 1440 px.
// Run alone: npx mocha --timeout 120000 test/e2e/costs.e2e.mjs (after node esbuild.mjs).

import AxeBuilder from '@axe-core/playwright';
import assert from 'node:assert/strict';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { useDashboardPage, visible } from './dashboardPage.mjs';
import { SCREENSHOTS_DIR } from './harness.mjs';

const HOOK_AGENT_LABELS = { 'claude-code': 'Claude Code', copilot: 'GitHub Copilot', cursor: 'Cursor' };
/** As formatCost in src/shared/sessions.ts. */
const usd = (value, approximate) => (value === null ? '—' : `${approximate ? '≈' : ''}$${value.toFixed(value > 0 && value < 0.01 ? 4 : 2)}`);
const LIGHT_THEME = {
  '--vscode-foreground': '#616161',
  '--vscode-descriptionForeground': '#717171',
  '--vscode-editor-background': '#ffffff',
  '--vscode-sideBar-background': '#f3f3f3',
  '--vscode-editorWidget-background': '#f3f3f3',
  '--vscode-widget-border': '#d4d4d4',
  '--vscode-charts-blue': '#1a85ff',
  '--vscode-charts-orange': '#d18616',
  '--vscode-testing-iconPassed': '#388a34',
  '--vscode-errorForeground': '#a1260d',
  '--vscode-dropdown-background': '#ffffff',
  '--vscode-dropdown-foreground': '#616161',
};
const squash = (text) => text.replace(/\s+/g, ' ').trim();

describe('Fleet and costs panel in a browser (agent-mesh serve + headless Chromium)', function () {
  this.timeout(90_000);
  const dashboard = useDashboardPage({
    prefix: 'costs',
    viewport: { width: 1440, height: 1000 },
    config: { 'agentMesh.costs.budgets': { day: 0.5, month: 1000 } },
  });
  const { api } = dashboard;
  let page;
  let panel;

  async function claudeSession(sessionId, model, usage) {
    const transcript = path.join(dashboard.tempDir, `${sessionId}.jsonl`);
    const reply = { sessionId, cwd: dashboard.workspace, type: 'assistant', timestamp: new Date().toISOString(), message: { id: `msg-${sessionId}`, type: 'message', role: 'assistant', model, content: [{ type: 'text', text: 'Done.' }], usage } };
    await fsp.writeFile(transcript, `${JSON.stringify(reply)}\n`);
    const event = { session_id: sessionId, transcript_path: transcript, cwd: dashboard.workspace, permission_mode: 'default' };
    await api('POST', '/api/hooks/claude-code', { ...event, hook_event_name: 'SessionStart', source: 'startup' });
    await api('POST', '/api/hooks/claude-code', { ...event, hook_event_name: 'PreToolUse', tool_name: 'Read', tool_input: { file_path: `${dashboard.workspace}/README.md` }, tool_use_id: `toolu-${sessionId}` });
  }

  /** Pixels of the chart canvas within a small distance of the colour [r, g, b]. */
  const chartPixels = (rgb) =>
    panel.locator('[data-testid="cost-chart"] canvas').evaluate((canvas, [r, g, b]) => {
      const { data } = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height);
      let count = 0;
      for (let i = 0; i < data.length; i += 4) if (data[i + 3] > 200 && Math.abs(data[i] - r) + Math.abs(data[i + 1] - g) + Math.abs(data[i + 2] - b) < 30) count += 1;
      return count;
    }, rgb);

  before(async function () {
    ({ page } = dashboard);
    panel = page.getByTestId('panel-costs');
    await claudeSession('3f9c1a2e-5b7d-4c8e-9f01-2a3b4c5d6e7f', 'claude-sonnet-4-5', { input_tokens: 52_000, output_tokens: 4_100, cache_read_input_tokens: 310_000, cache_creation_input_tokens: 24_000 });
    await claudeSession('a84d0c6b-1e2f-4a3b-8c4d-5e6f7a8b9c0d', 'claude-haiku-4-5', { input_tokens: 900, output_tokens: 120, cache_read_input_tokens: 0, cache_creation_input_tokens: 0 });
    await claudeSession('d27e6f10-9a8b-4c7d-a6e5-f4d3c2b1a098', 'no-such-model', { input_tokens: 10, output_tokens: 20, cache_read_input_tokens: 0, cache_creation_input_tokens: 0 });
    await visible(panel.getByTestId('costs-total').filter({ hasText: '3 sessions' }));
  });

  it('shows the totals, per agent, model and day, the costliest sessions and the budgets as GET /api/costs answers them', async function () {
    const report = (await api('GET', '/api/costs')).body;
    assert.ok(report.total.costUsd > 0, `priced: ${JSON.stringify(report.total)}`);
    await visible(panel.getByTestId('costs-total').filter({ hasText: usd(report.total.costUsd, report.total.approximate) }));
    assert.equal(squash(await panel.getByTestId('costs-total').textContent()), `3 sessions · ${usd(report.total.costUsd, report.total.approximate)} in total · ${report.total.unpricedSessions} without a price`);

    const tables = [
      ['costs-by-agent', report.byAgent, (key) => HOOK_AGENT_LABELS[key] ?? key],
      ['costs-by-model', report.byModel, (key) => key],
      ['costs-by-day', [...report.byDay].reverse(), (key) => key],
    ];
    for (const [testId, groups, label] of tables) {
      const rows = panel.getByTestId(testId).locator('tbody tr');
      assert.deepEqual(await rows.evaluateAll((trs) => trs.map((tr) => tr.dataset.key)), groups.map((g) => g.key), `${testId}: the rows in the API's order`);
      for (const group of groups) {
        const row = rows.and(panel.locator(`[data-key="${group.key}"]`));
        const cells = await row.locator('th, td').evaluateAll((all) => all.map((cell) => [cell.textContent.trim(), cell.getAttribute('title')]));
        assert.equal(cells[0][0], label(group.key));
        const unpriced = group.unpricedSessions === group.sessions;
        assert.equal(cells[1][0], unpriced ? '—' : usd(group.costUsd, group.approximate), `${testId} ${group.key} cost`);
        assert.deepEqual(cells.slice(2, 6).map(([, title]) => title), [group.tokens.input, group.tokens.output, group.tokens.cacheRead, group.tokens.cacheWrite].map((n) => n.toLocaleString('en-US')), `${testId} ${group.key} tokens`);
        assert.equal(cells[6][0], String(group.sessions));
      }
    }
    // Per agent, what its sessions do now, from the sessions channel.
    const sessions = (await api('GET', '/api/sessions')).body;
    const running = sessions.filter((s) => s.status === 'running').length;
    const waiting = sessions.filter((s) => s.status === 'waiting').length;
    const now = [running > 0 && `${running} running`, waiting > 0 && `${waiting} waiting`].filter(Boolean).join(' · ') || 'idle';
    assert.equal(await panel.getByTestId('costs-by-agent').getByTestId('now').textContent(), now);

    const top = panel.getByTestId('costs-top-sessions').locator('tbody tr');
    assert.deepEqual(await top.evaluateAll((trs) => trs.map((tr) => tr.dataset.key)), report.topSessions.map((s) => s.id));
    assert.deepEqual(await top.locator('[data-testid="cost"]').allTextContents(), report.topSessions.map((s) => usd(s.costUsd, s.approximate)));
    // Table semantics: captions, header cells with a scope, money right-aligned.
    assert.deepEqual(await panel.locator('table caption').evaluateAll((captions) => captions.map((c) => c.textContent)).then((c) => c.slice(0, 4)), ['Cost per hour, last 24 hours', 'Per agent', 'Per model', 'Per day (UTC, the day of a session’s last event)']);
    assert.equal(await panel.locator('.costs-table th:not([scope])').count(), 0);
    assert.equal(await panel.locator('[data-testid="costs-by-agent"] td.cost').first().evaluate((td) => getComputedStyle(td).textAlign), 'right');

    assert.deepEqual(report.budgets.map((b) => [b.period, b.status]), [['day', 'over'], ['month', 'ok']]);
    for (const budget of report.budgets) {
      const item = panel.getByTestId(`budget-${budget.period}`);
      const meter = item.getByRole('meter');
      assert.equal(await meter.getAttribute('aria-valuemax'), String(budget.limitUsd));
      assert.match(await meter.getAttribute('aria-valuetext'), new RegExp(`^\\${usd(budget.spentUsd, false)} spent of \\${usd(budget.limitUsd, false)}, .* by the end of the ${budget.period}: ${budget.status === 'over' ? 'over the limit' : 'within the limit'}$`));
      assert.equal(await item.locator('.budget-status').textContent(), budget.status);
      const name = await meter.evaluate((element) => document.getElementById(element.getAttribute('aria-labelledby')).textContent);
      assert.equal(name, `${budget.period === 'day' ? 'Today' : 'This month'}: ${usd(budget.spentUsd, false)} of ${usd(budget.limitUsd, false)}`);
    }
  });

  it('draws the cost over time with uPlot in the theme’s colours, again when the theme changes, with a text alternative', async function () {
    const { timeline } = (await api('GET', '/api/costs')).body;
    assert.deepEqual(timeline.byAgent.map((s) => s.key), ['claude-code']);
    const chart = panel.getByTestId('cost-chart');
    await visible(chart.locator('canvas'));
    const label = await chart.getAttribute('aria-label');
    const total = timeline.byAgent[0].costUsd.reduce((sum, value) => sum + Math.round(value * 1e6), 0) / 1e6;
    assert.match(label, new RegExp(`^Cost per hour per agent, last 24 hours: Claude Code ≈\\${usd(total, false)} in total, most `));
    assert.ok((await chartPixels([0x37, 0x94, 0xff])) > 20, 'the series is drawn in --vscode-charts-blue (its fallback outside VS Code)');
    assert.equal(await chartPixels([255, 0, 0]), 0);

    // A VS Code theme change sets new variables on the root's style: the chart is drawn again in the new colour.
    await page.evaluate(() => document.documentElement.style.setProperty('--vscode-charts-blue', 'rgb(255, 0, 0)'));
    await page.waitForFunction(() => {
      const canvas = document.querySelector('[data-testid="cost-chart"] canvas');
      const { data } = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height);
      for (let i = 0; i < data.length; i += 4) if (data[i] === 255 && data[i + 1] === 0 && data[i + 2] === 0 && data[i + 3] === 255) return true;
      return false;
    });
    assert.equal(await chartPixels([0x37, 0x94, 0xff]), 0, 'the old colour is gone');
    await page.evaluate(() => document.documentElement.style.removeProperty('--vscode-charts-blue'));

    // The chart's figures as a table, and the 30-day range per UTC day.
    await panel.locator('.costs-timeline-data summary').click();
    const rows = panel.getByTestId('costs-timeline-table').locator('tbody tr');
    assert.equal(await rows.count(), 1, 'one hour with a cost');
    const hour = new Date(timeline.bucketStarts[23]).toISOString();
    assert.deepEqual(await rows.first().locator('th, td').allTextContents(), [`${hour.slice(0, 10)} ${hour.slice(11, 16)} UTC`, usd(timeline.byAgent[0].costUsd[23], false)]);
    await panel.getByTestId('cost-range').selectOption('30d');
    await visible(panel.locator('table caption', { hasText: 'Cost per day, last 30 days' }));
    assert.match(await chart.getAttribute('aria-label'), /^Cost per day per agent, last 30 days: /);
  });

  it('is where the overview’s cost today jumps', async function () {
    await page.getByTestId('overview-cost').click();
    assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('data-testid')), 'panel-costs');
    assert.match(await page.getByTestId('overview-cost').getAttribute('aria-label'), /Go to the fleet and costs section$/);
  });

  it('has no serious or critical accessibility violations (axe-core)', async function () {
    const { violations } = await new AxeBuilder({ page }).include('[data-testid="panel-costs"]').analyze();
    const serious = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
    assert.deepEqual(serious.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`), []);
  });

  it('fits a 320 px sidebar, an 800 px panel and a 1440 px browser (screenshots)', async function () {
    await fsp.mkdir(SCREENSHOTS_DIR, { recursive: true });
    for (const width of [1440, 800, 320]) {
      await page.setViewportSize({ width, height: 1000 });
      await page.waitForFunction(
        (w) => {
          const chart = document.querySelector('[data-testid="cost-chart"]');
          const canvas = chart?.querySelector('canvas');
          return canvas && canvas.getBoundingClientRect().right <= chart.getBoundingClientRect().right + 0.5 && chart.getBoundingClientRect().right <= w;
        },
        width,
      );
      const overflow = await panel.evaluate((section) => section.scrollWidth - section.clientWidth);
      assert.equal(overflow, 0, `the panel does not overflow at ${width} px (wide tables scroll inside their own region)`);
      await panel.scrollIntoViewIfNeeded();
      await panel.screenshot({ path: path.join(SCREENSHOTS_DIR, `costs-${width}.png`) });
    }

    // VS Code's Light+ theme as a webview gets it: variables on the root, the theme's class on the body.
    await page.setViewportSize({ width: 800, height: 1000 });
    await page.evaluate((light) => {
      for (const [name, value] of Object.entries(light)) document.documentElement.style.setProperty(name, value);
      document.body.className = 'vscode-light';
    }, LIGHT_THEME);
    await page.waitForFunction(() => {
      const canvas = document.querySelector('[data-testid="cost-chart"] canvas');
      const { data } = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height);
      for (let i = 0; i < data.length; i += 4) if (data[i] === 0x1a && data[i + 1] === 0x85 && data[i + 2] === 0xff && data[i + 3] === 255) return true;
      return false;
    });
    await panel.screenshot({ path: path.join(SCREENSHOTS_DIR, 'costs-800-light.png') });
  });
});

describe('Fleet and costs panel before any session, without budgets', function () {
  this.timeout(60_000);
  const dashboard = useDashboardPage({ prefix: 'costs-empty', viewport: { width: 320, height: 800 } });

  it('says there is no cost yet and how to set a budget', async function () {
    const report = (await dashboard.api('GET', '/api/costs')).body;
    assert.deepEqual([report.total.sessions, report.budgets, report.timeline.byAgent], [0, [], []]);
    const panel = dashboard.page.getByTestId('panel-costs');
    await visible(panel.getByTestId('costs-total'));
    assert.equal(squash(await panel.getByTestId('costs-total').textContent()), '0 sessions · $0.00 in total');
    assert.match(squash(await panel.getByTestId('budgets-none').textContent()), /^No budget set\. Set agentMesh\.costs\.budgets to limits in US dollars per UTC day, ISO week or calendar month/);
    assert.equal(squash(await panel.getByTestId('cost-chart-empty').textContent()), 'No agent session had its last event in the last 24 hours.');
    assert.equal(await panel.locator('table').count(), 0);
    await panel.scrollIntoViewIfNeeded();
    await fsp.mkdir(SCREENSHOTS_DIR, { recursive: true });
    await panel.screenshot({ path: path.join(SCREENSHOTS_DIR, 'costs-empty-320.png') });
  });
});
