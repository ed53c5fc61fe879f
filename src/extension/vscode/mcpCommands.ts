import * as vscode from 'vscode';
import type { McpFleet } from '../engine/mcp/fleet';
import type { StoredInputResolver } from '../engine/mcp/storedInputs';
import type { McpConfigEditor } from './mcpConfigEditor';
import { callToolInteractively } from './mcpToolCall';
import type { McpNode } from './mcpTree';

export interface McpCommandsContext {
  viewId: string;
  /** The running engine's fleet; none while no engine runs. */
  fleet(): McpFleet | undefined;
  editor: McpConfigEditor;
  inputResolver: StoredInputResolver;
  showServerLogs(name: string | undefined): Promise<void>;
}

/** The MCP commands of the tree's menus and the command palette (same ids as ever). */
export function registerMcpCommands(context: McpCommandsContext): vscode.Disposable[] {
  const { editor, fleet } = context;
  const server = (node?: McpNode) => serverName(fleet(), node);
  const lifecycle = async (name: string | undefined, action: 'restart' | 'stop') => runLifecycle(context, name, action);
  return [
    vscode.commands.registerCommand('agentMesh.mcp.restartServer', async (node?: McpNode) => lifecycle(await server(node), 'restart')),
    vscode.commands.registerCommand('agentMesh.mcp.startServer', async (node?: McpNode) => lifecycle(await server(node), 'restart')),
    vscode.commands.registerCommand('agentMesh.mcp.stopServer', async (node?: McpNode) => lifecycle(await server(node), 'stop')),
    vscode.commands.registerCommand('agentMesh.mcp.signIn', async (node?: McpNode) => signInOrOut(fleet(), await server(node), 'signIn')),
    vscode.commands.registerCommand('agentMesh.mcp.signOut', async (node?: McpNode) => signInOrOut(fleet(), await server(node), 'signOut')),
    vscode.commands.registerCommand('agentMesh.mcp.disableServer', async (node?: McpNode) => editor.setServerDisabled(await server(node), true)),
    vscode.commands.registerCommand('agentMesh.mcp.enableServer', async (node?: McpNode) => editor.setServerDisabled(await server(node), false)),
    vscode.commands.registerCommand('agentMesh.mcp.keepConnected', async (node?: McpNode) => editor.setConnectionMode(await server(node), 'keep-connected')),
    vscode.commands.registerCommand('agentMesh.mcp.inspectOnly', async (node?: McpNode) => editor.setConnectionMode(await server(node), 'inspect')),
    vscode.commands.registerCommand('agentMesh.mcp.showServerLogs', async (node?: McpNode) => context.showServerLogs(await server(node))),
    vscode.commands.registerCommand('agentMesh.mcp.copyServerConfig', async (node?: McpNode) => copyConfig(fleet(), await server(node))),
    vscode.commands.registerCommand('agentMesh.mcp.callTool', (node?: McpNode) => {
      const running = fleet();
      return running && callToolInteractively(running, node?.server.name, node?.kind === 'tool' ? node.tool.name : undefined);
    }),
    vscode.commands.registerCommand('agentMesh.mcp.disableTool', (node?: McpNode) => node?.kind === 'tool' && editor.setToolDisabled(node.server.name, node.tool.name, true)),
    vscode.commands.registerCommand('agentMesh.mcp.enableTool', (node?: McpNode) => node?.kind === 'tool' && editor.setToolDisabled(node.server.name, node.tool.name, false)),
    vscode.commands.registerCommand('agentMesh.mcp.openConfig', () => editor.openConfig()),
    vscode.commands.registerCommand('agentMesh.mcp.importServers', () => editor.importServers()),
    vscode.commands.registerCommand('agentMesh.mcp.forgetInputs', () => forgetInputs(fleet(), context.inputResolver)),
  ];
}

/** The server a command acts on: the tree row it was invoked on, else one the person picks. */
async function serverName(fleet: McpFleet | undefined, node?: McpNode): Promise<string | undefined> {
  if (node) return node.server.name;
  const servers = fleet?.servers() ?? [];
  const pick = await vscode.window.showQuickPick(
    servers.map((s) => ({ label: s.name, description: s.status })),
    { placeHolder: servers.length ? 'Pick an MCP server' : 'No MCP servers are configured' },
  );
  return pick?.label;
}

async function runLifecycle(context: McpCommandsContext, name: string | undefined, action: 'restart' | 'stop'): Promise<void> {
  const fleet = context.fleet();
  if (!name || !fleet) return;
  await vscode.window.withProgress({ location: { viewId: context.viewId }, title: `${action === 'restart' ? 'Starting' : 'Stopping'} ${name}` }, () =>
    action === 'restart' ? fleet.restart(name) : fleet.stop(name),
  );
  const server = fleet.server(name);
  if (action === 'restart' && server.status === 'error') {
    void vscode.window.showErrorMessage(`Agent Mesh: MCP server "${name}" failed to start: ${server.error}`, 'Show Logs').then((pick) => pick && context.showServerLogs(name));
  }
}

/** Sign-in belongs to remote servers; sign-out forgets the tokens and the client registration. */
async function signInOrOut(fleet: McpFleet | undefined, name: string | undefined, action: 'signIn' | 'signOut'): Promise<void> {
  if (!name || !fleet) return;
  if (fleet.config(name).type === 'stdio') {
    void vscode.window.showInformationMessage(`Agent Mesh: "${name}" runs locally (stdio); only remote servers sign in.`);
    return;
  }
  await fleet[action](name);
  if (action === 'signOut') void vscode.window.showInformationMessage(`Agent Mesh: signed out of the MCP server "${name}".`);
}

async function copyConfig(fleet: McpFleet | undefined, name: string | undefined): Promise<void> {
  if (!name || !fleet) return;
  await vscode.env.clipboard.writeText(JSON.stringify({ [name]: fleet.config(name).raw }, null, 2));
  vscode.window.setStatusBarMessage(`Copied the configuration of ${name}`, 3000);
}

async function forgetInputs(fleet: McpFleet | undefined, inputResolver: StoredInputResolver): Promise<void> {
  if (!fleet) return;
  const servers = fleet.servers().map((s) => fleet.config(s.name));
  await inputResolver.forget(servers);
  fleet.forgetInputs();
  const count = servers.reduce((sum, s) => sum + s.inputs.length, 0);
  void vscode.window.showInformationMessage(`Agent Mesh: forgot ${count} MCP input value${count === 1 ? '' : 's'}; they are asked again at the next start.`);
}
