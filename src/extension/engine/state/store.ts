import type { JsonObject } from '../../../shared/protocol';

/** The version, time and device of the accepted write of one path. */
export interface PathStamp {
  version: number;
  timestamp: number;
  deviceId: string;
}

/** The persisted dashboard document. */
export interface StateDocument {
  schemaVersion: number;
  /** Monotonic version of the whole document; bumped by every accepted update. */
  version: number;
  state: JsonObject;
  /** Who last wrote each path (keyed by the dot path), for deterministic conflict resolution. */
  paths: Record<string, PathStamp>;
  lastModified: number;
}

export interface StateStore {
  readonly kind: 'file' | 'redis';
  load(): Promise<StateDocument | undefined>;
  save(doc: StateDocument): Promise<void>;
  close(): Promise<void>;
}

export const CURRENT_SCHEMA_VERSION = 1;

export function emptyDocument(now = Date.now()): StateDocument {
  return { schemaVersion: CURRENT_SCHEMA_VERSION, version: 0, state: {}, paths: {}, lastModified: now };
}
