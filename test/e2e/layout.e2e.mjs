// The dashboard's layout in a real browser: headless Chromium on `agent-mesh serve` (dist/cli.js).
// Two dashboards on one relay (two browser contexts, like two devices): pinning, moving, collapsing
// and hiding sections (with the buttons, the keyboard and by dragging) on one shows on the other,
// live and after a reload; the overview strip's jump brings a hidden section back; the approvals
// and sessions filters narrow the lists to the expected rows; one, two and three columns at
// sidebar, panel and wide widths, with screenshots.
// Run alone: npx mocha --timeout 120000 test/e2e/layout.e2e.mjs (after node esbuild.mjs).

import assert from 'node:assert/strict';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { useDashboardPage, visible, WAIT_MS } from './dashboardPage.mjs';
import { SCREENSHOTS_DIR, waitFor } from './harness.mjs';

/** The section ids in display order, and which are collapsed. */
async function sectionsOf(page) {
  return page.getByTestId('sections').evaluate((grid) =>
    [...grid.querySelectorAll(':scope > section.layout-section')].map((section) => ({
      id: section.dataset.testid.replace(/^panel-/, ''),
      expanded: section.querySelector('.section-toggle').getAttribute('aria-expanded') === 'true',
    })),
  );
}

/** Waits until `read()` deep-equals `expected`, then asserts it (the difference is shown when it never does). */
async function eventually(read, expected, what) {
  let actual;
  await waitFor(async () => ((actual = await read()), JSON.stringify(actual) === JSON.stringify(expected)), { timeoutMs: WAIT_MS, intervalMs: 100, what }).catch(() => {});
  assert.deepEqual(actual, expected, what);
}

const waitForSections = (page, expected) => eventually(() => sectionsOf(page), expected, 'the sections');

const control = (page, section, label) => page.getByTestId(`panel-${section}`).getByRole('button', { name: label, exact: true });

