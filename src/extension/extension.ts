import path from 'node:path';
import * as vscode from 'vscode';
import { Engine, ENGINE_VERSION } from './engine/engine';
import { removeDiscovery, writeDiscovery, type RelayDiscovery } from './engine/hooks/discovery';
import { registerAgentConnectCommands } from './vscode/agentConnect';
import { AlertNotifications } from './vscode/alertNotifications';
import { ApprovalsFace } from './vscode/approvals';
import { registerBuiltInMcpServerSurfaces } from './vscode/approvalsMcpServer';
import { DashboardSurfaces, DASHBOARD_VIEW_ID } from './vscode/dashboardSurfaces';
import { openSignInInBrowser } from './vscode/mcpSignIn';
import { mcpSettingBlocks, McpViews } from './vscode/mcpViews';
import { languageModelSampler, workspaceFolderRoots } from './vscode/mcpClientHost';
import { MeshViews } from './vscode/meshViews';
import type { RelayEndpoint } from './vscode/dashboardWebview';
import { readSettings } from './vscode/settings';
import { relayToken } from './vscode/token';
import { SessionsFace } from './vscode/sessionsView';
import { TaskProgressFollower } from './vscode/tasksProgress';

/** What other extensions and the in-editor tests can call. */
export interface AgentMeshApi {
  relayUrl(): string;
}

let current: { engine: Engine; discovery?: RelayDiscovery } | undefined;

/** Lets `agent-mesh hook` find this relay, as `agent-mesh serve` does; a relay that cannot write it still serves. */
async function announceRelay(engine: Engine, token: string, log: vscode.LogOutputChannel): Promise<RelayDiscovery | undefined> {
  const workspace = vscode.workspace.workspaceFolders?.[0]?.uri;
  if (workspace?.scheme !== 'file') return undefined;
  const discovery = { url: engine.url, token, workspace: workspace.fsPath, pid: process.pid };
  try {
    await writeDiscovery(discovery);
    return discovery;
  } catch (error) {
    log.warn(`could not write the relay discovery file for agent hooks: ${(error as Error).message}`);
    return undefined;
  }
}

async function withdrawRelay(discovery: RelayDiscovery | undefined): Promise<void> {
  if (discovery) await removeDiscovery(discovery).catch(() => undefined);
}

