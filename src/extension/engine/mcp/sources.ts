// Where the fleet's configuration comes from, with VS Code's precedence: the workspace folder's
// `.vscode/mcp.json`, then the workspace's `mcp` setting, then the user profile (its mcp.json and
// `mcp` setting), then `agentMesh.mcp.servers`; `agentMesh.mcp.serverOptions` applies over all.
// Shared by both faces; headless also polls the files for changes.
import { unwatchFile, watchFile } from 'node:fs';
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { McpConfigSource } from '../../../shared/mcp';
import type { Settings } from '../config/settings';
import { applyServerOptions, mergeConfigs, MCP_JSON_RELATIVE_PATH, parseMcpJson, parseMcpSetting, parseSettingsServers, type McpConfig } from './config';
import type { McpFleetSettings } from './fleet';

export function mcpJsonPath(workspaceDir: string): string {
  return path.join(workspaceDir, ...MCP_JSON_RELATIVE_PATH.split('/'));
}

/** VS Code's `mcp` setting (`{ servers, inputs }`) at the scopes it is read from. */
export interface McpSettingBlocks {
  workspace?: unknown;
  user?: unknown;
}

export interface McpSources {
  workspaceDir?: string;
  /** The user profile's mcp.json. */
  userConfigFile?: string;
  mcpSetting?: McpSettingBlocks;
  /** `agentMesh.mcp.servers`. */
  servers: unknown;
  /** `agentMesh.mcp.serverOptions`. */
  serverOptions: unknown;
}

/** The user profile's mcp.json of VS Code's default profile, where VS Code keeps it on this platform. */
export function defaultUserMcpJson(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  const home = os.homedir();
  const userData =
    platform === 'win32' ? path.join(env.APPDATA ?? path.join(home, 'AppData', 'Roaming'), 'Code') : platform === 'darwin' ? path.join(home, 'Library', 'Application Support', 'Code') : path.join(env.XDG_CONFIG_HOME ?? path.join(home, '.config'), 'Code');
  return path.join(userData, 'User', 'mcp.json');
}

/** Reads and merges every source; a missing file is simply no servers. */
export async function loadMcpConfig(sources: McpSources): Promise<McpConfig> {
  const folder = sources.workspaceDir ? await readMcpJson(mcpJsonPath(sources.workspaceDir), 'mcp.json') : undefined;
  const user = sources.userConfigFile ? await readMcpJson(sources.userConfigFile, 'user') : undefined;
  const layers = [
    folder,
    parseMcpSetting(sources.mcpSetting?.workspace, 'workspace', 'mcp (workspace setting)'),
    user,
    parseMcpSetting(sources.mcpSetting?.user, 'user', 'mcp (user setting)'),
    parseSettingsServers(sources.servers),
  ].filter((layer): layer is McpConfig => layer !== undefined);
  return applyServerOptions(mergeConfigs(...layers), sources.serverOptions);
}

async function readMcpJson(file: string, source: McpConfigSource): Promise<McpConfig> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return { servers: [], problems: [], fileUnreadable: false };
    return { servers: [], fileUnreadable: true, problems: [{ message: `cannot read: ${code ?? String(error)}`, source: file }] };
  }
  return parseMcpJson(text, file, source);
}

/** Calls `onChange` when the file appears, changes or disappears (stat polling survives atomic saves). */
export function watchMcpJson(file: string, onChange: () => void, intervalMs = 1000): () => void {
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
