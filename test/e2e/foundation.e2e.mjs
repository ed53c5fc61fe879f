// The product's foundation in a real VS Code workbench (code-server in headless Chromium):
// activity-bar container, its views, the dashboard webview connecting to the relay, and the
// "Open Dashboard" command. Run through `node test/e2e/run.mjs`.

import assert from 'node:assert/strict';
import { AGENT_MESH, productExtensionId, useSession } from './harness.mjs';

const TREE_VIEWS = ['MCP Servers', 'Mesh Health', 'Approvals'];
const DASHBOARD_VIEW = 'Dashboard';
const OPEN_DASHBOARD = 'Agent Mesh: Open Dashboard';
const CONNECTION_STATUS = '[data-testid="connection-status"]';

describe('Agent Mesh in a real VS Code (code-server)', function () {
  this.timeout(60_000);
  const session = useSession();
  const extensionId = productExtensionId();

  it('has an "Agent Mesh" container in the activity bar that opens', async function () {
    const item = session.activityBarItem(AGENT_MESH);
    await item.waitFor({ state: 'visible', timeout: 30_000 });
    await session.openAgentMesh();
    assert.equal(await item.count(), 1, 'expected one "Agent Mesh" entry in the activity bar');
    assert.equal(await item.getAttribute('aria-selected'), 'true', 'the "Agent Mesh" entry is not selected');
  });

  it('renders the MCP Servers, Mesh Health and Approvals tree views and the Dashboard view', async function () {
    await session.openAgentMesh();
    for (const name of [...TREE_VIEWS, DASHBOARD_VIEW]) {
      const header = session.viewPaneHeader(name);
      await header.waitFor({ state: 'visible', timeout: 15_000 });
      assert.equal(await header.count(), 1, `expected one "${name}" view in the side bar`);
    }
  });

  it('shows "connected" in the Dashboard view once its WebSocket to the relay is open', async function () {
    await session.openAgentMesh();
    await session.expandView(DASHBOARD_VIEW);
    const status = session.webview({ extensionId, purpose: 'webviewView' }).locator(CONNECTION_STATUS);
    await session.waitForText(status, 'connected', { timeoutMs: 45_000, what: 'the Dashboard view connection status' });
    await session.screenshot('vscode-agent-mesh.png');
  });

  it('lists "Agent Mesh: Open Dashboard" in the command palette', async function () {
    const row = await session.findCommandInPalette(OPEN_DASHBOARD);
    assert.match((await row.getAttribute('aria-label')) ?? '', new RegExp(`^${OPEN_DASHBOARD}`));
    await session.closeQuickInput();
  });

  it('opens the dashboard in an editor panel that connects to the relay', async function () {
    await session.runCommand(OPEN_DASHBOARD);
    const activeTab = session.page.locator('.part.editor .tabs-container .tab.active');
    await activeTab.waitFor({ state: 'visible', timeout: 15_000 });
    // Editor panels are the webviews without a `purpose`; the view's iframe carries purpose=webviewView.
    const status = session.webview({ extensionId }).locator(CONNECTION_STATUS);
    await session.waitForText(status, 'connected', { timeoutMs: 45_000, what: 'the dashboard panel connection status' });
    await session.screenshot('dashboard-panel.png');
  });
});
