import { readFile } from 'node:fs/promises';
import { SETTING_KEYS, type SettingKey, type SettingsSource } from './settings';

/** The workspace's config file: read by `agent-mesh serve`, and by VS Code for settings it does not set itself. */
export const WORKSPACE_CONFIG_FILE = 'agent-mesh.config.json';

export class ConfigFileError extends Error {
  constructor(
    readonly file: string,
    message: string,
  ) {
    super(`${file}: ${message}`);
    this.name = 'ConfigFileError';
  }
}

/**
 * Reads the headless config: a JSON object whose keys are setting names exactly as in
 * settings.json. Malformed JSON or a non-object is an error; unknown keys are returned so the
 * caller can warn about them (a typo should not pass silently).
 */
export async function readConfigFile(file: string): Promise<{ source: SettingsSource; unknownKeys: string[] }> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new ConfigFileError(file, `cannot read: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  return parseConfigText(text, file);
}

export function parseConfigText(text: string, file = 'config'): { source: SettingsSource; unknownKeys: string[] } {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new ConfigFileError(file, `invalid JSON: ${(error as Error).message}`);
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw new ConfigFileError(file, 'must contain a JSON object of "agentMesh.*" settings');
  }
  const values = new Map(Object.entries(data));
  const known = new Set<string>(SETTING_KEYS);
  const unknownKeys = [...values.keys()].filter((k) => !known.has(k) && !k.startsWith('$'));
  return { source: (key: SettingKey) => values.get(key), unknownKeys };
}
