import { readFileSync } from 'node:fs';
import path from 'node:path';
import * as vscode from 'vscode';
import { parseConfigText, WORKSPACE_CONFIG_FILE } from '../engine/config/configFile';
import { resolveSettings, type ConfigIssue, type Settings, type SettingsSource } from '../engine/config/settings';
import { vscodeSettingValue } from '../engine/config/trust';

/**
 * The engine's settings. A value set in any VS Code scope wins; a setting VS Code leaves unset comes
 * from the workspace's agent-mesh.config.json when it has one (the headless server's file, so one
 * file serves both faces), else from the default in package.json. In an untrusted workspace the
 * restricted settings take the user's values only (see config/trust.ts).
 */
export function readSettings(): { settings: Settings; issues: ConfigIssue[] } {
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
