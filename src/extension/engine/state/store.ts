import type { JsonObject, JsonValue } from '../../../shared/protocol';
import type { StateStamp } from '../../../shared/state';

/** The version, time and device of the accepted write of one path. */
export type PathStamp = StateStamp;

/** The persisted dashboard document (schema version 2; older shapes are upgraded by migrations.ts). */
export interface StateDocument {
  schemaVersion: number;
  /** Monotonic version of the whole document; bumped by every accepted update. */
  version: number;
  state: JsonObject;
  /** Who last wrote each path (keyed by the dot path), for deterministic conflict resolution. */
  paths: Record<string, PathStamp>;
  lastModified: number;
  /**
   * When the document was last replaced wholesale (DELETE or POST of /api/dashboard/state), 0 if
   * never. Relays sharing a store use it to tell a replacement from a stream of path writes.
   */
  resetAt: number;
}

/** One accepted write of one path. */
export interface StateChange {
  path: string;
  value: JsonValue;
  stamp: PathStamp;
}

export type StoreHealth = { status: 'ok' } | { status: 'degraded'; detail: string };

/** What a store tells the state service it feeds. */
export interface StoreSink {
  /** Something went wrong but was survived (e.g. a damaged file replaced by its backup). */
  problem(message: string): void;
  /** Path writes accepted by another relay sharing the store. */
  changes(changes: StateChange[], version: number): void;
  /** Another relay replaced the whole document (reset or REST replace). */
  replaced(doc: StateDocument): void;
  /**
   * The shared store now holds this document version, written at `lastModified` (after this relay's
   * write or another's), so every relay sharing it reports the same version and time.
   */
  stored?(version: number, lastModified: number): void;
  /** The store needs the current document saved, e.g. to push what was written during an outage. */
  requestSave(): void;
  health(health: StoreHealth): void;
}

export interface StateStore {
  readonly kind: 'file' | 'redis';
  load(): Promise<StateDocument | undefined>;
  /** Stores the document, given as an object or (from the state service) as its JSON text in parts. */
  save(doc: StateDocument | string[]): Promise<void>;
  close(): Promise<void>;
  /** Hands the store the sink its news goes to (problems; other relays' writes for shared stores). */
  connect?(sink: StoreSink): void;
}

export const CURRENT_SCHEMA_VERSION = 2;

export function emptyDocument(now = Date.now()): StateDocument {
  return { schemaVersion: CURRENT_SCHEMA_VERSION, version: 0, state: {}, paths: {}, lastModified: now, resetAt: 0 };
}

export function sameStamp(a: PathStamp | undefined, b: PathStamp | undefined): boolean {
  return a === b || (!!a && !!b && a.version === b.version && a.timestamp === b.timestamp && a.deviceId === b.deviceId);
}

export { byStampOrder, wins } from '../../../shared/state';
