import * as vscode from 'vscode';
import { resolveSettings, type ConfigIssue, type Settings } from '../engine/config/settings';

/** The engine's settings from VS Code's configuration (defaults come from package.json). */
export function readSettings(): { settings: Settings; issues: ConfigIssue[] } {
  const configuration = vscode.workspace.getConfiguration();
  return resolveSettings((key) => configuration.get(key));
}