describe('dashboard layout and list filters in a browser (agent-mesh serve + headless Chromium)', function () {
  this.timeout(120_000);
  const dashboard = useDashboardPage({ prefix: 'layout', viewport: { width: 1440, height: 1000 } });
  const { api } = dashboard;
  let pageA;
  let pageB;

  before(async function () {
    pageA = dashboard.page;
    pageB = await dashboard.openPage({ width: 800, height: 1000 });
  });

  it('shares pin, order, collapsed and hidden sections between two dashboards, live and after a reload', async function () {
    const initial = await sectionsOf(pageA);
    assert.deepEqual(initial.slice(0, 3).map((s) => s.id), ['approvals', 'sessions', 'tasks'], 'the panels in their defined order by default');
    assert.ok(initial.every((s) => s.expanded));
    assert.deepEqual(await sectionsOf(pageB), initial);

    // Keyboard-first: the move button keeps the focus, so Enter again moves the section further down.
    await control(pageA, 'approvals', 'Move Approvals down').focus();
    await pageA.keyboard.press('Enter');
    await waitForSections(pageA, [initial[1], initial[0], ...initial.slice(2)]);
    assert.equal(await pageA.evaluate(() => document.activeElement?.getAttribute('aria-label')), 'Move Approvals down');
    await pageA.keyboard.press('Enter');
    await control(pageA, 'mesh', 'Pin Mesh health to the top').click();
    assert.equal(await control(pageA, 'mesh', 'Pin Mesh health to the top').getAttribute('aria-pressed'), 'true');
    await control(pageA, 'tasks', 'Tasks').click();
    await control(pageA, 'mcp', 'Hide MCP servers').click();
    await pageA.waitForFunction(() => document.activeElement?.matches('.hidden-sections summary'), undefined, { timeout: WAIT_MS });

    const byId = Object.fromEntries(initial.map((s) => [s.id, s]));
    const expected = [byId.mesh, byId.sessions, { id: 'tasks', expanded: false }, byId.approvals, ...initial.filter((s) => !['mesh', 'sessions', 'tasks', 'approvals', 'mcp'].includes(s.id))];
    await waitForSections(pageA, expected);
    assert.equal(await pageA.getByTestId('panel-tasks').locator('.section-body').isHidden(), true, 'a collapsed section hides its body');
    assert.equal(await pageA.getByTestId('panel-mcp').count(), 0, 'a hidden section is not shown');

    // The other dashboard follows live, and both keep the layout across a reload.
    await waitForSections(pageB, expected);
    await visible(pageB.getByTestId('hidden-sections').getByText('Hidden sections (1)'));
    const stored = (await api('GET', '/api/dashboard/state')).body.state.dashboard.layout;
    assert.deepEqual(stored.pinned, ['mesh']);
    assert.deepEqual(stored.collapsed, ['tasks']);
    assert.deepEqual(stored.hidden, ['mcp']);
    await pageB.reload();
    await pageB.locator('[data-testid="connection-status"]', { hasText: /^connected$/ }).waitFor({ timeout: 15_000 });
    await waitForSections(pageB, expected);

    // The overview strip's jump brings the hidden MCP section back, focused, on both dashboards.
    await pageB.getByTestId('overview-mcp').click();
    await visible(pageB.getByTestId('panel-mcp'));
    await pageB.waitForFunction(() => document.activeElement?.getAttribute('data-testid') === 'panel-mcp');
    await visible(pageA.getByTestId('panel-mcp'));
    assert.equal(await pageA.getByTestId('hidden-sections').count(), 0);

    // Expanded again from page B with the keyboard; page A shows it expanded.
    await control(pageB, 'tasks', 'Tasks').focus();
    await pageB.keyboard.press('Enter');
    await pageA.getByTestId('panel-tasks').locator('.section-toggle[aria-expanded="true"]').waitFor();

    // With the mouse: the Widgets header dragged up onto Agent sessions takes its place, on both dashboards.
    const before = await sectionsOf(pageA);
    assert.deepEqual(before.map((s) => s.id).slice(0, 2), ['mesh', 'sessions']);
    await pageA.getByTestId('panel-widgets').locator('.section-header').dragTo(pageA.getByTestId('panel-sessions'));
    const dragged = [before[0], byId.widgets, ...before.slice(1).filter((s) => s.id !== 'widgets')];
    await waitForSections(pageA, dragged);
    await waitForSections(pageB, dragged);
  });

  it('filters the waiting approvals by level, risk, agent, tool and text', async function () {
    const create = async (body) => {
      const { status, body: created } = await api('POST', '/api/approvals', { confidence: 10, ...body });
      assert.equal(status, 201, JSON.stringify(created));
      return created.id;
    };
    const deploy = await create({ title: 'Deploy web to production', agent: 'builder', tool: 'deploy', risk: 'high' });
    const install = await create({ title: 'Install left-pad', agent: 'builder', tool: 'npm', risk: 'low', confidence: 60 });
    const push = await create({ title: 'Force-push main', agent: 'reviewer', tool: 'git', risk: 'medium' });
    const levels = Object.fromEntries((await api('GET', '/api/approvals?status=pending')).body.map((a) => [a.id, a.level]));
    assert.deepEqual([levels[deploy], levels[install], levels[push]], ['full', 'quick', 'full']);

    const panel = pageA.getByTestId('panel-approvals');
    const shownIds = () => panel.locator('.approval-card').evaluateAll((cards) => cards.map((c) => c.dataset.testid.replace(/^approval-/, '')).sort());
    const expectShown = (ids) => eventually(shownIds, [...ids].sort(), 'the approval cards shown');
    await expectShown([deploy, install, push]);

    await panel.getByTestId('approvals-level').selectOption('full');
    await expectShown([deploy, push]);
    await panel.getByTestId('approvals-agent').selectOption('builder');
    await expectShown([deploy]);
    assert.equal((await panel.getByTestId('approvals-filter-count').textContent()).trim(), '1 of 3 waiting approvals shown');
    await panel.getByTestId('approvals-tool').selectOption('npm');
    await expectShown([]);
    await visible(panel.getByTestId('approvals-no-match').getByText('No approvals match these filters'));
    await panel.getByTestId('approvals-no-match').locator('vscode-button').click();
    await expectShown([deploy, install, push]);
    assert.equal(await panel.getByTestId('approvals-level').inputValue(), '');

    await panel.getByTestId('approvals-risk').selectOption('medium');
    await expectShown([push]);
    await panel.getByTestId('approvals-risk').selectOption('');
    await panel.getByTestId('approvals-search').fill('LEFT-PAD');
    await expectShown([install]);
    assert.equal(await panel.getByRole('search', { name: 'Filter waiting approvals' }).getByLabel('Search').inputValue(), 'LEFT-PAD', 'the search is labelled');
    await panel.getByTestId('approvals-search').fill('');
    await expectShown([deploy, install, push]);
  });

  it('filters the agent sessions by status and by agent or folder', async function () {
    const startSession = async (id, folder, events) => {
      const cwd = path.join(dashboard.workspace, folder);
      await fsp.mkdir(cwd, { recursive: true });
      const transcript = path.join(dashboard.tempDir, `${id}.jsonl`);
      await fsp.writeFile(transcript, '');
      for (const event of [{ hook_event_name: 'SessionStart', source: 'startup' }, ...events]) {
        const { status } = await api('POST', '/api/hooks/claude-code', { session_id: id, transcript_path: transcript, cwd, permission_mode: 'default', ...event });
        assert.equal(status, 200);
      }
      return `claude-code:${id}`;
    };
    const shop = await startSession('d1e2f3a4-0000-4000-8000-000000000001', 'shop-api', [{ hook_event_name: 'Stop', stop_hook_active: false }]);
    const billing = await startSession('d1e2f3a4-0000-4000-8000-000000000002', 'billing', [{ hook_event_name: 'SessionEnd', reason: 'other' }]);

    const panel = pageA.getByTestId('panel-sessions');
    const shownIds = () => panel.locator('article.session').evaluateAll((rows) => rows.map((r) => r.dataset.testid.replace(/^session-/, '')).sort());
    const expectShown = (ids) => eventually(shownIds, [...ids].sort(), 'the session rows shown');
    await expectShown([shop, billing]);

    await panel.getByTestId('sessions-status').selectOption('ended');
    await expectShown([billing]);
    await panel.getByTestId('sessions-status').selectOption('');
    await panel.getByTestId('sessions-search').fill('shop');
    await expectShown([shop]);
    await panel.getByTestId('sessions-search').fill('Claude Code');
    await expectShown([shop, billing]);
    await panel.getByTestId('sessions-status').selectOption('ended');
    await panel.getByTestId('sessions-search').fill('shop');
    await expectShown([]);
    await visible(panel.getByTestId('sessions-no-match').getByText('No sessions match these filters'));
    await panel.getByTestId('sessions-no-match').locator('vscode-button').click();
    await expectShown([shop, billing]);
  });

  it('lays the sections out in one, two and three columns (sidebar, panel, wide)', async function () {
    await fsp.mkdir(SCREENSHOTS_DIR, { recursive: true });
    // The screenshots show a collapsed section and the Hidden sections control too.
    await control(pageA, 'tasks', 'Tasks').click();
    await control(pageA, 'widgets', 'Hide Widgets').click();
    await visible(pageA.getByTestId('hidden-sections'));
    const columns = async (page) => page.getByTestId('sections').evaluate((grid) => getComputedStyle(grid).gridTemplateColumns.split(' ').length);
    for (const [width, expected] of [
      [320, 1],
      [800, 2],
      [1440, 3],
    ]) {
      await pageA.setViewportSize({ width, height: 1000 });
      await pageA.evaluate(() => window.scrollTo(0, 0));
      assert.equal(await columns(pageA), expected, `${expected} column(s) at ${width} px`);
      const overflow = await pageA.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      assert.equal(overflow, 0, `nothing wider than the page at ${width} px`);
      await pageA.mouse.move(0, 0);
      await pageA.screenshot({ path: path.join(SCREENSHOTS_DIR, `layout-${width}.png`), fullPage: width !== 320 });
    }
  });
});
