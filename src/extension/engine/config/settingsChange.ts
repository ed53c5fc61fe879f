// What a settings change restarts. Each setting names the one part it affects, so a change to a
// view-only setting restarts nothing and a new port moves the relay without touching the stores.
import { isDeepStrictEqual } from 'node:util';
import { SETTING_KEYS, type SettingKey, type Settings } from './settings';

/**
 * - `engine`: the engine is rebuilt (its stores are opened from these settings, and the metrics
 *   route's auth is fixed when it is registered);
 * - `relay`: the relay listens again on the new address; stores, MCP servers and views stay;
 * - `humanLoop`, `mesh`, `mcp`: applied in place (the MCP fleet restarts only servers whose entry changed);
 * - `view`: read where it is used; nothing restarts.
 */
export type SettingEffect = 'engine' | 'relay' | 'humanLoop' | 'mesh' | 'mcp' | 'view';

const bySection = (key: SettingKey): SettingEffect => {
  const section = key.split('.')[1];
  switch (section) {
    case 'relay':
      return 'relay';
    case 'state':
    case 'metrics':
      return 'engine';
    case 'mcp':
    case 'tokens':
      return 'mcp';
    case 'mesh':
      return 'mesh';
    case 'approvals':
    case 'tasks':
    case 'hooks':
    case 'costs':
    case 'logs':
    case 'history':
      return 'humanLoop';
    default:
      // A section not classified here: the rebuild applies it, whatever it is.
      return 'engine';
  }
};

const VIEW_ONLY: ReadonlySet<SettingKey> = new Set(['agentMesh.approvals.notifications', 'agentMesh.tasks.followAutomatically']);

export const SETTING_EFFECTS: Readonly<Record<SettingKey, SettingEffect>> = Object.fromEntries(
  SETTING_KEYS.map((key) => [key, VIEW_ONLY.has(key) ? 'view' : bySection(key)]),
) as Record<SettingKey, SettingEffect>;

export interface SettingsChangePlan {
  changed: SettingKey[];
  /** What to restart or reconfigure; `view` is never listed, and `engine` stands alone (the rebuild takes every new value). */
  effects: Set<Exclude<SettingEffect, 'view'>>;
}

export function planSettingsChange(before: Settings, after: Settings, also: { vscodeMcpSettingChanged?: boolean } = {}): SettingsChangePlan {
  const changed = SETTING_KEYS.filter((key) => !isDeepStrictEqual(before[key], after[key]));
  const effects = new Set<Exclude<SettingEffect, 'view'>>();
  for (const key of changed) {
    const effect = SETTING_EFFECTS[key];
    if (effect !== 'view') effects.add(effect);
  }
  if (also.vscodeMcpSettingChanged) effects.add('mcp');
  return { changed, effects: effects.has('engine') ? new Set(['engine']) : effects };
}
