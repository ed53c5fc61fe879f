import path from 'node:path';
import * as vscode from 'vscode';
import type { McpEvent } from '../../shared/mcp';
import type { Engine } from '../engine/engine';
import { MCP_JSON_RELATIVE_PATH } from '../engine/mcp/config';
import type { StoredInputResolver } from '../engine/mcp/storedInputs';
import { registerMcpCommands } from './mcpCommands';
import { McpConfigEditor } from './mcpConfigEditor';
import { secretInputResolver } from './mcpInputs';
import { McpStatus } from './mcpStatus';
import { McpTreeProvider } from './mcpTree';
import type { SettingsService } from './settings';

export const MCP_VIEW_ID = 'agentMesh.mcpServers';
const LOG_SCHEME = 'agent-mesh-mcp-log';
/** Bursts of fleet events (a reload, a restart) redraw the tree once. */
const REDRAW_MS = 100;
const RELOAD_DEBOUNCE_MS = 300;

/**
 * The MCP fleet in VS Code: the tree view, a log document per server, hot reload (file watchers;
 * settings changes come through the settings service) and the token budget warning, with the
 * status bar and diagnostics (mcpStatus.ts), the commands (mcpCommands.ts) and the configuration
 * edits (mcpConfigEditor.ts). `attach` binds it to an engine (again after a rebuild).
 */
export class McpViews implements vscode.Disposable {
  readonly inputResolver: StoredInputResolver;
  private readonly tree = new McpTreeProvider();
  private readonly status = new McpStatus(MCP_VIEW_ID);
  private readonly editor: McpConfigEditor;
  private readonly logChanged = new vscode.EventEmitter<vscode.Uri>();
  private readonly disposables: vscode.Disposable[] = [];
  private engine: Engine | undefined;
  private detach: (() => void) | undefined;
  private redrawTimer: NodeJS.Timeout | undefined;
  private reloadTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly log: vscode.LogOutputChannel,
    private readonly settings: SettingsService,
    secrets: vscode.SecretStorage,
    /** The user profile's mcp.json, watched for changes. */
    userConfigFile: string,
  ) {
    this.inputResolver = secretInputResolver(secrets);
    this.editor = new McpConfigEditor(log, settings, this.inputResolver);
    this.disposables.push(
      this.tree,
      this.status,
      this.logChanged,
      vscode.window.createTreeView(MCP_VIEW_ID, { treeDataProvider: this.tree, showCollapseAll: true }),
      vscode.workspace.registerTextDocumentContentProvider(LOG_SCHEME, { onDidChange: this.logChanged.event, provideTextDocumentContent: (uri) => this.logText(uri) }),
      ...registerMcpCommands({
        viewId: MCP_VIEW_ID,
        fleet: () => this.engine?.mcp,
        editor: this.editor,
        inputResolver: this.inputResolver,
        showServerLogs: (name) => this.showServerLogs(name),
      }),
    );
    const folder = vscode.workspace.workspaceFolders?.[0];
    if (folder) this.watch(new vscode.RelativePattern(folder, MCP_JSON_RELATIVE_PATH), `${MCP_JSON_RELATIVE_PATH} changed`, true);
    this.watch(new vscode.RelativePattern(vscode.Uri.file(path.dirname(userConfigFile)), path.basename(userConfigFile)), 'the user profile\'s mcp.json changed', false);
  }

  private watch(pattern: vscode.RelativePattern, reason: string, migrate: boolean): void {
    const watcher = vscode.workspace.createFileSystemWatcher(pattern);
    const changed = () => {
      if (migrate) void this.editor.migrateMcpJson();
      this.scheduleReload(reason);
    };
    this.disposables.push(watcher, watcher.onDidChange(changed), watcher.onDidCreate(changed), watcher.onDidDelete(changed));
  }

  attach(engine: Engine): void {
    this.detach?.();
    this.engine = engine;
    this.detach = engine.mcp.onEvent((event) => this.onEvent(event));
    this.redraw();
    void this.editor.migrateMcpJson();
  }

  /** Empties the tree, status bar and diagnostics while no engine runs (a restart failed). */
  detachEngine(): void {
    this.detach?.();
    this.detach = undefined;
    this.engine = undefined;
    clearTimeout(this.redrawTimer);
    this.redrawTimer = undefined;
    this.tree.update(undefined, new Set());
    this.status.clear();
  }

  /** Redraws the tree, status bar and diagnostics from the fleet now. */
  refresh(): void {
    clearTimeout(this.redrawTimer);
    this.redraw();
  }

  dispose(): void {
    this.detach?.();
    clearTimeout(this.redrawTimer);
    clearTimeout(this.reloadTimer);
    for (const d of this.disposables) d.dispose();
  }

  private onEvent(event: McpEvent): void {
    if (event.name === 'server') this.logChanged.fire(logUri(event.payload.name));
    if (event.name === 'budget' && event.payload.overBudget) {
      const { label, budget } = event.payload;
      void vscode.window
        .showWarningMessage(`Agent Mesh: MCP tool definitions now take ${label} of context, over your budget of ${budget.toLocaleString('en-US')}.`, 'Show MCP Servers', 'Change Budget')
        .then((pick) => {
          if (pick === 'Show MCP Servers') void vscode.commands.executeCommand(`${MCP_VIEW_ID}.focus`);
          if (pick === 'Change Budget') void vscode.commands.executeCommand('workbench.action.openSettings', 'agentMesh.mcp.tokenBudget');
        });
    }
    if (!this.redrawTimer) this.redrawTimer = setTimeout(() => this.redraw(), REDRAW_MS);
  }

  private redraw(): void {
    this.redrawTimer = undefined;
    const fleet = this.engine?.mcp;
    if (!fleet) return;
    const snapshot = fleet.snapshot();
    const configs = snapshot.servers.map((s) => fleet.config(s.name));
    const devModes = new Map(configs.flatMap((c) => (c.dev ? [[c.name, c.dev] as const] : [])));
    this.tree.update(snapshot, new Set(configs.filter((c) => c.disabled).map((c) => c.name)), devModes);
    this.status.show(snapshot);
  }

  /** Reloads the fleet's configuration soon: bursts of changes (a save, a settings edit) reload once. */
  scheduleReload(reason: string): void {
    clearTimeout(this.reloadTimer);
    this.reloadTimer = setTimeout(() => {
      const engine = this.engine;
      if (!engine) return;
      this.log.info(`MCP: ${reason}; reloading`);
      void engine.reloadMcp(this.settings.current);
    }, RELOAD_DEBOUNCE_MS);
  }

  private logText(uri: vscode.Uri): string {
    const name = decodeURIComponent(uri.path.replace(/^\//, '').replace(/\.log$/, ''));
    try {
      const lines = this.engine?.mcp.logs(name) ?? [];
      if (lines.length === 0) return `No log lines for ${name} yet.\n`;
      return lines.map((l) => `${new Date(l.t).toISOString()} [${l.stream}] ${l.text}`).join('\n') + '\n';
    } catch (error) {
      return `${(error as Error).message}\n`;
    }
  }

  private async showServerLogs(name: string | undefined): Promise<void> {
    if (!name) return;
    const document = await vscode.workspace.openTextDocument(logUri(name));
    await vscode.languages.setTextDocumentLanguage(document, 'log');
    await vscode.window.showTextDocument(document, { preview: true });
  }
}

function logUri(name: string): vscode.Uri {
  return vscode.Uri.from({ scheme: LOG_SCHEME, path: `/${encodeURIComponent(name)}.log` });
}
