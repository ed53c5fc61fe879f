// Mesh health in a real VS Code (code-server in headless Chromium) against the demo's real agents
// (`node dist/demo/launch.js`: build-server 7801, Planner 7811, Reviewer 7812, Researcher 7813, or
// the same offsets from another base port when another suite runs the demo at the same time):
// the Mesh Health tree and the "Mesh n/m" status bar item show their statuses; stopping Reviewer
// turns it red and raises exactly one notification; starting it again turns it green.
// Run alone: npx mocha --timeout 60000 test/e2e/mesh.e2e.mjs (after node esbuild.mjs).

import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { DEMO_AGENT, productExtensionId, startDemoServices, startProcess, stopProcess, useSession, waitFor } from './harness.mjs';

const MESH_VIEW = 'Mesh Health';
const INTERVAL_SECONDS = 2;
/** Reviewer as launch.js starts it (see demo/launch.ts), so we can bring it back the same way. */
const reviewerArgs = (base) => ['--name', 'Reviewer', '--port', String(base + 12), '--skills', 'code review,risk assessment', '--latency-ms', '120'];

describe('Mesh health in a real VS Code (code-server) with the demo agents', function () {
  this.timeout(90_000);
  let demo;
  let reviewer; // the Reviewer we start ourselves after stopping the launcher's one
  const extensionId = productExtensionId();

  const meshPane = () => session.viewPane(MESH_VIEW);
  const meshRow = (name) => meshPane().locator(`.monaco-list-row[aria-label^="${name}, "]`);
  const meshStatusItem = () => session.page.locator('.part.statusbar .statusbar-item').filter({ hasText: /Mesh \d+\/\d+/ });
  const rowLabel = async (name) => (await meshRow(name).first().getAttribute('aria-label', { timeout: 1000 })) ?? '';

  const waitForRow = (name, status, timeoutMs = 45_000) =>
    session.waitForLabel(meshRow(name), (label) => label.startsWith(`${name}, ${status}`), { timeoutMs, what: `"${name}" to be ${status} in the Mesh Health view` });

  async function waitForStatusBar(text, timeoutMs = 20_000) {
    await waitFor(async () => (await meshStatusItem().first().textContent({ timeout: 1000 }))?.includes(text), { timeoutMs, what: `the status bar to read "${text}"` });
  }

  /** Notifications in the notification center whose text matches. */
  async function notificationCount(pattern) {
    await session.runCommand('Notifications: Show Notifications');
    const items = session.page.locator('.notifications-center .notification-list-item').filter({ hasText: pattern });
    await sleep(300);
    const count = await items.count();
    await session.runCommand('Notifications: Hide Notifications');
    return count;
  }

  before(async function () {
    demo = await startDemoServices();
  });

  const session = useSession();

  before(async function () {
    // Give the workbench the demo mesh as user settings (the demo's agent-mesh.config.json is the
    // headless twin); the reload activates Agent Mesh with it.
    await session.writeUserSettings({
      'agentMesh.mesh.agents': await demo.meshAgents(),
      'agentMesh.mesh.intervalSeconds': INTERVAL_SECONDS,
      'agentMesh.mesh.timeoutMs': 1500,
      'agentMesh.mesh.circuit.cooldownSeconds': 2,
    });
  });

  after(async function () {
    await stopProcess(reviewer);
    await demo?.stop();
  });

  it('shows every demo agent healthy in the Mesh Health view and "Mesh 4/4" in the status bar', async function () {
    await session.openAgentMesh();
    await session.expandView(MESH_VIEW);
    for (const name of ['Planner', 'Reviewer', 'Researcher', 'build-server']) await waitForRow(name, 'healthy');
    assert.match(await rowLabel('Reviewer'), /\d+ ms/, 'the row shows the latency');
    await waitForStatusBar('Mesh 4/4');
  });

  it('turns a stopped agent red and raises one notification', async function () {
    process.kill(await demo.agentPid('Reviewer'), 'SIGTERM');
    await waitForRow('Reviewer', 'unhealthy');
    assert.match(await rowLabel('Reviewer'), /connection refused/);
    await waitForStatusBar('Mesh 3/4');
    const item = meshStatusItem().first();
    assert.match((await item.getAttribute('class')) ?? '', /warning-kind/, 'the status bar item has the warning background');
    const toast = session.page.locator('.notifications-toasts .notification-toast').filter({ hasText: 'Reviewer is down' });
    await toast.first().waitFor({ state: 'visible', timeout: 15_000 });
    await session.screenshot('mesh-health.png');
    // A few more cycles find Reviewer still down; none of them may notify again.
    await sleep(INTERVAL_SECONDS * 3 * 1000);
    assert.equal(await notificationCount('Reviewer is down'), 1);
  });

  it('turns the agent green again when it comes back', async function () {
    reviewer = (await startProcess([DEMO_AGENT, ...reviewerArgs(demo.basePort)], { ready: /listening http:\/\//, what: 'Reviewer' })).child;
    await waitForRow('Reviewer', 'healthy', 60_000);
    await waitForStatusBar('Mesh 4/4');
    assert.doesNotMatch((await meshStatusItem().first().getAttribute('class')) ?? '', /warning-kind/);
    await session.page.locator('.notifications-toasts .notification-toast').filter({ hasText: 'Reviewer recovered' }).first().waitFor({ state: 'visible', timeout: 15_000 });
  });

  it('shows the mesh vitals on the dashboard', async function () {
    await session.runCommand('Agent Mesh: Open Dashboard');
    const summary = session.webview({ extensionId }).locator('[data-testid="mesh-summary"]');
    await waitFor(async () => /^4\/4 healthy/.test((await summary.first().textContent({ timeout: 1000 }))?.trim() ?? ''), {
      timeoutMs: 45_000,
      what: 'the dashboard mesh panel to read "4/4 healthy"',
    });
    const items = session.webview({ extensionId }).locator('[data-testid="mesh-panel"] .vitals-item');
    assert.equal(await items.count(), 4);
    assert.equal(await session.webview({ extensionId }).locator('[data-testid="mesh-panel"] svg.sparkline').count(), 4);
  });
});
