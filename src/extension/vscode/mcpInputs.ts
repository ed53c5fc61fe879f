import * as vscode from 'vscode';
import type { McpInputDefinition } from '../engine/mcp/config';
import type { InputResolver } from '../engine/mcp/variables';

const SECRET_PREFIX = 'agentMesh.mcp.input.';

/**
 * `${input:id}` values in VS Code: asked with an input box (a password box for secret inputs) or a
 * quick pick; secret values are kept in SecretStorage so they are asked once per machine.
 */
export class SecretInputResolver implements InputResolver {
  constructor(private readonly secrets: vscode.SecretStorage) {}

  async resolve(input: McpInputDefinition, server: string): Promise<string> {
    const key = SECRET_PREFIX + input.id;
    if (input.password) {
      const stored = await this.secrets.get(key);
      if (stored !== undefined) return stored;
    }
    const title = `Agent Mesh: MCP server "${server}" needs ${input.description || input.id}`;
    const value =
      input.type === 'pickString'
        ? await vscode.window.showQuickPick(input.options ?? [], { title, placeHolder: input.default, ignoreFocusOut: true })
        : await vscode.window.showInputBox({ title, prompt: `Value of \${input:${input.id}}`, password: input.password, value: input.default, ignoreFocusOut: true });
    if (value === undefined) throw new Error(`input "${input.id}" was not given (restart the server to be asked again)`);
    if (input.password) await this.secrets.store(key, value);
    return value;
  }

  async forget(ids: Iterable<string>): Promise<void> {
    for (const id of ids) await this.secrets.delete(SECRET_PREFIX + id);
  }
}
