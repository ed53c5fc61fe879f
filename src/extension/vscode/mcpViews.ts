import path from 'node:path';
import * as vscode from 'vscode';
import type { McpConfigProblem, McpConnectionMode, McpEvent, McpSnapshot, McpTransportKind } from '../../shared/mcp';
import type { Engine } from '../engine/engine';
import { convertMcpServersFile, migrateLegacyOptions, MCP_JSON_RELATIVE_PATH, SERVER_OPTIONS_KEY, type McpServerOptions } from '../engine/mcp/config';
import { child, parseJsonc, nodeValue, setProperty } from '../engine/mcp/jsonc';
import { serverTarget, type StoredInputResolver } from '../engine/mcp/storedInputs';
import { secretInputResolver } from './mcpInputs';
import { callToolInteractively } from './mcpToolCall';
import { McpTreeProvider, type McpNode } from './mcpTree';
import type { SettingsService } from './settings';

export const MCP_VIEW_ID = 'agentMesh.mcpServers';
const LOG_SCHEME = 'agent-mesh-mcp-log';
/** Bursts of fleet events (a reload, a restart) redraw the tree once. */
const REDRAW_MS = 100;
const RELOAD_DEBOUNCE_MS = 300;

/**
 * The MCP fleet in VS Code: tree view, "MCP n/m" status bar item, diagnostics in mcp.json, a log
 * document per server, the commands, hot reload (file watcher + settings), workspace trust and the
 * token budget warning. `attach` binds it to an engine (again after the relay restarts).
 */
