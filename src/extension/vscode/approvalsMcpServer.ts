import * as vscode from 'vscode';
import { MCP_SERVER_NAME } from '../engine/mcpServer/server';

export const MCP_PROVIDER_ID = 'agentMesh.builtInMcpServer';

/** Where agents reach the built-in MCP server: the relay's URL on this machine and its token. */
export interface BuiltInMcpEndpoint {
  /** Undefined while the relay does not listen (a restart failed). */
  url(): string | undefined;
  token: string;
  version: string;
  /** Whether the relay keeps its port across starts (`agentMesh.relay.port` set). */
  fixedPort(): boolean;
}

// `vscode.lm.registerMcpServerDefinitionProvider` and `McpHttpServerDefinition` arrived in VS Code
// 1.101; the extension supports 1.100, whose typings lack them. These are the parts used here.
interface McpServerDefinitionProvider {
  onDidChangeMcpServerDefinitions?: vscode.Event<void>;
  provideMcpServerDefinitions(): unknown[];
}
interface McpLanguageModelApi {
  registerMcpServerDefinitionProvider?: (id: string, provider: McpServerDefinitionProvider) => vscode.Disposable;
}
type McpHttpServerDefinitionConstructor = new (label: string, uri: vscode.Uri, headers?: Record<string, string>, version?: string) => unknown;

function snippets(relayUrl: string, endpoint: BuiltInMcpEndpoint): Array<{ label: string; detail: string; text: string }> {
  const url = `${relayUrl}/mcp`;
  const authorization = `Bearer ${endpoint.token}`;
  return [
    {
      label: 'VS Code (.vscode/mcp.json)',
      detail: 'Copilot agent mode and other VS Code MCP clients',
      text: JSON.stringify({ servers: { [MCP_SERVER_NAME]: { type: 'http', url, headers: { Authorization: authorization } } } }, null, 2),
    },
    {
      label: 'Claude Code (command line)',
      detail: 'Adds the server to Claude Code',
      text: `claude mcp add --transport http ${MCP_SERVER_NAME} ${url} --header "Authorization: ${authorization}"`,
    },
    {
      label: 'Cursor and other clients (mcp.json with mcpServers)',
      detail: 'The common mcpServers format',
      text: JSON.stringify({ mcpServers: { [MCP_SERVER_NAME]: { url, headers: { Authorization: authorization } } } }, null, 2),
    },
  ];
}

/**
 * The built-in MCP server for agents: a command that copies a ready client configuration, and —
 * where VS Code offers it (1.101+) — a server definition provider so Copilot sees it without setup.
 */
export function registerBuiltInMcpServerSurfaces(endpoint: BuiltInMcpEndpoint, log: vscode.LogOutputChannel): { disposables: vscode.Disposable[]; relayMoved(): void } {
  const disposables: vscode.Disposable[] = [
    vscode.commands.registerCommand('agentMesh.copyMcpConfig', async () => {
      const relayUrl = endpoint.url();
      if (!relayUrl) {
        void vscode.window.showErrorMessage('Agent Mesh: the relay is not running, so there is no MCP server address to copy; see "Agent Mesh: Show Logs".');
        return;
      }
      const pick = await vscode.window.showQuickPick(snippets(relayUrl, endpoint), { title: 'Copy the Agent Mesh MCP server configuration for…' });
      if (!pick) return;
      await vscode.env.clipboard.writeText(pick.text);
      void vscode.window.showInformationMessage(
        `Agent Mesh: ${pick.label} configuration copied. It contains the relay token; treat it like a password.` +
          (endpoint.fixedPort() ? '' : ' The relay picks a new port at every start: set "agentMesh.relay.port" to keep this configuration valid.'),
      );
    }),
  ];

  const changed = new vscode.EventEmitter<void>();
  disposables.push(changed);
  const lm = vscode.lm as unknown as McpLanguageModelApi;
  const HttpDefinition = (vscode as unknown as { McpHttpServerDefinition?: McpHttpServerDefinitionConstructor }).McpHttpServerDefinition;
  if (typeof lm.registerMcpServerDefinitionProvider === 'function' && HttpDefinition) {
    try {
      disposables.push(
        lm.registerMcpServerDefinitionProvider(MCP_PROVIDER_ID, {
          onDidChangeMcpServerDefinitions: changed.event,
          provideMcpServerDefinitions: () => {
            const relayUrl = endpoint.url();
            return relayUrl ? [new HttpDefinition('Agent Mesh', vscode.Uri.parse(`${relayUrl}/mcp`), { Authorization: `Bearer ${endpoint.token}` }, endpoint.version)] : [];
          },
        }),
      );
      log.info('registered the built-in MCP server with VS Code');
    } catch (error) {
      // 1.100 carries the API as a proposal that refuses extensions which did not enable it.
      log.info(`VS Code ${vscode.version} does not offer MCP server definition providers (${(error as Error).message}); use "Agent Mesh: Copy MCP Server Config for Agents"`);
    }
  }
  return { disposables, relayMoved: () => changed.fire() };
}
