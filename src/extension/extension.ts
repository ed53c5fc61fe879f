import path from 'node:path';
import * as vscode from 'vscode';
import { Engine, ENGINE_VERSION } from './engine/engine';
import { meshOptions } from './engine/mesh/monitor';
import { removeDiscovery, writeDiscovery, type RelayDiscovery } from './engine/hooks/discovery';
import { registerAgentConnectCommands } from './vscode/agentConnect';
import { AlertNotifications } from './vscode/alertNotifications';
import { ApprovalsViews } from './vscode/approvals';
import { registerBuiltInMcpServerSurfaces } from './vscode/approvalsMcpServer';
import { DashboardSurfaces, DASHBOARD_VIEW_ID } from './vscode/dashboardSurfaces';
import { openSignInInBrowser } from './vscode/mcpSignIn';
import { McpViews } from './vscode/mcpViews';
import { languageModelSampler, workspaceFolderRoots } from './vscode/mcpClientHost';
import { MeshViews } from './vscode/meshViews';
import type { RelayEndpoint } from './vscode/dashboardWebview';
import { SettingsService, type SettingsChange } from './vscode/settings';
import { relayToken } from './vscode/token';
import { SessionsViews } from './vscode/sessionsView';
import { TaskProgressFollower } from './vscode/tasksProgress';

/** What other extensions and the in-editor tests can call. */
export interface AgentMeshApi {
  relayUrl(): string;
}

