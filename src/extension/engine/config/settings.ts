// Every `agentMesh.*` setting, its schema and default, in one place. The VS Code face reads them
// from the configuration; the headless face from a JSON file whose keys are the same names.
// test/unit/config.test.ts keeps package.json's `contributes.configuration` in step with this.
import { z } from 'zod';

export const settingSchemas = {
  'agentMesh.relay.host': z.string().min(1).regex(/^[0-9a-zA-Z.:[\]-]+$/, 'must be a host name or IP address').default('127.0.0.1'),
  'agentMesh.relay.port': z.number().int().min(0).max(65535).default(0),
  'agentMesh.state.redisUrl': z
    .string()
    .regex(/^(rediss?:\/\/.+)?$/, 'must be empty or a redis:// or rediss:// URL')
    .default(''),
  'agentMesh.state.ttlDays': z.number().int().min(1).max(3650).default(30),
} as const;

export type SettingKey = keyof typeof settingSchemas;
export type Settings = { [K in SettingKey]: z.output<(typeof settingSchemas)[K]> };

export const SETTING_KEYS = Object.keys(settingSchemas) as SettingKey[];

export interface ConfigIssue {
  key: string;
  message: string;
}

/** Where raw setting values come from: VS Code's configuration or a parsed JSON file. */
export type SettingsSource = (key: SettingKey) => unknown;

/**
 * Resolves every setting from a source: an absent value takes the default; an invalid one takes the
 * default too and is reported, so one bad setting never stops the engine.
 */
export function resolveSettings(source: SettingsSource): { settings: Settings; issues: ConfigIssue[] } {
  const issues: ConfigIssue[] = [];
  const settings = {} as Record<SettingKey, unknown>;
  for (const key of SETTING_KEYS) {
    const schema = settingSchemas[key];
    const raw = source(key);
    const parsed = schema.safeParse(raw === null ? undefined : raw);
    if (parsed.success) {
      settings[key] = parsed.data;
    } else {
      issues.push({ key, message: parsed.error.issues.map((i) => i.message).join('; ') });
      settings[key] = schema.parse(undefined);
    }
  }
  return { settings: settings as Settings, issues };
}

export function defaultSettings(): Settings {
  return resolveSettings(() => undefined).settings;
}