export class McpViews implements vscode.Disposable {
  readonly inputResolver: StoredInputResolver;
  private readonly tree = new McpTreeProvider();
  private readonly status = vscode.window.createStatusBarItem('agentMesh.mcp', vscode.StatusBarAlignment.Left, 48);
  private readonly diagnostics = vscode.languages.createDiagnosticCollection('agentMesh.mcp');
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
    this.status.name = 'Agent Mesh MCP Servers';
    this.status.command = `${MCP_VIEW_ID}.focus`;
    const server = (node?: McpNode) => this.serverName(node);
    this.disposables.push(
      this.tree,
      this.status,
      this.diagnostics,
      this.logChanged,
      vscode.window.createTreeView(MCP_VIEW_ID, { treeDataProvider: this.tree, showCollapseAll: true }),
      vscode.workspace.registerTextDocumentContentProvider(LOG_SCHEME, { onDidChange: this.logChanged.event, provideTextDocumentContent: (uri) => this.logText(uri) }),
      vscode.commands.registerCommand('agentMesh.mcp.restartServer', async (node?: McpNode) => this.lifecycle(await server(node), 'restart')),
      vscode.commands.registerCommand('agentMesh.mcp.startServer', async (node?: McpNode) => this.lifecycle(await server(node), 'restart')),
      vscode.commands.registerCommand('agentMesh.mcp.stopServer', async (node?: McpNode) => this.lifecycle(await server(node), 'stop')),
      vscode.commands.registerCommand('agentMesh.mcp.signIn', async (node?: McpNode) => this.signInOrOut(await server(node), 'signIn')),
      vscode.commands.registerCommand('agentMesh.mcp.signOut', async (node?: McpNode) => this.signInOrOut(await server(node), 'signOut')),
      vscode.commands.registerCommand('agentMesh.mcp.disableServer', async (node?: McpNode) => this.setServerDisabled(await server(node), true)),
      vscode.commands.registerCommand('agentMesh.mcp.enableServer', async (node?: McpNode) => this.setServerDisabled(await server(node), false)),
      vscode.commands.registerCommand('agentMesh.mcp.keepConnected', async (node?: McpNode) => this.setConnectionMode(await server(node), 'keep-connected')),
      vscode.commands.registerCommand('agentMesh.mcp.inspectOnly', async (node?: McpNode) => this.setConnectionMode(await server(node), 'inspect')),
      vscode.commands.registerCommand('agentMesh.mcp.showServerLogs', async (node?: McpNode) => this.showServerLogs(await server(node))),
      vscode.commands.registerCommand('agentMesh.mcp.copyServerConfig', async (node?: McpNode) => this.copyConfig(await server(node))),
      vscode.commands.registerCommand('agentMesh.mcp.callTool', (node?: McpNode) =>
        this.engine && callToolInteractively(this.engine.mcp, node?.server.name, node?.kind === 'tool' ? node.tool.name : undefined),
      ),
      vscode.commands.registerCommand('agentMesh.mcp.disableTool', (node?: McpNode) => node?.kind === 'tool' && this.setToolDisabled(node.server.name, node.tool.name, true)),
      vscode.commands.registerCommand('agentMesh.mcp.enableTool', (node?: McpNode) => node?.kind === 'tool' && this.setToolDisabled(node.server.name, node.tool.name, false)),
      vscode.commands.registerCommand('agentMesh.mcp.openConfig', () => this.openConfig()),
      vscode.commands.registerCommand('agentMesh.mcp.importServers', () => this.importServers()),
      vscode.commands.registerCommand('agentMesh.mcp.forgetInputs', () => this.forgetInputs()),
    );
    const folder = vscode.workspace.workspaceFolders?.[0];
    if (folder) this.watch(new vscode.RelativePattern(folder, MCP_JSON_RELATIVE_PATH), `${MCP_JSON_RELATIVE_PATH} changed`, true);
    this.watch(new vscode.RelativePattern(vscode.Uri.file(path.dirname(userConfigFile)), path.basename(userConfigFile)), 'the user profile\'s mcp.json changed', false);
  }

  private watch(pattern: vscode.RelativePattern, reason: string, migrate: boolean): void {
    const watcher = vscode.workspace.createFileSystemWatcher(pattern);
    const changed = () => {
      if (migrate) void this.migrateMcpJson();
      this.scheduleReload(reason);
    };
    this.disposables.push(watcher, watcher.onDidChange(changed), watcher.onDidCreate(changed), watcher.onDidDelete(changed));
  }

  attach(engine: Engine): void {
    this.detach?.();
    this.engine = engine;
    this.detach = engine.mcp.onEvent((event) => this.onEvent(event));
    this.redraw();
    void this.migrateMcpJson();
  }

  /** Empties the tree, status bar and diagnostics while no engine runs (a restart failed). */
  detachEngine(): void {
    this.detach?.();
    this.detach = undefined;
    this.engine = undefined;
    clearTimeout(this.redrawTimer);
    this.redrawTimer = undefined;
    this.tree.update(undefined, new Set());
    this.status.hide();
    this.diagnostics.clear();
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
    this.showStatus(snapshot);
    this.showDiagnostics(snapshot.problems);
  }

  private showStatus(snapshot: McpSnapshot): void {
    const total = snapshot.servers.length;
    if (total === 0) {
      this.status.hide();
      return;
    }
    const connected = snapshot.servers.filter((s) => s.status === 'connected').length;
    const failing = snapshot.servers.filter((s) => s.status === 'error');
    this.status.text = `$(plug) MCP ${connected}/${total}`;
    this.status.backgroundColor = failing.length > 0 || snapshot.tokens.overBudget ? new vscode.ThemeColor('statusBarItem.warningBackground') : undefined;
    const lines = [`MCP servers: ${connected} of ${total} connected`, `Tool definitions: ${snapshot.tokens.label}${snapshot.tokens.budget > 0 ? ` (budget ${snapshot.tokens.budget.toLocaleString('en-US')})` : ''}`];
    for (const s of failing) lines.push(`${s.name}: ${s.error}`);
    this.status.tooltip = lines.join('\n');
    this.status.accessibilityInformation = { label: `MCP, ${connected} of ${total} servers connected${failing.length ? `, ${failing.length} in error` : ''}` };
    this.status.show();
  }

  private showDiagnostics(problems: McpConfigProblem[]): void {
    this.diagnostics.clear();
    const byFile = new Map<string, vscode.Diagnostic[]>();
    for (const problem of problems) {
      if (problem.line === undefined || !problem.source.endsWith('mcp.json')) continue;
      const start = new vscode.Position(problem.line - 1, (problem.column ?? 1) - 1);
      const diagnostic = new vscode.Diagnostic(new vscode.Range(start, start.translate(0, Math.max(1, problem.length ?? 1))), problem.message, vscode.DiagnosticSeverity.Error);
      diagnostic.source = 'Agent Mesh';
      byFile.set(problem.source, [...(byFile.get(problem.source) ?? []), diagnostic]);
    }
    for (const [file, list] of byFile) this.diagnostics.set(vscode.Uri.file(file), list);
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

  private async serverName(node?: McpNode): Promise<string | undefined> {
    if (node) return node.server.name;
    const servers = this.engine?.mcp.servers() ?? [];
    const pick = await vscode.window.showQuickPick(
      servers.map((s) => ({ label: s.name, description: s.status })),
      { placeHolder: servers.length ? 'Pick an MCP server' : 'No MCP servers are configured' },
    );
    return pick?.label;
  }

  private async lifecycle(name: string | undefined, action: 'restart' | 'stop'): Promise<void> {
    const fleet = this.engine?.mcp;
    if (!name || !fleet) return;
    await vscode.window.withProgress({ location: { viewId: MCP_VIEW_ID }, title: `${action === 'restart' ? 'Starting' : 'Stopping'} ${name}` }, () =>
      action === 'restart' ? fleet.restart(name) : fleet.stop(name),
    );
    const server = fleet.server(name);
    if (action === 'restart' && server.status === 'error') {
      void vscode.window.showErrorMessage(`Agent Mesh: MCP server "${name}" failed to start: ${server.error}`, 'Show Logs').then((pick) => pick && this.showServerLogs(name));
    }
  }

  /** Sign-in belongs to remote servers; sign-out forgets the tokens and the client registration. */
  private async signInOrOut(name: string | undefined, action: 'signIn' | 'signOut'): Promise<void> {
    const fleet = this.engine?.mcp;
    if (!name || !fleet) return;
    if (fleet.config(name).type === 'stdio') {
      void vscode.window.showInformationMessage(`Agent Mesh: "${name}" runs locally (stdio); only remote servers sign in.`);
      return;
    }
    await fleet[action](name);
    if (action === 'signOut') void vscode.window.showInformationMessage(`Agent Mesh: signed out of the MCP server "${name}".`);
  }

  private async setServerDisabled(name: string | undefined, disabled: boolean): Promise<void> {
    if (!name) return;
    try {
      await this.settings.updateServerRecord(SERVER_OPTIONS_KEY, (options) => ({ ...options, [name]: { ...(options[name] as McpServerOptions), disabled } }));
    } catch (error) {
      void vscode.window.showErrorMessage(`Agent Mesh: could not ${disabled ? 'disable' : 'enable'} "${name}": ${(error as Error).message}`);
    }
  }

  /**
   * Moves Agent Mesh's own fields that an earlier version wrote into mcp.json (VS Code rejects them)
   * into `agentMesh.mcp.serverOptions`: the setting is written first, so nothing is lost if the
   * file edit fails.
   */
  private async migrateMcpJson(): Promise<void> {
    const uri = this.mcpJsonUri();
    if (!uri || !(await exists(uri))) return;
    try {
      const text = Buffer.from(await vscode.workspace.fs.readFile(uri)).toString('utf8');
      const migrated = migrateLegacyOptions(text, this.settings.ownServerRecord(SERVER_OPTIONS_KEY) as Record<string, McpServerOptions>);
      if (migrated.moved.length === 0) return;
      await this.settings.saveServerRecord(SERVER_OPTIONS_KEY, migrated.options);
      await this.editMcpJson(() => migrated.text);
      this.log.info(`MCP: moved disabled/timeout/autoApprove of ${migrated.moved.join(', ')} from ${MCP_JSON_RELATIVE_PATH} to ${SERVER_OPTIONS_KEY}`);
    } catch (error) {
      this.log.warn(`MCP: could not move Agent Mesh's own fields out of ${MCP_JSON_RELATIVE_PATH}: ${(error as Error).message}`);
    }
  }

  private async setToolDisabled(server: string, tool: string, disabled: boolean): Promise<void> {
    await this.settings.updateServerRecord('agentMesh.mcp.disabledTools', (current) => {
      const tools = new Set(current[server] ?? []);
      if (disabled) tools.add(tool);
      else tools.delete(tool);
      const next = { ...current, [server]: [...tools] };
      if (tools.size === 0) delete next[server];
      return next;
    });
  }

  /** A server's connection mode goes to Agent Mesh's own settings, never into mcp.json; the fleet applies it at once. */
  private async setConnectionMode(server: string | undefined, mode: McpConnectionMode): Promise<void> {
    if (!server) return;
    await this.settings.updateServerRecord('agentMesh.mcp.serverConnectionModes', (current) => ({ ...current, [server]: mode }));
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

  private async copyConfig(name: string | undefined): Promise<void> {
    const fleet = this.engine?.mcp;
    if (!name || !fleet) return;
    await vscode.env.clipboard.writeText(JSON.stringify({ [name]: fleet.config(name).raw }, null, 2));
    vscode.window.setStatusBarMessage(`Copied the configuration of ${name}`, 3000);
  }

  private mcpJsonUri(): vscode.Uri | undefined {
    const folder = vscode.workspace.workspaceFolders?.[0];
    return folder && vscode.Uri.joinPath(folder.uri, ...MCP_JSON_RELATIVE_PATH.split('/'));
  }

  private async openConfig(): Promise<void> {
    const uri = this.mcpJsonUri();
    if (!uri) {
      void vscode.window.showInformationMessage('Agent Mesh: open a folder first; its MCP servers live in .vscode/mcp.json.');
      return;
    }
    if (!(await exists(uri))) await vscode.workspace.fs.writeFile(uri, Buffer.from('{\n  "servers": {}\n}\n'));
    await vscode.window.showTextDocument(uri);
  }

  /** Edits mcp.json through a document edit, so an open editor (and its undo stack) sees it. */
  private async editMcpJson(change: (text: string) => string): Promise<void> {
    const uri = this.mcpJsonUri();
    if (!uri) throw new Error('no workspace folder is open');
    if (!(await exists(uri))) await vscode.workspace.fs.writeFile(uri, Buffer.from('{\n  "servers": {}\n}\n'));
    const document = await vscode.workspace.openTextDocument(uri);
    const text = document.getText();
    const edit = new vscode.WorkspaceEdit();
    edit.replace(uri, new vscode.Range(document.positionAt(0), document.positionAt(text.length)), change(text));
    if (!(await vscode.workspace.applyEdit(edit))) throw new Error(`${MCP_JSON_RELATIVE_PATH} could not be edited`);
    await document.save();
  }

  private async importServers(): Promise<void> {
    const picked = await vscode.window.showOpenDialog({
      title: 'Import MCP servers from a Claude Desktop / Claude Code / Cline / Roo file',
      canSelectMany: false,
      filters: { JSON: ['json'] },
      openLabel: 'Import',
    });
    if (!picked?.[0]) return;
    const { servers, inputs, secrets, options, problems } = convertMcpServersFile(Buffer.from(await vscode.workspace.fs.readFile(picked[0])).toString('utf8'));
    const names = Object.keys(servers);
    if (names.length === 0) {
      void vscode.window.showWarningMessage(`Agent Mesh: nothing to import (${problems.join('; ') || 'no servers'}).`);
      return;
    }
    let skipped: string[] = [];
    try {
      const uri = this.mcpJsonUri();
      const before = uri && (await exists(uri)) ? Buffer.from(await vscode.workspace.fs.readFile(uri)).toString('utf8') : '';
      const existing = existingServerNames(before);
      skipped = names.filter((name) => existing.has(name));
      const added = names.filter((name) => !existing.has(name));
      // Credentials and options are kept before the servers appear in mcp.json, so their first start finds them.
      for (const secret of secrets.filter((s) => added.includes(s.server))) {
        const entry = servers[secret.server] as { type: McpTransportKind; command?: string; args?: string[]; url?: string };
        await this.inputResolver.remember(secret.server, serverTarget({ ...entry, args: entry.args ?? [] }), secret.inputId, secret.value);
      }
      await this.settings.updateServerRecord(SERVER_OPTIONS_KEY, (current) => ({ ...current, ...Object.fromEntries(added.filter((name) => options[name]).map((name) => [name, options[name]])) }));
      await this.editMcpJson((text) => {
        const declared = existingInputs(text);
        const declaredIds = new Set(declared.map((input) => (input as { id?: unknown })?.id));
        const newInputs = inputs.filter((input) => !declaredIds.has(input.id) && secrets.some((s) => s.inputId === input.id && added.includes(s.server)));
        const withInputs = newInputs.length ? setProperty(text, ['inputs'], [...declared, ...newInputs]) : text;
        return added.reduce((acc, name) => setProperty(acc, ['servers', name], servers[name]), withInputs);
      });
    } catch (error) {
      void vscode.window.showErrorMessage(`Agent Mesh: import failed: ${(error as Error).message}`);
      return;
    }
    const imported = names.length - skipped.length;
    const notes = [...(skipped.length ? [`already present: ${skipped.join(', ')}`] : []), ...(secrets.length ? [`${secrets.length} credential(s) moved to password inputs kept in secret storage`] : []), ...problems];
    void vscode.window.showInformationMessage(`Agent Mesh: imported ${imported} MCP server${imported === 1 ? '' : 's'} into ${MCP_JSON_RELATIVE_PATH}${notes.length ? ` (${notes.join('; ')})` : ''}.`);
    await this.openConfig();
  }

  private async forgetInputs(): Promise<void> {
    const fleet = this.engine?.mcp;
    if (!fleet) return;
    const servers = fleet.servers().map((s) => fleet.config(s.name));
    await this.inputResolver.forget(servers);
    fleet.forgetInputs();
    const count = servers.reduce((sum, s) => sum + s.inputs.length, 0);
    void vscode.window.showInformationMessage(`Agent Mesh: forgot ${count} MCP input value${count === 1 ? '' : 's'}; they are asked again at the next start.`);
  }
}

function logUri(name: string): vscode.Uri {
  return vscode.Uri.from({ scheme: LOG_SCHEME, path: `/${encodeURIComponent(name)}.log` });
}

function existingServerNames(text: string): Set<string> {
  const { root } = parseJsonc(text);
  const servers = child(root, 'servers');
  return new Set(servers ? Object.keys(nodeValue(servers) as object) : []);
}

function existingInputs(text: string): unknown[] {
  const inputs = child(parseJsonc(text).root, 'inputs');
  const value = inputs && nodeValue(inputs);
  return Array.isArray(value) ? value : [];
}

async function exists(uri: vscode.Uri): Promise<boolean> {
  try {
    await vscode.workspace.fs.stat(uri);
    return true;
  } catch {
    return false;
  }
}