/** The running engine; none while a rebuild failed (the views are then detached and say why). */
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
  const settings = new SettingsService(log);
  context.subscriptions.push(settings);
  // The user profile's mcp.json sits next to the profile's settings.json, two levels above globalStorage/<extension>.
  const userMcpJson = path.join(context.globalStorageUri.fsPath, '..', '..', 'mcp.json');
  const mcpViews = new McpViews(log, settings, context.secrets, userMcpJson);
  context.subscriptions.push(mcpViews);

  const startEngine = (): Promise<Engine> =>
    Engine.start({
      settings: settings.current,
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
        mcpSetting: () => settings.mcpSettingBlocks(),
      },
    });

  try {
    const engine = await startEngine();
    current = { engine, discovery: await announceRelay(engine, token, log) };
  } catch (error) {
    const message = `Agent Mesh could not start its relay: ${(error as Error).message}`;
    log.error(message);
    void vscode.window.showErrorMessage(message, 'Show Logs').then((pick) => pick && log.show());
    throw error;
  }
  /** Why no engine runs (a rebuild failed); undefined while one runs. */
  let stoppedBecause: string | undefined;
  const running = (): Engine => {
    if (!current) throw new Error(`Agent Mesh is not running: ${stoppedBecause ?? 'it was stopped'}`);
    return current.engine;
  };

  const endpoint = async (): Promise<RelayEndpoint> => {
    const engine = running();
    const external = await vscode.env.asExternalUri(vscode.Uri.parse(engine.url));
    // Behind code-server or a port forward the relay is reached under that host's name.
    engine.allowHost(new URL(external.toString(true)).hostname);
    const httpUrl = external.toString(true).replace(/\/$/, '');
    const wsUrl = `${httpUrl.replace(/^http/, 'ws')}/ws`;
    return { httpUrl, wsUrl, token, localWsUrl: `${engine.url.replace(/^http/, 'ws')}/ws` };
  };
  const browserLink = async (): Promise<string> => `${(await endpoint()).httpUrl}/?token=${encodeURIComponent(token)}`;
  const openInBrowser = async () => vscode.env.openExternal(vscode.Uri.parse(await browserLink()));
  const copyDashboardLink = async () => {
    await vscode.env.clipboard.writeText(await browserLink());
    void vscode.window.showInformationMessage('Agent Mesh: dashboard link (with its token) copied. Treat it like a password.');
  };

  const surfaces = new DashboardSurfaces(context.extensionUri, endpoint, () => void openInBrowser());
  context.subscriptions.push(surfaces, vscode.window.registerWebviewViewProvider(DASHBOARD_VIEW_ID, surfaces));

  const meshViews = new MeshViews();
  context.subscriptions.push(meshViews);

  const approvals = new ApprovalsViews(() => vscode.commands.executeCommand('agentMesh.openDashboard'), settings);
  const taskProgress = new TaskProgressFollower(settings);
  const sessionsViews = new SessionsViews();
  const alertNotifications = new AlertNotifications(() => void vscode.commands.executeCommand('agentMesh.openDashboard'));
  const mcpSurfaces = registerBuiltInMcpServerSurfaces(
    { url: () => (current?.engine.listening ? current.engine.url : undefined), token, version: ENGINE_VERSION, fixedPort: () => settings.current['agentMesh.relay.port'] !== 0 },
    log,
  );
  context.subscriptions.push(approvals, taskProgress, sessionsViews, alertNotifications, ...mcpSurfaces.disposables);

  const status = vscode.window.createStatusBarItem('agentMesh.relay', vscode.StatusBarAlignment.Left, 50);
  status.name = 'Agent Mesh Relay';
  status.command = 'agentMesh.openDashboard';
  const showStatus = () => {
    if (!current) {
      status.text = '$(error) Agent Mesh';
      status.backgroundColor = new vscode.ThemeColor('statusBarItem.errorBackground');
      status.tooltip = `Agent Mesh is not running: ${stoppedBecause ?? 'it was stopped'}`;
      status.show();
      return;
    }
    const { engine } = current;
    const condition = engine.condition();
    const degraded = condition.status === 'degraded';
    status.text = degraded ? `$(warning) Agent Mesh` : `$(broadcast) Agent Mesh`;
    status.backgroundColor = degraded ? new vscode.ThemeColor('statusBarItem.warningBackground') : undefined;
    const recovered = condition.recovered.length > 0 ? `\nRecovered at start:\n${condition.recovered.map((r) => `• ${r}`).join('\n')}` : '';
    const where = condition.problems.some((p) => p.startsWith('relay: ')) ? '' : ` on ${engine.url}`;
    status.tooltip = degraded
      ? `Agent Mesh relay${where} — degraded:\n${condition.problems.map((p) => `• ${p}`).join('\n')}${recovered}`
      : `Agent Mesh relay${where} — click to open the dashboard${recovered}`;
    status.show();
  };
  // The status bar turns to a warning while the relay is degraded (as /health says), e.g. Redis unreachable.
  let stopWatchingCondition = (): unknown => undefined;
  context.subscriptions.push(status, { dispose: () => stopWatchingCondition() });

  /** Points every VS Code face at the engine (at activation and after a rebuild), or empties them while none runs. */
  const attachFaces = () => {
    stopWatchingCondition();
    stopWatchingCondition = () => undefined;
    if (current) {
      const { engine } = current;
      mcpViews.attach(engine);
      meshViews.attach(engine);
      approvals.attach(engine.approvals, engine.hookRules);
      taskProgress.attach(engine.tasks);
      sessionsViews.attach(engine);
      alertNotifications.attach(engine.alerts);
      stopWatchingCondition = engine.onConditionChange(() => showStatus());
    } else {
      mcpViews.detachEngine();
      meshViews.detachEngine();
      approvals.detachEngine();
      taskProgress.detachEngine();
      sessionsViews.detachEngine();
      alertNotifications.detachEngine();
    }
    showStatus();
  };
  attachFaces();

  /** Tells whoever holds the relay's address (agent hooks, MCP clients, open dashboards) where it is now. */
  const relayMoved = async () => {
    await withdrawRelay(current?.discovery);
    // A relay that could not take its new address has none to announce; its condition says why.
    if (current?.engine.listening) current.discovery = await announceRelay(current.engine, token, log);
    else if (current) current.discovery = undefined;
    mcpSurfaces.relayMoved();
    showStatus();
    await surfaces.reconnectAll();
  };
  const reportFailure = (what: string, error: unknown) => {
    const message = `Agent Mesh could not ${what}: ${(error as Error).message}`;
    log.error(message);
    void vscode.window.showErrorMessage(message, 'Show Logs', 'Open Settings').then((pick) => {
      if (pick === 'Show Logs') log.show();
      if (pick === 'Open Settings') void vscode.commands.executeCommand('workbench.action.openSettings', 'agentMesh');
    });
  };

  /** Stops the engine if one runs and starts a new one from the settings (workspace trust granted, or a start that failed). */
  async function rebuildEngine(reason: string): Promise<void> {
    log.info(`${reason}; rebuilding the engine`);
    if (current) {
      await withdrawRelay(current.discovery);
      await current.engine.stop();
      current = undefined;
    }
    try {
      const engine = await startEngine();
      current = { engine, discovery: await announceRelay(engine, token, log) };
      stoppedBecause = undefined;
    } catch (error) {
      stoppedBecause = (error as Error).message;
      reportFailure('restart its relay', error);
    }
    attachFaces();
    mcpSurfaces.relayMoved();
    await surfaces.reconnectAll();
  }

  /** Applies a settings change: only what it affects restarts (see engine/config/settingsChange.ts). */
  async function applySettings({ settings: next, effects }: SettingsChange): Promise<void> {
    // No engine runs (a start failed): any change may be the fix, so it starts again.
    if (!current) return effects.size > 0 ? rebuildEngine('settings changed while Agent Mesh was stopped') : undefined;
    const { engine } = current;
    /** Restarts one part in place; a failure is reported and the engine keeps running (its condition says what is wrong). */
    const restart = async (what: string, work: () => Promise<void>) => {
      log.info(`${what} settings changed; restarting the ${what}`);
      await work().catch((error: unknown) => reportFailure(`restart its ${what}`, error));
    };
    if (effects.has('stores')) {
      await restart('stores', () => engine.restartStores(next));
      // The same services hold the new stores' data now: the trees and badges read them again.
      approvals.attach(engine.approvals, engine.hookRules);
      sessionsViews.attach(engine);
      showStatus();
    }
    if (effects.has('metrics')) engine.configureMetrics(next);
    if (effects.has('relay')) {
      await restart('relay', () => engine.restartRelay(next));
      await relayMoved();
    }
    if (effects.has('humanLoop')) engine.configureHumanLoop(next);
    if (effects.has('mesh')) {
      log.info('mesh settings changed; reloading the agent list');
      engine.mesh.configure(meshOptions(next));
    }
    if (effects.has('mcp')) mcpViews.scheduleReload('settings changed');
  }

  // One change at a time: a restart finishes before the next change is looked at.
  let applying = Promise.resolve();
  const enqueue = (work: () => Promise<void>) => {
    applying = applying.then(work, work);
    return applying;
  };

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
    settings.onDidChange((change) => void enqueue(() => applySettings(change))),
    // The workspace's restricted settings and its MCP servers count from now on.
    vscode.workspace.onDidGrantWorkspaceTrust(() =>
      enqueue(async () => {
        settings.reread();
        await rebuildEngine('workspace trusted');
      }),
    ),
  );

  return { relayUrl: () => running().url };
}

export async function deactivate(): Promise<void> {
  await withdrawRelay(current?.discovery);
  await current?.engine.stop();
  current = undefined;
}
