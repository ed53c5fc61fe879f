// The browser dashboard fed by the demo (its services, its MCP servers and mesh, its agents driving a
// real `agent-mesh serve`), in headless Chromium: an axe-core pass in the light, dark and high-contrast
// themes that fails on any serious or critical violation, the theme switch remembered across a reload,
// a visible focus ring, and screenshots of the whole page and of each section at sidebar, panel and
// wide widths per theme into test-results/screenshots/<theme>/<width>/; then a list of 300 tasks,
// windowed, with the keyboard focus kept in a card scrolled out of view.
// Run alone: npx mocha --timeout 180000 test/e2e/a11y-screenshots.e2e.mjs (after node esbuild.mjs).

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { AxeBuilder } from '@axe-core/playwright';
import { useDashboardPage, visible } from './dashboardPage.mjs';
import { ROOT, SCREENSHOTS_DIR, startDemoServices, stopProcess, waitFor } from './harness.mjs';

const THEMES = ['light', 'dark', 'high-contrast'];
const WIDTHS = { sidebar: 320, panel: 800, wide: 1440 };
const DEMO_AGENTS = path.join(ROOT, 'dist', 'demo', 'demo-agents.js');
const BLOCKING = new Set(['serious', 'critical']);

describe('dashboard look in a browser: axe-core and screenshots per theme and width (agent-mesh serve fed by the demo)', function () {
  this.timeout(240_000);
  let demo;
  let agents;
  const agentsOutput = [];

  before(async function () {
    demo = await startDemoServices();
  });

  const dashboard = useDashboardPage({
    prefix: 'look',
    viewport: { width: WIDTHS.wide, height: 900 },
    // The demo workspace's MCP servers and mesh, moved to the ports the demo services got.
    async prepare(workspace) {
      await fsp.writeFile(path.join(workspace, 'agent-mesh.config.json'), JSON.stringify({ 'agentMesh.mesh.agents': await demo.meshAgents() }));
      const notes = { type: 'stdio', command: process.execPath, args: [path.join(ROOT, 'dist', 'demo', 'notes-server.js')], env: { DEMO_DATA_DIR: path.join(workspace, '.data') } };
      const build = { type: 'http', url: `http://127.0.0.1:${demo.basePort + 1}/mcp` };
      await fsp.mkdir(path.join(workspace, '.vscode'));
      await fsp.writeFile(path.join(workspace, '.vscode', 'mcp.json'), JSON.stringify({ servers: { notes, build } }));
    },
  });

  before(async function () {
    agents = spawn(process.execPath, [DEMO_AGENTS, '--workspace', dashboard.workspace], {
      cwd: ROOT,
      env: { ...process.env, AGENT_MESH_URL: dashboard.serve.url, AGENT_MESH_TOKEN: dashboard.token, DEMO_INTERVAL_MS: '2000', DEMO_BASE_PORT: String(demo.basePort) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    agents.stderr.on('data', (chunk) => agentsOutput.push(String(chunk)));
    const list = async (route) => (await dashboard.api('GET', route)).body;
    await waitFor(
      async () => {
        const [approvals, tasks, sessions, widgets] = await Promise.all(['/api/approvals?status=pending', '/api/tasks', '/api/sessions', '/api/widgets'].map(list));
        return approvals.length > 0 && tasks.length > 0 && sessions.length > 0 && widgets.length > 0;
      },
      { timeoutMs: 90_000, what: `the demo agents' approvals, tasks, sessions and widgets\n${agentsOutput.join('')}` },
    );
    const { page } = dashboard;
    await visible(page.getByTestId('panel-approvals').locator('[data-testid^="approval-"]').first());
    await visible(page.getByTestId('panel-tasks').locator('[data-testid^="task-"]').first());
  });

  after(async function () {
    await stopProcess(agents);
    await demo?.stop();
  });

  for (const theme of THEMES) {
    it(`has no serious or critical axe-core violation in the ${theme} theme, and is photographed at each width`, async function () {
      const { page } = dashboard;
      await page.setViewportSize({ width: WIDTHS.wide, height: 900 });
      await page.getByTestId('theme-switch').selectOption(theme);
      assert.equal(await page.locator('html').getAttribute('data-am-theme'), theme);

      const results = await new AxeBuilder({ page }).analyze();
      const blocking = results.violations.filter((v) => BLOCKING.has(v.impact));
      assert.deepEqual(
        blocking.map((v) => `${v.impact} ${v.id}: ${v.help} — ${v.nodes.slice(0, 10).map((n) => n.target.join(' ')).join(' | ')}`),
        [],
        `axe-core in the ${theme} theme`,
      );

      for (const [name, width] of Object.entries(WIDTHS)) {
        const dir = path.join(SCREENSHOTS_DIR, theme, `${width}-${name}`);
        await fsp.mkdir(dir, { recursive: true });
        await page.setViewportSize({ width, height: 900 });
        await page.evaluate(() => window.scrollTo(0, 0));
        await page.mouse.move(0, 0);
        await page.screenshot({ path: path.join(dir, 'dashboard.png'), fullPage: true });
        await page.locator('.dashboard-header').screenshot({ path: path.join(dir, 'header.png') });
        await page.getByTestId('overview').screenshot({ path: path.join(dir, 'overview.png') });
        // Every section, whoever added it: panels are found by their test id, not by a list kept here.
        for (const section of await page.locator('[data-testid^="panel-"]').all()) {
          const id = await section.getAttribute('data-testid');
          await section.screenshot({ path: path.join(dir, `${id}.png`) });
        }
      }
    });
  }

  it('remembers the chosen theme across a reload and shows the keyboard focus in the theme’s focus colour', async function () {
    const { page } = dashboard;
    await page.setViewportSize({ width: WIDTHS.wide, height: 900 });
    await page.getByTestId('theme-switch').selectOption('light');
    await page.reload();
    await page.locator('[data-testid="connection-status"]', { hasText: /^connected$/ }).waitFor();
    assert.equal(await page.locator('html').getAttribute('data-am-theme'), 'light');
    assert.equal(await page.getByTestId('theme-switch').inputValue(), 'light');

    await page.locator('body').focus();
    await page.keyboard.press('Tab');
    const focused = await page.evaluate(() => {
      const element = document.activeElement;
      const style = getComputedStyle(element);
      const probe = document.createElement('span');
      probe.style.color = 'var(--vscode-focusBorder)';
      document.body.append(probe);
      const focusColour = getComputedStyle(probe).color;
      probe.remove();
      return { testId: element.getAttribute('data-testid'), outlineStyle: style.outlineStyle, outlineColor: style.outlineColor, focusColour };
    });
    assert.equal(focused.testId, 'theme-switch', 'the first control in the tab order is the theme switch');
    assert.notEqual(focused.outlineStyle, 'none');
    assert.equal(focused.outlineColor, focused.focusColour);
  });

  it('follows the system on auto (colour scheme, more contrast, forced colours), and with reduced motion nothing animates', async function () {
    const { page } = dashboard;
    await page.getByTestId('theme-switch').selectOption('auto');
    // The page hears of a media change in a `change` event, a moment after the emulation.
    const expectTheme = async (media, theme) => {
      await page.emulateMedia(media);
      await page.waitForFunction((expected) => document.documentElement.dataset.amTheme === expected, theme, { timeout: 5000 }).catch(() => {});
      assert.equal(await page.locator('html').getAttribute('data-am-theme'), theme, JSON.stringify(media));
    };
    await expectTheme({ colorScheme: 'light', contrast: 'no-preference', forcedColors: 'none' }, 'light');
    await expectTheme({ colorScheme: 'dark' }, 'dark');
    await expectTheme({ contrast: 'more' }, 'high-contrast');
    await expectTheme({ contrast: 'no-preference', forcedColors: 'active' }, 'high-contrast');
    await expectTheme({ forcedColors: 'none' }, 'dark');

    // An element that moves and the toolkit's spinning ring, with and without reduced motion.
    const motion = () =>
      page.evaluate(() => {
        const moving = document.createElement('div');
        moving.style.transition = 'opacity 1s';
        moving.style.animation = 'none-such 1s infinite';
        const ring = document.createElement('vscode-progress-ring');
        document.body.append(moving, ring);
        const style = getComputedStyle(moving);
        const result = { transition: style.transitionDuration, animation: style.animationName, ringHidden: getComputedStyle(ring).display === 'none' };
        moving.remove();
        ring.remove();
        return result;
      });
    await page.emulateMedia({ reducedMotion: 'no-preference' });
    assert.deepEqual(await motion(), { transition: '1s', animation: 'none-such', ringHidden: false });
    await page.emulateMedia({ reducedMotion: 'reduce' });
    assert.deepEqual(await motion(), { transition: '0s', animation: 'none', ringHidden: true });
    await page.emulateMedia({ reducedMotion: 'no-preference', colorScheme: 'light' });
  });

  it('windows a list of 300 tasks: few cards in the DOM, each with its place in the whole list, the focused one kept when scrolled away', async function () {
    const { page, api } = dashboard;
    await page.setViewportSize({ width: WIDTHS.panel, height: 900 });
    for (let i = 0; i < 300; i++) {
      const created = await api('POST', '/api/tasks', { title: `Bulk task ${i}`, agent: `bulk-agent-${i}`, steps: [{ name: 'only' }] });
      assert.equal(created.status, 201, JSON.stringify(created.body));
    }
    const total = (await api('GET', '/api/tasks')).body.length;
    const list = page.getByTestId('panel-tasks').getByRole('list', { name: `Tasks (${total})` });
    await visible(list);
    const cards = list.locator('[role="listitem"]');
    const rendered = await cards.count();
    assert.ok(rendered > 0 && rendered < 40, `only the cards in view are rendered: ${rendered} of ${total}`);
    assert.equal(await cards.first().getAttribute('aria-setsize'), String(total));
    assert.equal(await cards.first().getAttribute('aria-posinset'), '1');

    // Focus the first card's Cancel button from the keyboard's side, scroll the list to its end: the focus stays put.
    const cancel = cards.first().getByRole('button', { name: /^Cancel the task/ });
    await cancel.focus();
    const focusedTitle = await page.evaluate(() => document.activeElement?.getAttribute('title'));
    await list.evaluate((element) => (element.scrollTop = element.scrollHeight));
    await visible(list.locator(`[aria-posinset="${total}"]`));
    assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('title')), focusedTitle);
    assert.ok(focusedTitle?.startsWith('Cancel the task'), focusedTitle);
  });
});
