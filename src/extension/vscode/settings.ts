import { readFileSync } from 'node:fs';
import path from 'node:path';
import * as vscode from 'vscode';
import { parseConfigText, WORKSPACE_CONFIG_FILE } from '../engine/config/configFile';
import { resolveSettings, type ConfigIssue, type Settings, type SettingsSource } from '../engine/config/settings';
import { planSettingsChange, type SettingsChangePlan } from '../engine/config/settingsChange';
import { vscodeSettingValue } from '../engine/config/trust';
import type { McpSettingBlocks } from '../engine/mcp/sources';

export interface SettingsChange extends SettingsChangePlan {
  settings: Settings;
}

/** Agent Mesh's per-server records, which its commands edit. */
type ServerRecordKey = 'agentMesh.mcp.serverOptions' | 'agentMesh.mcp.disabledTools' | 'agentMesh.mcp.serverConnectionModes';

/**
 * The one reader of VS Code's configuration: typed settings through the schema (with the
 * workspace's agent-mesh.config.json as fallback), one change listener that says what the change
 * affects, and the writes of Agent Mesh's own per-server records.
 */
export class SettingsService implements vscode.Disposable {
  private state: { settings: Settings; issues: ConfigIssue[] };
  private readonly changed = new vscode.EventEmitter<SettingsChange>();
  private readonly listener: vscode.Disposable;
  readonly onDidChange = this.changed.event;

  constructor(private readonly log: vscode.LogOutputChannel) {
    this.state = readSettings();
    this.warn(this.state.issues);
    this.listener = vscode.workspace.onDidChangeConfiguration((event) => {
      const vscodeMcpSettingChanged = event.affectsConfiguration('mcp');
      if (!event.affectsConfiguration('agentMesh') && !vscodeMcpSettingChanged) return;
      const change = this.reread({ vscodeMcpSettingChanged });
      if (change.changed.length > 0 || change.effects.size > 0) this.changed.fire(change);
    });
  }

  get current(): Settings {
    return this.state.settings;
  }

  /**
   * Reads every setting again and says what changed; `onDidChange` fires only for VS Code's own
   * changes, so a caller that rereads (once the workspace is trusted) applies the result itself.
   */
  reread(also: { vscodeMcpSettingChanged?: boolean } = {}): SettingsChange {
    const before = this.state;
    this.state = readSettings();
    const known = new Set(before.issues.map((issue) => `${issue.key}\n${issue.message}`));
    this.warn(this.state.issues.filter((issue) => !known.has(`${issue.key}\n${issue.message}`)));
    return { settings: this.state.settings, ...planSettingsChange(before.settings, this.state.settings, also) };
  }

  /** VS Code's own `mcp` setting (`{ servers, inputs }`) at the workspace and user scopes. */
  mcpSettingBlocks(): McpSettingBlocks {
    const inspected = vscode.workspace.getConfiguration().inspect('mcp');
    return { workspace: inspected?.workspaceValue, user: inspected?.globalValue };
  }

  /**
   * Changes one of Agent Mesh's per-server records where Agent Mesh keeps them: the workspace's
   * settings when a folder is open, else the user's. Only that scope's value is read and written, so
   * nothing from another scope is copied into it.
   */
  async updateServerRecord<K extends ServerRecordKey>(key: K, change: (current: Settings[K]) => Settings[K]): Promise<void> {
    await this.saveServerRecord(key, change(this.ownServerRecord(key)));
  }

  /** The record as Agent Mesh's own scope holds it (see updateServerRecord). */
  ownServerRecord<K extends ServerRecordKey>(key: K): Settings[K] {
    const inspected = vscode.workspace.getConfiguration().inspect<Settings[K]>(key);
    return { ...((ownScopeIsWorkspace() ? inspected?.workspaceValue : inspected?.globalValue) ?? {}) } as Settings[K];
  }

  async saveServerRecord<K extends ServerRecordKey>(key: K, value: Settings[K]): Promise<void> {
    await vscode.workspace.getConfiguration().update(key, value, ownScopeIsWorkspace() ? vscode.ConfigurationTarget.Workspace : vscode.ConfigurationTarget.Global);
  }

  dispose(): void {
    this.listener.dispose();
    this.changed.dispose();
  }

  private warn(issues: ConfigIssue[]): void {
    for (const issue of issues) {
      this.log.warn(`setting ${issue.key} is invalid (${issue.message}); using its default`);
      void vscode.window.showWarningMessage(`Agent Mesh: setting ${issue.key} is invalid (${issue.message}); using its default.`);
    }
  }
}

function ownScopeIsWorkspace(): boolean {
  return vscode.workspace.workspaceFolders !== undefined;
}

/**
 * The engine's settings. A value set in any VS Code scope wins; a setting VS Code leaves unset comes
 * from the workspace's agent-mesh.config.json when it has one (the headless server's file, so one
 * file serves both faces), else from the default in package.json. In an untrusted workspace the
 * restricted settings take the user's values only (see config/trust.ts).
 */
function readSettings(): { settings: Settings; issues: ConfigIssue[] } {
  const configuration = vscode.workspace.getConfiguration();
  const file = workspaceConfig();
  const trusted = vscode.workspace.isTrusted;
  const { settings, issues } = resolveSettings((key) =>
    vscodeSettingValue(key, configuration.inspect(key), () => configuration.get(key), () => file.source(key), trusted),
  );
  return { settings, issues: [...file.issues, ...issues] };
}

function workspaceConfig(): { source: SettingsSource; issues: ConfigIssue[] } {
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  const none = { source: () => undefined, issues: [] };
  if (!folder) return none;
  const file = path.join(folder, WORKSPACE_CONFIG_FILE);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return none;
  }
  try {
    return { source: parseConfigText(text, file).source, issues: [] };
  } catch (error) {
    return { source: () => undefined, issues: [{ key: WORKSPACE_CONFIG_FILE, message: (error as Error).message }] };
  }
}
