// The dashboard's overview strip in a real browser: headless Chromium on `agent-mesh serve` (dist/cli.js)
// fed by Claude Code hook events, an approval the policy asks for and the MCP progress fixture; each
// figure is checked against the REST answer, and each item jumps to its section. Also the favicon.
// Run alone: npx mocha --timeout 60000 test/e2e/overview.e2e.mjs (after node esbuild.mjs).

import assert from 'node:assert/strict';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { useDashboardPage, visible } from './dashboardPage.mjs';
import { ROOT, SCREENSHOTS_DIR, waitFor } from './harness.mjs';

const FIXTURE = path.join(ROOT, 'test', 'fixtures', 'mcp', 'progress-server.mjs');
const MODEL = 'claude-sonnet-4-5';

describe('dashboard overview strip in a browser (agent-mesh serve + headless Chromium)', function () {
  this.timeout(60_000);
  const dashboard = useDashboardPage({ prefix: 'overview', viewport: { width: 1280, height: 900 } });
  const { api } = dashboard;
  let page;
  let strip;

  const hook = (sessionId, transcriptPath, event) =>
    api('POST', '/api/hooks/claude-code', { session_id: sessionId, transcript_path: transcriptPath, cwd: dashboard.workspace, permission_mode: 'default', ...event });
  const text = async (testId) => (await strip.getByTestId(testId).textContent()).replace(/\s+/g, ' ').trim();
  const waitForText = async (testId, expected) => {
    await strip.getByTestId(testId).filter({ hasText: expected }).waitFor({ state: 'visible' });
    assert.equal(await text(testId), expected);
  };

  before(async function () {
    ({ page } = dashboard);
    strip = page.getByTestId('overview');
    await fsp.mkdir(path.join(dashboard.workspace, '.vscode'));
    const counter = { type: 'stdio', command: process.execPath, args: [FIXTURE], env: { STEP_MS: '100' } };
    await fsp.writeFile(path.join(dashboard.workspace, '.vscode', 'mcp.json'), JSON.stringify({ servers: { counter } }));
    await visible(page.getByTestId('panel-mcp').getByTestId('mcp-server-counter'));
  });

  it('counts sessions, approvals by level, MCP, mesh and today’s cost as the REST API does, and jumps to each section', async function () {
    // A session that read a file and is still going, with a priced transcript; one whose shell command waits for a person.
    const runningId = 'c1d2e3f4-0000-4000-8000-000000000001';
    const runningPath = path.join(dashboard.tempDir, `${runningId}.jsonl`);
    const usage = { input_tokens: 12_000, output_tokens: 800, cache_read_input_tokens: 30_000, cache_creation_input_tokens: 4000 };
    const reply = { sessionId: runningId, cwd: dashboard.workspace, type: 'assistant', timestamp: new Date().toISOString(), message: { id: 'msg_1', type: 'message', role: 'assistant', model: MODEL, content: [{ type: 'text', text: 'Reading.' }], usage } };
    await fsp.writeFile(runningPath, `${JSON.stringify(reply)}\n`);
    await hook(runningId, runningPath, { hook_event_name: 'SessionStart', source: 'startup' });
    await hook(runningId, runningPath, { hook_event_name: 'PreToolUse', tool_name: 'Read', tool_input: { file_path: `${dashboard.workspace}/README.md` }, tool_use_id: 'toolu_r' });
    const waitingId = 'c1d2e3f4-0000-4000-8000-000000000002';
    const waitingPath = path.join(dashboard.tempDir, `${waitingId}.jsonl`);
    await fsp.writeFile(waitingPath, '');
    await hook(waitingId, waitingPath, { hook_event_name: 'SessionStart', source: 'startup' });
    const publish = hook(waitingId, waitingPath, { hook_event_name: 'PreToolUse', tool_name: 'Bash', tool_input: { command: 'npm publish' }, tool_use_id: 'toolu_p' });
    await visible(page.getByTestId('panel-sessions').getByText('· 1 waiting for you'));

    const sessions = (await api('GET', '/api/sessions')).body;
    const count = (status) => sessions.filter((s) => s.status === status).length;
    assert.equal(count('waiting'), 1);
    await waitForText('overview-sessions', `Agents ${count('running')} running · ${count('waiting')} waiting`);

    const pending = (await api('GET', '/api/approvals?status=pending')).body;
    assert.equal(pending.length, 1);
    const byLevel = (level) => pending.filter((a) => a.level === level).length;
    await waitForText('overview-approvals', ['Approvals', `${pending.length} pending`, ...['full', 'quick', 'auto'].filter((l) => byLevel(l) > 0).map((l) => `${byLevel(l)} ${l}`)].join(' · ').replace(' · ', ' '));

    // The fixture starts when mcp.json appears; on a loaded machine its row can show before it has connected.
    const servers = await waitFor(async () => {
      const listed = (await api('GET', '/api/mcp/servers')).body;
      return listed.some((s) => s.status === 'connected') ? listed : undefined;
    }, { timeoutMs: 30_000, what: 'the counter fixture connected' });
    const connected = servers.filter((s) => s.status === 'connected').length;
    assert.equal(connected, 1, 'the counter fixture is connected');
    const tokenLabel = (await page.getByTestId('mcp-summary').textContent()).match(/tool definitions (.+?tokens)/)[1];
    await waitForText('overview-mcp', `MCP ${connected}/${servers.length} connected · ${tokenLabel}`);

    const agents = (await api('GET', '/api/mesh/agents')).body;
    await waitForText('overview-mesh', agents.length === 0 ? 'Mesh no agents configured' : `Mesh ${agents.filter((a) => a.status === 'healthy').length}/${agents.length} healthy`);

    const costs = (await api('GET', '/api/costs')).body;
    const today = costs.byDay.find((d) => d.key === new Date().toISOString().slice(0, 10));
    assert.ok(today && today.costUsd > 0, `today is priced: ${JSON.stringify(costs.byDay)}`);
    const usd = `${today.approximate ? '≈' : ''}$${today.costUsd.toFixed(today.costUsd < 0.01 ? 4 : 2)}`;
    assert.equal(costs.budgets.length, 0, 'no budget configured');
    await waitForText('overview-cost', `Cost today ${usd} · no day budget`);

    // Each item is a button that scrolls to its section and moves the focus there, by mouse and by keyboard.
    await strip.getByTestId('overview-mesh').click();
    assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('data-testid')), 'panel-mesh');
    await strip.getByTestId('overview-approvals').focus();
    await page.keyboard.press('Enter');
    assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('data-testid')), 'panel-approvals');
    assert.match(await strip.getByTestId('overview-approvals').getAttribute('aria-label'), /^Approvals: 1 pending.*Go to the approvals section$/);

    await page.evaluate(() => window.scrollTo(0, 0));
    await page.mouse.move(0, 0);
    await fsp.mkdir(SCREENSHOTS_DIR, { recursive: true });
    await page.screenshot({ path: path.join(SCREENSHOTS_DIR, 'overview-wide.png') });
    await page.setViewportSize({ width: 350, height: 700 });
    const items = await strip.locator('button').evaluateAll((buttons) => buttons.map((b) => b.getBoundingClientRect().right));
    assert.ok(items.every((right) => right <= 350), `the strip wraps inside a 350 px sidebar: ${items}`);
    await page.screenshot({ path: path.join(SCREENSHOTS_DIR, 'overview-sidebar.png') });

    await api('POST', `/api/approvals/${pending[0].id}/decision`, { decision: 'reject', comment: 'not from a test', by: 'e2e' });
    await publish;
    await waitForText('overview-approvals', 'Approvals none pending');
  });

  it('serves an SVG favicon the page links to', async function () {
    const href = await page.locator('link[rel="icon"]').getAttribute('href');
    const response = await page.request.get(new URL(href, page.url()).href);
    assert.equal(response.status(), 200);
    assert.match(response.headers()['content-type'], /^image\/svg\+xml/);
    assert.match(await response.text(), /^<svg /);
  });
});
