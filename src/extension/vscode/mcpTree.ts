import * as vscode from 'vscode';
import { connectionModeLabel, type McpServerInfo, type McpSnapshot, type McpToolInfo } from '../../shared/mcp';
import { escapeMarkdown } from '../../shared/markdown';
import { describeDevMode, SOURCE_LABELS, type McpDevMode } from '../engine/mcp/config';

export type McpNode =
  | { kind: 'server'; server: McpServerInfo }
  | { kind: 'error'; server: McpServerInfo }
  | { kind: 'group'; server: McpServerInfo; group: 'tools' | 'resources' | 'prompts' }
  | { kind: 'tool'; server: McpServerInfo; tool: McpToolInfo }
  | { kind: 'resource'; server: McpServerInfo; uri: string; name: string; mimeType?: string }
  | { kind: 'prompt'; server: McpServerInfo; name: string; description?: string };

const STATUS_ICON: Record<McpServerInfo['status'], [string, string | undefined]> = {
  connected: ['pass-filled', 'testing.iconPassed'],
  connecting: ['loading~spin', undefined],
  error: ['error', 'testing.iconFailed'],
  stopped: ['debug-stop', 'disabledForeground'],
  disabled: ['circle-slash', 'disabledForeground'],
};

/** server → status, transport, connect time, tools and their token cost; children: tools, resources, prompts. */
export class McpTreeProvider implements vscode.TreeDataProvider<McpNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<McpNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private snapshot: McpSnapshot | undefined;
  /** Servers whose `disabled` flag is set in their configuration (for the enable/disable menu). */
  private disabledInConfig = new Set<string>();
  /** Servers whose entry asks for VS Code's development mode, with what it asks. */
  private devModes = new Map<string, McpDevMode>();

  /** `undefined` empties the tree (no engine runs). */
  update(snapshot: McpSnapshot | undefined, disabledInConfig: Set<string>, devModes = new Map<string, McpDevMode>()): void {
    this.devModes = devModes;
    this.snapshot = snapshot;
    this.disabledInConfig = disabledInConfig;
    this.changed.fire(undefined);
  }

  dispose(): void {
    this.changed.dispose();
  }

  getChildren(node?: McpNode): McpNode[] {
    if (!this.snapshot) return [];
    if (!node) return this.snapshot.servers.map((server) => ({ kind: 'server', server }));
    const { server } = node;
    if (node.kind === 'server') {
      const children: McpNode[] = [];
      if (server.error && server.status !== 'connected') children.push({ kind: 'error', server });
      if (server.tools.length > 0) children.push({ kind: 'group', server, group: 'tools' });
      if (server.resources.length > 0) children.push({ kind: 'group', server, group: 'resources' });
      if (server.prompts.length > 0) children.push({ kind: 'group', server, group: 'prompts' });
      return children;
    }
    if (node.kind !== 'group') return [];
    if (node.group === 'tools') return server.tools.map((tool) => ({ kind: 'tool', server, tool }));
    if (node.group === 'resources') return server.resources.map((r) => ({ kind: 'resource', server, ...r }));
    return server.prompts.map((p) => ({ kind: 'prompt', server, ...p }));
  }

  getTreeItem(node: McpNode): vscode.TreeItem {
    const approx = this.snapshot?.tokens.exact === false ? '≈' : '';
    switch (node.kind) {
      case 'server':
        return this.serverItem(node.server, approx);
      case 'error': {
        const item = new vscode.TreeItem(node.server.error!, vscode.TreeItemCollapsibleState.None);
        item.id = `mcp:${node.server.name}:error`;
        item.iconPath = new vscode.ThemeIcon(node.server.status === 'error' ? 'warning' : 'info');
        item.tooltip = node.server.error;
        item.command = { command: 'agentMesh.mcp.showServerLogs', title: 'Show MCP Server Logs', arguments: [{ kind: 'server', server: node.server }] };
        return item;
      }
      case 'group': {
        const { server, group } = node;
        const count = server[group].length;
        const label = group === 'tools' ? `Tools (${count}) · ${approx}${server.toolTokens.toLocaleString('en-US')} tokens` : `${group === 'resources' ? 'Resources' : 'Prompts'} (${count})`;
        const item = new vscode.TreeItem(label, vscode.TreeItemCollapsibleState.Collapsed);
        item.id = `mcp:${server.name}:${group}`;
        item.iconPath = new vscode.ThemeIcon(group === 'tools' ? 'tools' : group === 'resources' ? 'file-code' : 'comment');
        return item;
      }
      case 'tool': {
        const { tool, server } = node;
        const item = new vscode.TreeItem(tool.name, vscode.TreeItemCollapsibleState.None);
        item.id = `mcp:${server.name}:tool:${tool.name}`;
        item.description = tool.disabled ? `disabled · ${approx}${tool.tokens} tokens` : `${approx}${tool.tokens} tokens`;
        item.tooltip = new vscode.MarkdownString(`**${tool.name}** — ${approx}${tool.tokens} tokens${tool.disabled ? ' (disabled: not counted, not callable)' : ''}\n\n${tool.description ?? ''}`);
        item.iconPath = new vscode.ThemeIcon(tool.disabled ? 'circle-slash' : 'symbol-method');
        item.contextValue = tool.disabled ? 'mcpTool:off' : 'mcpTool:on';
        item.accessibilityInformation = { label: `tool ${tool.name}, ${tool.tokens} tokens${tool.disabled ? ', disabled' : ''}` };
        return item;
      }
      case 'resource': {
        const item = new vscode.TreeItem(node.name, vscode.TreeItemCollapsibleState.None);
        item.id = `mcp:${node.server.name}:resource:${node.uri}`;
        item.description = node.uri;
        item.tooltip = `${node.uri}${node.mimeType ? ` (${node.mimeType})` : ''}`;
        item.iconPath = new vscode.ThemeIcon('file');
        return item;
      }
      case 'prompt': {
        const item = new vscode.TreeItem(node.name, vscode.TreeItemCollapsibleState.None);
        item.id = `mcp:${node.server.name}:prompt:${node.name}`;
        item.description = node.description;
        item.iconPath = new vscode.ThemeIcon('comment');
        return item;
      }
    }
  }

  private serverItem(server: McpServerInfo, approx: string): vscode.TreeItem {
    const hasChildren = server.tools.length + server.resources.length + server.prompts.length > 0 || (server.error !== undefined && server.status !== 'connected');
    const item = new vscode.TreeItem(server.name, hasChildren ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None);
    item.id = `mcp:${server.name}`;
    const [icon, color] = STATUS_ICON[server.status];
    item.iconPath = new vscode.ThemeIcon(icon, color ? new vscode.ThemeColor(color) : undefined);
    item.description = describeServer(server, approx);
    item.contextValue = `mcpServer:${server.status}:${server.connectionMode}:${this.disabledInConfig.has(server.name) ? 'off' : 'on'}`;
    const tooltip = new vscode.MarkdownString(undefined, true);
    tooltip.appendMarkdown(`**${server.name}** — ${server.status} (${server.transport}, from ${escapeMarkdown(SOURCE_LABELS[server.source])})\n\n`);
    const dev = this.devModes.get(server.name);
    if (dev) tooltip.appendMarkdown(`Development mode (${escapeMarkdown(describeDevMode(dev))}) is applied by VS Code only; Agent Mesh runs the server without watching or debugging it.\n\n`);
    if (server.serverVersion) tooltip.appendMarkdown(`Server: ${escapeMarkdown(server.serverVersion)}\n\n`);
    if (server.connectMs !== undefined) tooltip.appendMarkdown(`Connected in ${server.connectMs} ms\n\n`);
    tooltip.appendMarkdown(`${connectionModeTooltip(server)}\n\n`);
    tooltip.appendMarkdown(`${server.tools.length} tools (${approx}${server.toolTokens.toLocaleString('en-US')} tokens), ${server.resources.length} resources, ${server.prompts.length} prompts\n\n`);
    if (server.error) tooltip.appendMarkdown(`$(error) ${escapeMarkdown(server.error)}\n\n`);
    if (server.retryAt !== undefined) tooltip.appendMarkdown(`Retrying at ${new Date(server.retryAt).toLocaleTimeString()} (attempt ${server.attempts + 1})\n\n`);
    item.tooltip = tooltip;
    item.accessibilityInformation = { label: `MCP server ${server.name}, ${item.description}` };
    return item;
  }
}

export function describeServer(server: McpServerInfo, approx = ''): string {
  switch (server.status) {
    case 'connected':
      return [
        server.transport,
        connectionModeLabel(server),
        `${server.tools.length} tools`,
        server.tokensCounted ? `${approx}${server.toolTokens.toLocaleString('en-US')} tokens` : 'counting tokens…',
        server.connectMs !== undefined ? `${server.connectMs} ms` : undefined,
      ]
        .filter(Boolean)
        .join(' · ');
    case 'connecting':
      return `${server.transport} · connecting…`;
    case 'error':
      return server.retryAt !== undefined ? `retrying · ${server.error}` : `error · ${server.error}`;
    case 'disabled':
      return `disabled${server.error ? ` · ${server.error}` : ''}`;
    case 'stopped':
      return 'stopped';
  }
}

function connectionModeTooltip(server: McpServerInfo): string {
  if (server.connectionMode === 'keep-connected') return 'Mode: keep connected (`agentMesh.mcp.connectionMode` / `agentMesh.mcp.serverConnectionModes`)';
  const now = server.connectionOpen ? 'connected now' : 'not running now';
  return `Mode: inspect — listed, then disconnected; a tool call or health check reconnects it until idle (${now})`;
}
