import * as vscode from 'vscode';
import type { McpOAuthOptions } from '../engine/mcp/oauth';

/**
 * How VS Code sends the person to sign in to a remote MCP server: a notification naming the
 * server, and the browser opened on "Sign In" (never without asking). Returns at once; the fleet
 * waits for the browser on its loopback callback.
 */
export function openSignInInBrowser(log: vscode.LogOutputChannel): McpOAuthOptions['openBrowser'] {
  return (serverName, authorizationUrl) => {
    log.info(`[mcp ${serverName}] sign-in required; asking before opening the browser at ${authorizationUrl.origin}`);
    void vscode.window
      .showInformationMessage(`Agent Mesh: the MCP server "${serverName}" asks you to sign in at ${authorizationUrl.host}.`, 'Sign In')
      .then((pick) => pick && vscode.env.openExternal(vscode.Uri.parse(authorizationUrl.href, true)));
  };
}
