import * as vscode from 'vscode';
import { Engine } from './engine/engine';
import { DashboardSurfaces, DASHBOARD_VIEW_ID } from './vscode/dashboardSurfaces';
import type { RelayEndpoint } from './vscode/dashboardWebview';
import { readSettings } from './vscode/settings';
import { relayToken } from './vscode/token';

/** What other extensions and the in-editor tests can call. */
export interface AgentMeshApi {
  relayUrl(): string;
}

let current: { engine: Engine } | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<AgentMeshApi> {
  const log = vscode.window.createOutputChannel('Agent Mesh', { log: true });
  context.subscriptions.push(log);
  const token = await relayToken(context.secrets);

  const startEngine = async (): Promise<Engine> => {
    const { settings, issues } = readSettings();
    for (const issue of issues) {
      log.warn(`setting ${issue.key} is invalid (${issue.message}); using its default`);
      void vscode.window.showWarningMessage(`Agent Mesh: setting ${issue.key} is invalid (${issue.message}); using its default.`);
    }
    return Engine.start({
      settings,
      token,
      dataDir: context.globalStorageUri.fsPath,
      extensionRoot: context.extensionUri.fsPath,
      workspaceDir: vscode.workspace.workspaceFolders?.[0]?.uri.fsPath,
      logger: log,
    });
  };

  let engine: Engine;
  try {
    engine = await startEngine();
  } catch (error) {
    const message = `Agent Mesh could not start its relay: ${(error as Error).message}`;
    log.error(message);
    void vscode.window.showErrorMessage(message, 'Show Logs').then((pick) => pick && log.show());
    throw error;
  }
  current = { engine };

  const endpoint = async (): Promise<RelayEndpoint> => {
    const external = await vscode.env.asExternalUri(vscode.Uri.parse(current!.engine.url));
    const httpUrl = external.toString(true).replace(/\/$/, '');
    const wsUrl = `${httpUrl.replace(/^http/, 'ws')}/ws`;
    return { httpUrl, wsUrl, token };
  };
  const browserLink = async (): Promise<string> => `${(await endpoint()).httpUrl}/?token=${encodeURIComponent(token)}`;

  const surfaces = new DashboardSurfaces(context.extensionUri, endpoint, () => void browserLink().then((link) => vscode.env.openExternal(vscode.Uri.parse(link))));
  context.subscriptions.push(surfaces, vscode.window.registerWebviewViewProvider(DASHBOARD_VIEW_ID, surfaces));

  const treeRefresh = new vscode.EventEmitter<void>();
  context.subscriptions.push(treeRefresh);
  for (const viewId of ['agentMesh.mcpServers', 'agentMesh.meshHealth', 'agentMesh.approvals']) {
    // Filled by the MCP, mesh and approvals capabilities; until then their welcome content explains them.
    const provider: vscode.TreeDataProvider<never> = { onDidChangeTreeData: treeRefresh.event, getTreeItem: (e) => e, getChildren: () => [] };
    context.subscriptions.push(vscode.window.createTreeView(viewId, { treeDataProvider: provider }));
  }

  const status = vscode.window.createStatusBarItem('agentMesh.relay', vscode.StatusBarAlignment.Left, 50);
  status.name = 'Agent Mesh Relay';
  status.command = 'agentMesh.openDashboard';
  const showStatus = () => {
    status.text = `$(broadcast) Agent Mesh`;
    status.tooltip = `Agent Mesh relay on ${current!.engine.url} — click to open the dashboard`;
    status.show();
  };
  showStatus();
  context.subscriptions.push(status);

  context.subscriptions.push(
    vscode.commands.registerCommand('agentMesh.openDashboard', () => surfaces.showPanel()),
    vscode.commands.registerCommand('agentMesh.refresh', () => treeRefresh.fire()),
    vscode.commands.registerCommand('agentMesh.showLogs', () => log.show()),
    vscode.commands.registerCommand('agentMesh.copyRelayUrl', async () => {
      await vscode.env.clipboard.writeText(await browserLink());
      void vscode.window.showInformationMessage('Agent Mesh: dashboard link (with its token) copied. Treat it like a password.');
    }),
    vscode.workspace.onDidChangeConfiguration(async (event) => {
      if (!event.affectsConfiguration('agentMesh.relay')) return;
      log.info('relay settings changed; restarting the relay');
      await current!.engine.stop();
      try {
        current = { engine: await startEngine() };
      } catch (error) {
        void vscode.window.showErrorMessage(`Agent Mesh could not restart its relay: ${(error as Error).message}`);
        return;
      }
      showStatus();
      await surfaces.reconnectAll();
    }),
  );

  return { relayUrl: () => current!.engine.url };
}

export async function deactivate(): Promise<void> {
  await current?.engine.stop();
  current = undefined;
}
