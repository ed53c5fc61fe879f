// Workspace trust and settings: which settings a workspace may not set until it is trusted, and how
// the VS Code face picks a setting's raw value from its scopes and the workspace's config file.
import type { SettingKey } from './settings';

/**
 * Settings a workspace could use to weaken the relay: expose it, point it at another store, open
 * metrics, approve more on its own, start servers and reach hosts, or
 * open more files to the log viewer. Listed in package.json's
 * `capabilities.untrustedWorkspaces.restrictedConfigurations`.
 */
export const RESTRICTED_SETTING_KEYS = [
  'agentMesh.relay.host',
  'agentMesh.relay.allowedHosts',
  'agentMesh.relay.port',
  'agentMesh.state.redisUrl',
  'agentMesh.metrics.requireAuth',
  'agentMesh.approvals.autoApproveThreshold',
  'agentMesh.approvals.quickThreshold',
  'agentMesh.mcp.servers',
  'agentMesh.mcp.serverOptions',
  'agentMesh.mesh.agents',
  'agentMesh.logs.directories',
] as const satisfies readonly SettingKey[];

const RESTRICTED: ReadonlySet<SettingKey> = new Set(RESTRICTED_SETTING_KEYS);

/** What VS Code's `inspect()` reports for a setting, per scope. */
export interface InspectedSetting {
  globalValue?: unknown;
  workspaceValue?: unknown;
  workspaceFolderValue?: unknown;
}

/**
 * A setting's raw value in VS Code: a value set in any VS Code scope wins (`merged`, as VS Code
 * merges them); one VS Code leaves unset comes from the workspace's config file, else the default
 * (undefined). In an untrusted workspace a restricted setting takes the user's own value only:
 * neither the workspace's settings nor its config file count.
 */
export function vscodeSettingValue(key: SettingKey, inspected: InspectedSetting | undefined, merged: () => unknown, fromFile: () => unknown, trusted: boolean): unknown {
  if (!trusted && RESTRICTED.has(key)) return inspected?.globalValue;
  const setInVsCode = [inspected?.globalValue, inspected?.workspaceValue, inspected?.workspaceFolderValue].some((v) => v !== undefined);
  return setInVsCode ? merged() : (fromFile() ?? merged());
}
