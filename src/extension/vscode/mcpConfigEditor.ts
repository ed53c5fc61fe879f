import * as vscode from 'vscode';
import type { McpConnectionMode, McpTransportKind } from '../../shared/mcp';
import { convertMcpServersFile, migrateLegacyOptions, MCP_JSON_RELATIVE_PATH, SERVER_OPTIONS_KEY, type McpServerOptions } from '../engine/mcp/config';
import { child, parseJsonc, nodeValue, setProperty } from '../engine/mcp/jsonc';
import { serverTarget, type StoredInputResolver } from '../engine/mcp/storedInputs';
import type { SettingsService } from './settings';

/**
 * Edits the MCP configuration for the commands: the workspace's mcp.json (open, import, move
 * legacy fields out) through document edits, and Agent Mesh's own per-server settings.
 */
export class McpConfigEditor {
  constructor(
    private readonly log: vscode.LogOutputChannel,
    private readonly settings: SettingsService,
    private readonly inputResolver: StoredInputResolver,
  ) {}

  async setServerDisabled(name: string | undefined, disabled: boolean): Promise<void> {
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
  async migrateMcpJson(): Promise<void> {
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

  async setToolDisabled(server: string, tool: string, disabled: boolean): Promise<void> {
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
  async setConnectionMode(server: string | undefined, mode: McpConnectionMode): Promise<void> {
    if (!server) return;
    await this.settings.updateServerRecord('agentMesh.mcp.serverConnectionModes', (current) => ({ ...current, [server]: mode }));
  }

  private mcpJsonUri(): vscode.Uri | undefined {
    const folder = vscode.workspace.workspaceFolders?.[0];
    return folder && vscode.Uri.joinPath(folder.uri, ...MCP_JSON_RELATIVE_PATH.split('/'));
  }

  async openConfig(): Promise<void> {
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

  async importServers(): Promise<void> {
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
    let skipped: string[];
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
