// Every dashboard widget type rendered in a real browser: headless Chromium on the dashboard that
// `agent-mesh serve` (dist/cli.js) serves, widgets pushed through POST /api/widgets. No code-server.
// Run alone: npx mocha --timeout 60000 test/e2e/widgets.e2e.mjs (after node esbuild.mjs).

import assert from 'node:assert/strict';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { useDashboardPage, visible, WAIT_MS } from './dashboardPage.mjs';
import { SCREENSHOTS_DIR } from './harness.mjs';

/** Realistic data for every widget type, with what each must show once drawn. */
const WIDGETS = [
  {
    id: 'release-card',
    type: 'task_card',
    data: {
      title: 'Ship Agent Mesh 0.3',
      description: 'Cut the release branch, tag it and publish the VSIX.',
      status: 'in_progress',
      assignee: 'Planner',
      priority: 'high',
      dueAt: '2026-12-01T12:00:00Z',
      tags: ['release', 'vsix'],
    },
    async check(widget) {
      await visible(widget.getByText('Ship Agent Mesh 0.3', { exact: true }));
      await visible(widget.getByText('Cut the release branch, tag it and publish the VSIX.'));
      await visible(widget.getByText('in progress', { exact: true }));
      await visible(widget.getByText('Planner', { exact: true }));
      await visible(widget.getByText('high', { exact: true }));
      assert.deepEqual(await widget.getByRole('list', { name: 'Tags' }).getByRole('listitem').allTextContents(), ['release', 'vsix']);
      assert.equal(await widget.locator('time').getAttribute('datetime'), '2026-12-01T12:00:00Z');
    },
  },
  {
    id: 'agent-vitals',
    type: 'vitals',
    data: {
      title: 'Agent latency',
      items: [
        { label: 'Planner', status: 'healthy', latencyMs: 42, history: [40, 38, null, 42, 41], circuit: 'closed' },
        { label: 'Reviewer', status: 'degraded', latencyMs: 310, history: [120, 180, 250, 310], circuit: 'half-open', detail: 'slow answers since 14:02' },
        { label: 'Researcher', status: 'unhealthy', circuit: 'open', detail: 'connection refused' },
      ],
    },
    async check(widget) {
      await visible(widget.getByText('Agent latency', { exact: true }));
      await visible(widget.getByRole('listitem', { name: 'Planner: healthy, 42 ms, circuit closed' }));
      await visible(widget.getByRole('listitem', { name: 'Reviewer: degraded, 310 ms, circuit half-open' }));
      await visible(widget.getByRole('listitem', { name: 'Researcher: unhealthy, circuit open' }));
      await visible(widget.getByRole('img', { name: 'latency of Planner, last 5 checks' }));
      await visible(widget.getByText('slow answers since 14:02'));
      // The failed check in Planner's history breaks its line in two and is marked with a dot.
      const planner = widget.getByRole('img', { name: 'latency of Planner, last 5 checks' });
      assert.equal(await planner.locator('path.sparkline-line').count(), 2);
      assert.equal(await planner.locator('circle.sparkline-fail').count(), 1);
    },
  },
  {
    id: 'build-activity',
    type: 'activity',
    data: {
      title: 'Build activity',
      entries: [
        { at: '2026-11-21T10:00:00Z', text: 'Opened PR #12: widgets e2e test', actor: 'Planner', level: 'info' },
        { at: '2026-11-21T10:04:00Z', text: 'Reviewed PR #12, two comments', actor: 'Reviewer', level: 'success' },
        { at: '2026-11-21T10:09:00Z', text: 'CI run 481 failed on lint', level: 'error' },
      ],
    },
    async check(widget) {
      const list = widget.getByRole('list', { name: 'Build activity (3)' });
      await visible(list);
      assert.equal(await list.getByRole('listitem').count(), 3);
      await visible(list.getByText('Reviewed PR #12, two comments'));
      await visible(list.getByText('Reviewer', { exact: true }));
      await visible(list.getByText('CI run 481 failed on lint'));
      await visible(list.getByText('10:09:00 AM'));
    },
  },
  {
    id: 'project-status',
    type: 'project_status',
    data: {
      name: 'Agent Mesh',
      health: 'at_risk',
      progress: 62.5,
      phase: 'Beta',
      summary: 'Widgets and mesh health are done; approvals slipped a week.',
      milestones: [
        { name: 'Alpha', done: true },
        { name: 'Beta', done: false, dueAt: '2026-12-15T00:00:00Z' },
        { name: 'General availability', done: false },
      ],
    },
    async check(widget) {
      await visible(widget.getByText('Agent Mesh', { exact: true }));
      await visible(widget.getByText('at risk', { exact: true }));
      await visible(widget.getByText('Phase: Beta'));
      await visible(widget.getByText('62.5%', { exact: true }));
      assert.equal(await widget.getByRole('progressbar', { name: 'Agent Mesh progress' }).getAttribute('aria-valuenow'), '62.5');
      await visible(widget.getByText('approvals slipped a week'));
      const milestones = widget.getByRole('list', { name: 'Milestones' }).getByRole('listitem');
      assert.deepEqual(
        (await milestones.allTextContents()).map((t) => t.replace(/\s+/g, ' ').trim()),
        ['✓ Alpha (done)', `○ Beta (open) · due ${new Date('2026-12-15T00:00:00Z').toLocaleDateString('en-US', { timeZone: 'UTC' })}`, '○ General availability (open)'],
      );
    },
  },
  {
    id: 'sprint-tasks',
    type: 'task_list',
    data: {
      title: 'Sprint 14',
      tasks: [
        { id: 't1', title: 'Write the widgets e2e test', status: 'in_progress', assignee: 'Planner', progress: 40 },
        { id: 't2', title: 'Review the relay auth change', status: 'todo', assignee: 'Reviewer' },
        { id: 't3', title: 'Benchmark the state store', status: 'done', assignee: 'Researcher', progress: 100 },
        { id: 't4', title: 'Fix flaky mesh reconnect', status: 'blocked' },
        { id: 't5', title: 'Drop the legacy token format', status: 'cancelled' },
      ],
    },
    async check(widget) {
      const list = widget.getByRole('list', { name: 'Sprint 14 (5)' });
      await visible(list);
      assert.equal(await list.getByRole('listitem').count(), 5);
      const first = list.getByRole('listitem').first();
      assert.deepEqual(await first.locator('span').allTextContents(), ['in progress', 'Write the widgets e2e test', 'Planner', '40%']);
      await visible(list.getByText('Fix flaky mesh reconnect'));
      await visible(list.getByText('blocked', { exact: true }));
    },
  },
  {
    id: 'token-usage',
    type: 'metrics',
    data: {
      title: 'Token usage today',
      metrics: [
        { label: 'Tokens', value: 12840, unit: 'tok', delta: -320, trend: [9800, 11200, 13160, 12840] },
        { label: 'Cost', value: 4.2, unit: 'USD', delta: 0.35, trend: [3.1, 3.85, 4.2] },
        { label: 'Requests', value: 318 },
      ],
    },
    async check(widget) {
      await visible(widget.getByText('Token usage today', { exact: true }));
      const metric = (label) => widget.locator('.metric').filter({ has: widget.page().getByText(label, { exact: true }) });
      const shown = async (label) => [normalise(await metric(label).locator('.metric-value').textContent()), normalise(await metric(label).locator('.delta-up, .delta-down').textContent())];
      assert.deepEqual(await shown('Tokens'), ['12,840 tok', '▼down 320']);
      assert.deepEqual(await shown('Cost'), ['4.2 USD', '▲up 0.35']);
      assert.equal(normalise(await metric('Requests').locator('.metric-value').textContent()), '318');
      assert.equal(await metric('Requests').locator('.delta-up, .delta-down, svg').count(), 0);
      await visible(widget.getByRole('img', { name: 'Tokens trend' }));
      await visible(widget.getByRole('img', { name: 'Cost trend' }));
    },
  },
  {
    id: 'budget-alert',
    type: 'alert',
    data: { severity: 'warning', title: 'Budget at 80%', message: 'The monthly token budget is 80% used with 6 days left.' },
    async check(widget) {
      const alert = widget.getByRole('alert');
      await visible(alert.getByText('Budget at 80%', { exact: true }));
      await visible(alert.getByText('The monthly token budget is 80% used with 6 days left.'));
      assert.match(await alert.getAttribute('class'), /severity-warning/);
    },
  },
  {
    id: 'build-error',
    type: 'error',
    data: { title: 'Build failed', message: 'tsc exited with code 2: src/extension/cli.ts(42,7): error TS2322', code: 'E_BUILD', attemptsLeft: 2 },
    async check(widget) {
      await visible(widget.getByText('Build failed', { exact: true }));
      await visible(widget.getByText('tsc exited with code 2: src/extension/cli.ts(42,7): error TS2322'));
      await visible(widget.getByText('E_BUILD'));
      await visible(widget.getByTestId('attempts-left').getByText('2 attempts left', { exact: true }));
      await visible(widget.getByRole('button', { name: 'Retry (2 left)' }));
    },
  },
  {
    id: 'release-progress',
    type: 'task_progress',
    data: {
      title: 'Release 0.3',
      message: 'Running the test suites',
      steps: [
        { name: 'build', status: 'done', weight: 3 },
        { name: 'test', status: 'running', progress: 50 },
        { name: 'package', status: 'pending' },
        { name: 'publish', status: 'pending' },
      ],
    },
    async check(widget) {
      await visible(widget.getByText('Release 0.3', { exact: true }));
      // (3 done + 0.5 of test) of 6 weight units.
      await visible(widget.getByText('58.3%', { exact: true }));
      assert.equal(await widget.getByRole('progressbar', { name: 'Release 0.3: overall progress' }).getAttribute('aria-valuenow'), '58.3');
      await visible(widget.getByText('Running the test suites'));
      assert.deepEqual((await widget.locator('ol.steps > li').allTextContents()).map(normalise), [
        '✓ build · done · weight 3',
        '◐ test · running 50%',
        '○ package · pending',
        '○ publish · pending',
      ]);
    },
  },
];

