// Where the fleet's configuration comes from: the workspace's `.vscode/mcp.json` plus the
// `agentMesh.mcp.*` settings. Shared by both faces; headless also polls the file for changes.
import { unwatchFile, watchFile } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Settings } from '../config/settings';
import { mergeConfigs, MCP_JSON_RELATIVE_PATH, parseMcpJson, parseSettingsServers, type McpConfig } from './config';
import type { McpFleetSettings } from './fleet';

export function mcpJsonPath(workspaceDir: string): string {
  return path.join(workspaceDir, ...MCP_JSON_RELATIVE_PATH.split('/'));
}

/** Reads and merges both sources; a missing file is simply no servers. */
export async function loadMcpConfig(workspaceDir: string | undefined, settingsServers: unknown): Promise<McpConfig> {
  const fromSettings = parseSettingsServers(settingsServers);
  if (!workspaceDir) return fromSettings;
  const file = mcpJsonPath(workspaceDir);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return fromSettings;
    const unreadable: McpConfig = { servers: [], fileUnreadable: true, problems: [{ message: `cannot read: ${code ?? String(error)}`, source: file }] };
    return mergeConfigs(unreadable, fromSettings);
  }
  return mergeConfigs(parseMcpJson(text, file), fromSettings);
}

/** Calls `onChange` when mcp.json appears, changes or disappears (stat polling survives atomic saves). */
export function watchMcpJson(workspaceDir: string, onChange: () => void, intervalMs = 1000): () => void {
  const file = mcpJsonPath(workspaceDir);
  const listener = (current: { mtimeMs: number; size: number }, previous: { mtimeMs: number; size: number }) => {
    if (current.mtimeMs !== previous.mtimeMs || current.size !== previous.size) onChange();
  };
  watchFile(file, { interval: intervalMs, persistent: false }, listener);
  return () => unwatchFile(file, listener);
}

export function mcpFleetSettings(settings: Settings): McpFleetSettings {
  return {
    connectTimeoutMs: settings['agentMesh.mcp.connectTimeoutMs'],
    toolTimeoutMs: settings['agentMesh.mcp.toolTimeoutMs'],
    maxAttempts: settings['agentMesh.mcp.maxAttempts'],
    retryDelayMs: settings['agentMesh.mcp.retryDelayMs'],
    tokenBudget: settings['agentMesh.mcp.tokenBudget'],
    disabledTools: settings['agentMesh.mcp.disabledTools'],
    connectionMode: settings['agentMesh.mcp.connectionMode'],
    connectionModes: settings['agentMesh.mcp.serverConnectionModes'],
    idleDisconnectMs: settings['agentMesh.mcp.idleDisconnectMs'],
    encoding: settings['agentMesh.tokens.encoding'],
    modelFamily: settings['agentMesh.tokens.modelFamily'],
  };
}
