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
      .then((pick) => pick && openExternalAsIs(authorizationUrl.href));
  };
}

/**
 * `openExternal` with the address exactly as given: a `Uri` is re-encoded on the way (a `+` in the
 * scope becomes `%2B`), a string is not. VS Code accepts a string here though its typings say Uri.
 */
function openExternalAsIs(address: string): Thenable<boolean> {
  return (vscode.env.openExternal as unknown as (target: string) => Thenable<boolean>)(address);
}