function normalise(text) {
  return (text ?? '').replace(/\s+/g, ' ').trim();
}

describe('dashboard widgets in a browser (agent-mesh serve + headless Chromium)', function () {
  this.timeout(30_000);
  const dashboard = useDashboardPage({ prefix: 'widgets' });
  const { api } = dashboard;
  let page;

  async function render(widget) {
    const { status, body } = await api('POST', '/api/widgets', { id: widget.id, type: widget.type, data: widget.data });
    assert.equal(status, 200, `POST /api/widgets ${widget.id}: ${JSON.stringify(body)}`);
    return body;
  }

  const widgetOnPage = (id) => page.getByTestId(`widget-${id}`);
  const invalidWidgets = () => page.getByTestId('widget-invalid');

  before(async function () {
    page = dashboard.page;
    await page.getByTestId('panel-widgets').getByText('No widgets yet.').waitFor({ timeout: WAIT_MS });
  });

  it('draws every widget type with its own content', async function () {
    for (const widget of WIDGETS) await render(widget);
    for (const widget of WIDGETS) {
      const element = widgetOnPage(widget.id);
      await visible(element);
      assert.equal(await element.getAttribute('data-widget-type'), widget.type);
      await widget.check(element);
    }
    assert.equal(await invalidWidgets().count(), 0, 'no widget is drawn as invalid');
    const overflowing = await page.locator('article.widget').evaluateAll((cards) =>
      cards.filter((card) => card.scrollWidth > card.clientWidth + 1).map((card) => `${card.dataset.testid} (${card.scrollWidth} px of content in ${card.clientWidth} px)`),
    );
    assert.deepEqual(overflowing, [], 'every widget fits in its card');
    assert.deepEqual(
      [...new Set(WIDGETS.map((w) => w.type))].sort(),
      ['activity', 'alert', 'error', 'metrics', 'project_status', 'task_card', 'task_list', 'task_progress', 'vitals'],
      'the test covers every widget type',
    );

    await page.getByTestId('panel-widgets').scrollIntoViewIfNeeded();
    await page.mouse.move(0, 0);
    await fsp.mkdir(SCREENSHOTS_DIR, { recursive: true });
    await page.screenshot({ path: path.join(SCREENSHOTS_DIR, 'widgets-browser.png'), fullPage: true });
    await page.getByTestId('panel-widgets').screenshot({ path: path.join(SCREENSHOTS_DIR, 'widgets-panel.png') });
  });

  it('refuses data that does not fit its type with 400 naming the field, and changes nothing', async function () {
    await render({ id: 'deploy-card', type: 'task_card', data: { title: 'Deploy to staging', status: 'todo' } });
    await visible(widgetOnPage('deploy-card').getByText('Deploy to staging', { exact: true }));
    const before = await api('GET', '/api/widgets');

    const replacement = await api('POST', '/api/widgets', { id: 'deploy-card', type: 'task_card', data: { title: 'Deploy to prod', status: 'maybe' } });
    assert.equal(replacement.status, 400);
    assert.equal(replacement.body.error.code, 'invalid_widget');
    assert.match(replacement.body.error.message, /data\.status/);

    const fresh = await api('POST', '/api/widgets', { id: 'broken-progress', type: 'task_progress', data: { title: 'Nightly', steps: [{ name: 'build', status: 'finished' }] } });
    assert.equal(fresh.status, 400);
    assert.equal(fresh.body.error.code, 'invalid_widget');
    assert.match(fresh.body.error.message, /data\.steps\.0\.status/);

    assert.deepEqual(await api('GET', '/api/widgets'), before, 'the relay keeps the widgets it had');
    // Events reach the page in order: once a later valid widget shows, a change from the refused
    // requests would already be on the page.
    await render({ id: 'refusal-barrier', type: 'alert', data: { severity: 'info', title: 'Refusals checked' } });
    await visible(widgetOnPage('refusal-barrier').getByText('Refusals checked'));
    await visible(widgetOnPage('deploy-card').getByText('Deploy to staging', { exact: true }));
    assert.equal(await widgetOnPage('deploy-card').getByText('Deploy to prod').count(), 0);
    assert.equal(await widgetOnPage('broken-progress').count(), 0);
    assert.equal(await invalidWidgets().count(), 0);
  });

  it('windows a task list of 2,000 items: few rows in the page, later ones on scrolling', async function () {
    const statuses = ['todo', 'in_progress', 'blocked', 'done'];
    const tasks = Array.from({ length: 2000 }, (_, i) => ({ id: `b${i + 1}`, title: `Backlog item ${i + 1}`, status: statuses[i % statuses.length], assignee: `agent-${i % 7}` }));
    await render({ id: 'backlog', type: 'task_list', data: { title: 'Backlog', tasks } });
    const list = widgetOnPage('backlog').getByRole('list', { name: 'Backlog (2000)' });
    await visible(list.getByText('Backlog item 1', { exact: true }));
    const rows = list.getByRole('listitem');
    const firstCount = await rows.count();
    assert.ok(firstCount > 0 && firstCount <= 50, `${firstCount} rows in the DOM for 2,000 tasks`);
    assert.equal(await rows.last().getAttribute('aria-setsize'), '2000');

    await list.evaluate((element) => {
      element.scrollTop = element.scrollHeight * 0.75;
    });
    const later = list.getByText('Backlog item 1501', { exact: true });
    await visible(later);
    assert.equal(await rows.filter({ has: page.getByText('Backlog item 1501', { exact: true }) }).getAttribute('aria-posinset'), '1501');
    const laterCount = await rows.count();
    assert.ok(laterCount <= 50, `${laterCount} rows in the DOM after scrolling`);
    assert.equal(await list.getByText('Backlog item 1', { exact: true }).count(), 0, 'the first rows left the DOM');
    assert.equal(await invalidWidgets().count(), 0);
  });

  it('shows an error widget with a Retry control and the attempts left, and counts a retry down', async function () {
    await render({ id: 'deploy-error', type: 'error', data: { title: 'Deploy failed', message: 'staging answered 503 for 30 s', code: 'E_DEPLOY', attemptsLeft: 2 } });
    const widget = widgetOnPage('deploy-error');
    await visible(widget.getByTestId('attempts-left').getByText('2 attempts left', { exact: true }));
    await widget.getByRole('button', { name: 'Retry (2 left)' }).click();
    await visible(widget.getByTestId('attempts-left').getByText('1 attempt left', { exact: true }));
    await widget.getByRole('button', { name: 'Retry (1 left)' }).click();
    await visible(widget.getByTestId('attempts-left').getByText('No attempts left', { exact: true }));
    assert.equal(await widget.getByRole('button', { name: /^Retry/ }).count(), 0, 'no Retry once the attempts are used up');
    const stored = (await api('GET', '/api/widgets')).body.find((w) => w.id === 'deploy-error');
    assert.equal(stored.data.attemptsLeft, 0);
  });

  it('removes a widget from the page live when it is deleted, through the API or its ✕ button', async function () {
    await render({ id: 'temp-alert', type: 'alert', data: { severity: 'success', title: 'Nightly build green' } });
    await render({ id: 'temp-card', type: 'task_card', data: { title: 'Rotate the relay token', status: 'done' } });
    await visible(widgetOnPage('temp-alert').getByText('Nightly build green'));
    await visible(widgetOnPage('temp-card').getByText('Rotate the relay token'));

    assert.deepEqual(await api('DELETE', '/api/widgets/temp-alert'), { status: 200, body: { success: true } });
    await widgetOnPage('temp-alert').waitFor({ state: 'detached', timeout: WAIT_MS });
    await visible(widgetOnPage('temp-card'));

    await widgetOnPage('temp-card').getByRole('button', { name: 'Remove widget temp-card' }).click();
    await widgetOnPage('temp-card').waitFor({ state: 'detached', timeout: WAIT_MS });
    const ids = (await api('GET', '/api/widgets')).body.map((w) => w.id);
    assert.ok(!ids.includes('temp-alert') && !ids.includes('temp-card'), `widgets left: ${ids.join(', ')}`);
    assert.equal((await api('DELETE', '/api/widgets/temp-alert')).status, 404, 'a deleted widget is gone');
  });
});
