// What a settings change restarts. Each setting names the one part it affects, so a change to a
// view-only setting restarts nothing, a new port moves the relay without touching the stores, and a
// new Redis URL moves the stores without touching the relay, the MCP servers or the views.
import { isDeepStrictEqual } from 'node:util';
import { SETTING_KEYS, type SettingKey, type Settings } from './settings';

/**
 * - `stores`: the stores (dashboard state, approvals, sessions, history) reopen from the new
 *   settings inside the same engine; the relay, MCP servers and views stay;
 * - `relay`: the relay listens again on the new address; stores, MCP servers and views stay;
 * - `metrics`, `humanLoop`, `mesh`, `mcp`: applied in place (the MCP fleet restarts only servers whose entry changed);
 * - `view`: read where it is used; nothing restarts.
 */
export type SettingEffect = 'stores' | 'relay' | 'metrics' | 'humanLoop' | 'mesh' | 'mcp' | 'view';

/** The section of a setting's name: `agentMesh.<section>.…`. */
type SettingSection = SettingKey extends `agentMesh.${infer Section}.${string}` ? Section : never;

/** Every section named here, or the type check fails: a new section must say what it restarts. */
const EFFECT_BY_SECTION: Readonly<Record<SettingSection, SettingEffect>> = {
  relay: 'relay',
  state: 'stores',
  metrics: 'metrics',
  mcp: 'mcp',
  tokens: 'mcp',
  mesh: 'mesh',
  approvals: 'humanLoop',
  tasks: 'humanLoop',
  hooks: 'humanLoop',
  costs: 'humanLoop',
  logs: 'humanLoop',
  history: 'humanLoop',
};

const VIEW_ONLY: ReadonlySet<SettingKey> = new Set(['agentMesh.approvals.notifications', 'agentMesh.tasks.followAutomatically']);

export const SETTING_EFFECTS: Readonly<Record<SettingKey, SettingEffect>> = Object.fromEntries(
  SETTING_KEYS.map((key) => [key, VIEW_ONLY.has(key) ? 'view' : EFFECT_BY_SECTION[key.split('.')[1] as SettingSection]]),
) as Record<SettingKey, SettingEffect>;

export interface SettingsChangePlan {
  changed: SettingKey[];
  /** What to restart or reconfigure; `view` is never listed. */
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
  return { changed, effects };
}
