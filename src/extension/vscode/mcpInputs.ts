import { createHash } from 'node:crypto';
import * as vscode from 'vscode';
import type { McpInputDefinition } from '../engine/mcp/config';
import { StoredInputResolver, type InputPrompts, type ReuseQuestion } from '../engine/mcp/storedInputs';

const SEND_STORED = 'Send Stored Value';
const ENTER_NEW = 'Enter a New Value';

/**
 * `${input:id}` values in VS Code: asked with an input box (a password box for secret inputs) or a
 * quick pick, or the result of a `command` input's VS Code command; secret values are kept in SecretStorage per workspace, server and input.
 */
export function secretInputResolver(secrets: vscode.SecretStorage): StoredInputResolver {
  return new StoredInputResolver(secrets, prompts, workspaceIdentity());
}

const prompts: InputPrompts = {
  async ask(input: McpInputDefinition, server: string) {
    if (input.type === 'command') {
      const result: unknown = await vscode.commands.executeCommand(input.command!, input.args);
      return result === undefined || result === null ? undefined : String(result);
    }
    const title = `Agent Mesh: MCP server "${server}" needs ${input.description || input.id}`;
    return input.type === 'pickString'
      ? vscode.window.showQuickPick(input.options ?? [], { title, placeHolder: input.default, ignoreFocusOut: true })
      : vscode.window.showInputBox({ title, prompt: `Value of \${input:${input.id}}`, password: input.password, value: input.default, ignoreFocusOut: true });
  },
  async confirmReuse(question: ReuseQuestion) {
    const what = question.input.description || question.input.id;
    const message =
      question.reason === 'changed'
        ? `MCP server "${question.server}" now runs or reaches something else. Send it the value of "${what}" you gave it before?`
        : `Send the value of "${what}" that an earlier version of Agent Mesh saved for any server to MCP server "${question.server}"?`;
    const pick = await vscode.window.showWarningMessage(message, { modal: true, detail: `The server: ${question.target}` }, SEND_STORED, ENTER_NEW);
    return pick === SEND_STORED ? 'reuse' : pick === ENTER_NEW ? 'new' : undefined;
  },
};

/** A stable id of the open workspace (its .code-workspace file or first folder), hashed. */
function workspaceIdentity(): string {
  const uri = vscode.workspace.workspaceFile ?? vscode.workspace.workspaceFolders?.[0]?.uri;
  return uri ? createHash('sha256').update(uri.toString()).digest('hex').slice(0, 16) : 'no-workspace';
}