export async function activate(context: vscode.ExtensionContext): Promise<AgentMeshApi> {
  const log = vscode.window.createOutputChannel('Agent Mesh', { log: true });
  context.subscriptions.push(log);
  const token = await relayToken(context.secrets);
  // The user profile's mcp.json sits next to the profile's settings.json, two levels above globalStorage/<extension>.
  const userMcpJson = path.join(context.globalStorageUri.fsPath, '..', '..', 'mcp.json');
  const mcpViews = new McpViews(log, context.secrets, userMcpJson);
  context.subscriptions.push(mcpViews);

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
      mcp: {
        trusted: vscode.workspace.isTrusted,
        inputResolver: mcpViews.inputResolver,
        secrets: context.secrets,
        openBrowser: openSignInInBrowser(log),
        sampler: languageModelSampler(),
        roots: workspaceFolderRoots(),
        userConfigFile: userMcpJson,
        mcpSetting: mcpSettingBlocks,
      },
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
  current = { engine, discovery: await announceRelay(engine, token, log) };

  const endpoint = async (): Promise<RelayEndpoint> => {
    const external = await vscode.env.asExternalUri(vscode.Uri.parse(current!.engine.url));
    // Behind code-server or a port forward the relay is reached under that host's name.
    current!.engine.allowHost(new URL(external.toString(true)).hostname);
    const httpUrl = external.toString(true).replace(/\/$/, '');
    const wsUrl = `${httpUrl.replace(/^http/, 'ws')}/ws`;
    return { httpUrl, wsUrl, token, localWsUrl: `${current!.engine.url.replace(/^http/, 'ws')}/ws` };
  };
  const browserLink = async (): Promise<string> => `${(await endpoint()).httpUrl}/?token=${encodeURIComponent(token)}`;
  const openInBrowser = async () => vscode.env.openExternal(vscode.Uri.parse(await browserLink()));
  const copyDashboardLink = async () => {
    await vscode.env.clipboard.writeText(await browserLink());
    void vscode.window.showInformationMessage('Agent Mesh: dashboard link (with its token) copied. Treat it like a password.');
  };

  const surfaces = new DashboardSurfaces(context.extensionUri, endpoint, () => void openInBrowser());
  context.subscriptions.push(surfaces, vscode.window.registerWebviewViewProvider(DASHBOARD_VIEW_ID, surfaces));

  const meshViews = new MeshViews(log);
  context.subscriptions.push(meshViews);

  const approvals = new ApprovalsFace(() => vscode.commands.executeCommand('agentMesh.openDashboard'));
  const taskProgress = new TaskProgressFollower();
  const sessionsFace = new SessionsFace();
  const alertNotifications = new AlertNotifications(() => void vscode.commands.executeCommand('agentMesh.openDashboard'));
  const mcpSurfaces = registerBuiltInMcpServerSurfaces({ url: () => current!.engine.url, token, version: ENGINE_VERSION }, log);
  context.subscriptions.push(approvals, taskProgress, sessionsFace, alertNotifications, ...mcpSurfaces.disposables);

  const status = vscode.window.createStatusBarItem('agentMesh.relay', vscode.StatusBarAlignment.Left, 50);
  status.name = 'Agent Mesh Relay';
  status.command = 'agentMesh.openDashboard';
  const showStatus = () => {
    const condition = current!.engine.condition();
    const degraded = condition.status === 'degraded';
    status.text = degraded ? `$(warning) Agent Mesh` : `$(broadcast) Agent Mesh`;
    status.backgroundColor = degraded ? new vscode.ThemeColor('statusBarItem.warningBackground') : undefined;
    const recovered = condition.recovered.length > 0 ? `\nRecovered at start:\n${condition.recovered.map((r) => `• ${r}`).join('\n')}` : '';
    status.tooltip = degraded
      ? `Agent Mesh relay on ${current!.engine.url} — degraded:\n${condition.problems.map((p) => `• ${p}`).join('\n')}${recovered}`
      : `Agent Mesh relay on ${current!.engine.url} — click to open the dashboard${recovered}`;
    status.show();
  };
  // The status bar turns to a warning while the relay is degraded (as /health says), e.g. Redis unreachable.
  let stopWatchingCondition = (): unknown => undefined;
  const watchCondition = (target: Engine) => {
    stopWatchingCondition();
    stopWatchingCondition = target.onConditionChange(() => showStatus());
  };
  context.subscriptions.push(status, { dispose: () => stopWatchingCondition() });

  /** Points every VS Code face at an engine: at activation, and again after the relay restarted. */
  const attachFaces = (target: Engine) => {
    mcpViews.attach(target);
    meshViews.attach(target);
    approvals.attach(target.approvals, target.hookRules);
    taskProgress.attach(target.tasks);
    sessionsFace.attach(target);
    alertNotifications.attach(target.alerts);
    mcpSurfaces.relayMoved();
    watchCondition(target);
    showStatus();
  };
  attachFaces(engine);

  context.subscriptions.push(
    vscode.commands.registerCommand('agentMesh.openDashboard', () => surfaces.showPanel()),
    vscode.commands.registerCommand('agentMesh.refresh', () => {
      mcpViews.refresh();
      approvals.refresh();
    }),
    vscode.commands.registerCommand('agentMesh.showLogs', () => log.show()),
    vscode.commands.registerCommand('agentMesh.copyRelayUrl', copyDashboardLink),
    vscode.commands.registerCommand('agentMesh.copyDashboardLink', copyDashboardLink),
    vscode.commands.registerCommand('agentMesh.openInBrowser', openInBrowser),
    ...registerAgentConnectCommands(),
    vscode.workspace.onDidChangeConfiguration((event) => {
      if (['agentMesh.approvals', 'agentMesh.tasks', 'agentMesh.hooks', 'agentMesh.costs', 'agentMesh.history'].some((section) => event.affectsConfiguration(section))) current!.engine.configureHumanLoop(readSettings().settings);
    }),
    vscode.workspace.onDidChangeConfiguration(async (event) => {
      if (event.affectsConfiguration('agentMesh.relay') || event.affectsConfiguration('agentMesh.state')) await restartRelay('relay or state settings changed');
    }),
    // The workspace's restricted settings and its MCP servers count from now on.
    vscode.workspace.onDidGrantWorkspaceTrust(() => restartRelay('workspace trusted')),
  );

  async function restartRelay(reason: string): Promise<void> {
    log.info(`${reason}; restarting the relay`);
    await withdrawRelay(current!.discovery);
    await current!.engine.stop();
    try {
      const next = await startEngine();
      current = { engine: next, discovery: await announceRelay(next, token, log) };
    } catch (error) {
      void vscode.window.showErrorMessage(`Agent Mesh could not restart its relay: ${(error as Error).message}`);
      return;
    }
    attachFaces(current.engine);
    await surfaces.reconnectAll();
  }

  return { relayUrl: () => current!.engine.url };
}

export async function deactivate(): Promise<void> {
  await withdrawRelay(current?.discovery);
  await current?.engine.stop();
  current = undefined;
}
