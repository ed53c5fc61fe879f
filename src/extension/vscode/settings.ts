import { readFileSync } from 'node:fs';
import path from 'node:path';
import * as vscode from 'vscode';
import { parseConfigText, WORKSPACE_CONFIG_FILE } from '../engine/config/configFile';
import { resolveSettings, type ConfigIssue, type Settings, type SettingsSource } from '../engine/config/settings';

/**
 * The engine's settings. A value set in any VS Code scope wins; a setting VS Code leaves unset comes
 * from the workspace's agent-mesh.config.json when it has one (the headless server's file, so one
 * file serves both faces), else from the default in package.json.
 */
export function readSettings(): { settings: Settings; issues: ConfigIssue[] } {
  const configuration = vscode.workspace.getConfiguration();
  const file = workspaceConfig();
  const { settings, issues } = resolveSettings((key) => {
    const inspected = configuration.inspect(key);
    const setInVsCode = [inspected?.globalValue, inspected?.workspaceValue, inspected?.workspaceFolderValue].some((v) => v !== undefined);
    return setInVsCode ? configuration.get(key) : (file.source(key) ?? configuration.get(key));
  });
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
