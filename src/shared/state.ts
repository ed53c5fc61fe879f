// The dashboard state's HTTP contract (DM-11.1) and the frames' stamp type, shared by the relay,
// the dashboard and tests.
import * as z from 'zod';
import { FORBIDDEN_PATH_SEGMENTS, jsonValueSchema, type JsonObject, type JsonValue } from './json';

/** Who wrote a path last, at which per-path version and time. */
export interface StateStamp {
  version: number;
  timestamp: number;
  deviceId: string;
}

/**
 * The conflict rule, the same on the relay and in every dashboard: of two writes of one path the
 * higher per-path version wins, then the later timestamp, then the larger device id. Applying the
 * same writes in any order on any replica ends with the same winner.
 */
export function wins(incoming: StateStamp, current: StateStamp | undefined): boolean {
  if (!current) return true;
  if (incoming.version !== current.version) return incoming.version > current.version;
  if (incoming.timestamp !== current.timestamp) return incoming.timestamp > current.timestamp;
  return incoming.deviceId > current.deviceId;
}

/** The stamp of `path`; own keys only, so a path named `toString` is not mistaken for a stamp. */
export function stampOf(stamps: Readonly<Record<string, StateStamp>>, path: string): StateStamp | undefined {
  return Object.hasOwn(stamps, path) ? stamps[path] : undefined;
}

/** Sorts writes into the order `wins()` ranks them, oldest first, so applying them in turn is deterministic. */
export function byStampOrder<T extends { stamp: StateStamp }>(a: T, b: T): number {
  return wins(a.stamp, b.stamp) ? 1 : wins(b.stamp, a.stamp) ? -1 : 0;
}

/** How a write meets the writes already applied (see `planWrite`). */
export type WritePlan =
  | { accepted: false; /** The path whose stamp beats the write: the path itself or an ancestor. */ blockedBy: string }
  | { accepted: true; /** Descendants the write replaces (their stamps go). */ superseded: string[]; /** Newer descendants that stay on top of it, oldest first. */ kept: string[] };

/**
 * The conflict rule across a path's ancestors and descendants, so that writes of `x` and `x.y`
 * converge like writes of one path: the result is the same as applying every write in stamp order,
 * whatever order they arrive in. A write is refused when its own path or an ancestor holds a stamp
 * that beats it (that newer write replaced it). Accepted, it replaces its subtree, except for
 * descendants written with a stamp that beats it: those are put back on top.
 */
export function planWrite(stamps: Readonly<Record<string, StateStamp>>, path: string, stamp: StateStamp): WritePlan {
  for (const ancestorOrSelf of [path, ...ancestorsOf(path)]) {
    const current = stampOf(stamps, ancestorOrSelf);
    if (current && !wins(stamp, current)) return { accepted: false, blockedBy: ancestorOrSelf };
  }
  const superseded: string[] = [];
  const kept: Array<{ path: string; stamp: StateStamp }> = [];
  for (const other of stampIndex(stamps).under(path)) {
    if (wins(stamp, stamps[other])) superseded.push(other);
    else kept.push({ path: other, stamp: stamps[other] });
  }
  return { accepted: true, superseded, kept: kept.sort(byStampOrder).map((k) => k.path) };
}

/** The paths above `path`, nearest first: `a.b.c` → `a.b`, `a`. */
function ancestorsOf(path: string): string[] {
  const ancestors: string[] = [];
  for (let dot = path.lastIndexOf('.'); dot > 0; dot = path.lastIndexOf('.', dot - 1)) ancestors.push(path.slice(0, dot));
  return ancestors;
}

/**
 * Which stamped paths lie under each path, so that a write finds its descendants without
 * enumerating every stamp (milliseconds for a few thousand paths). Built on first use for a stamps
 * record and kept current by `setStamp` / `deleteStamp`, which must be the only ways a record that
 * has been planned against is changed afterwards.
 */
class StampIndex {
  private readonly descendants = new Map<string, Set<string>>();

  constructor(stamps: Readonly<Record<string, StateStamp>>) {
    for (const path of Object.keys(stamps)) this.add(path);
  }

  under(path: string): Iterable<string> {
    return this.descendants.get(path) ?? [];
  }

  add(path: string): void {
    for (const ancestor of ancestorsOf(path)) {
      let set = this.descendants.get(ancestor);
      if (!set) this.descendants.set(ancestor, (set = new Set()));
      set.add(path);
    }
  }

  remove(path: string): void {
    for (const ancestor of ancestorsOf(path)) {
      const set = this.descendants.get(ancestor);
      if (set?.delete(path) && set.size === 0) this.descendants.delete(ancestor);
    }
  }
}

const indexes = new WeakMap<object, StampIndex>();

function stampIndex(stamps: Readonly<Record<string, StateStamp>>): StampIndex {
  let index = indexes.get(stamps);
  if (!index) indexes.set(stamps, (index = new StampIndex(stamps)));
  return index;
}

/** Records the stamp of `path`, keeping the record's descendant index current. */
export function setStamp(stamps: Record<string, StateStamp>, path: string, stamp: StateStamp): void {
  if (!Object.hasOwn(stamps, path)) indexes.get(stamps)?.add(path);
  stamps[path] = stamp;
}

/** Forgets the stamp of `path`, keeping the record's descendant index current. */
export function deleteStamp(stamps: Record<string, StateStamp>, path: string): void {
  if (!Object.hasOwn(stamps, path)) return;
  indexes.get(stamps)?.remove(path);
  delete stamps[path];
}

/**
 * The per-path version for a new write of `path`: one above every stamp of the path, its ancestors
 * and its descendants, so the write beats everything its writer has seen there (writing `x` after
 * `x.y` replaces `x.y` too).
 */
export function nextVersion(stamps: Readonly<Record<string, StateStamp>>, path: string): number {
  let highest = 0;
  for (const ancestorOrSelf of [path, ...ancestorsOf(path)]) highest = Math.max(highest, stampOf(stamps, ancestorOrSelf)?.version ?? 0);
  for (const other of stampIndex(stamps).under(path)) highest = Math.max(highest, stamps[other].version);
  return highest + 1;
}

/** Whether two paths are the same or one lies under the other (writes of them meet in `planWrite`). */
export function pathsOverlap(a: string, b: string): boolean {
  return a === b || a.startsWith(`${b}.`) || b.startsWith(`${a}.`);
}

/** The value at `segments` of a state tree, undefined where the path leads nowhere. */
export function getAt(root: JsonObject, segments: string[]): JsonValue | undefined {
  let node: JsonValue | undefined = root;
  for (const segment of segments) {
    if (typeof node !== 'object' || node === null || Array.isArray(node) || !Object.hasOwn(node, segment)) return undefined;
    node = node[segment];
  }
  return node;
}

/** GET /api/dashboard/state */
export interface DashboardStateBody {
  version: number;
  state: JsonObject;
  lastModified: number;
}

function hasForbiddenKey(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  if (Array.isArray(value)) return value.some(hasForbiddenKey);
  return Object.keys(value).some((key) => FORBIDDEN_PATH_SEGMENTS.has(key) || hasForbiddenKey((value as Record<string, unknown>)[key]));
}

/** POST /api/dashboard/state: the whole state a client last saw at `version`, with an optional checksum. */
export const dashboardStatePostSchema = z.strictObject({
  version: z.number().int().nonnegative(),
  // Checked on the raw value: a parsed copy would already have dropped a `__proto__` key.
  state: z
    .unknown()
    .refine((state) => !hasForbiddenKey(state), { message: 'keys __proto__, prototype and constructor are not allowed' })
    .pipe(z.record(z.string(), jsonValueSchema)),
  /** sha256 (hex) of `canonicalJson(state)`. */
  checksum: z
    .string()
    .regex(/^[0-9a-fA-F]{64}$/, 'must be a sha256 hex digest')
    .optional(),
});
export type DashboardStatePost = z.output<typeof dashboardStatePostSchema>;

/**
 * How the relay settled a POST: only a POST made against the current version replaces the state;
 * a stale one changes nothing and the server's state stands ("server-wins").
 */
export interface ConflictResolution {
  strategy: 'server-wins';
  /** The version the client's state was based on. */
  clientVersion: number;
  /** Top-level keys whose posted value differs from the server's. */
  conflictingKeys: string[];
}

export interface DashboardStatePostResult {
  success: boolean;
  serverVersion: number;
  conflictResolution?: ConflictResolution;
}

/** JSON with object keys sorted at every level and no whitespace: the input of the checksum. */
export function canonicalJson(value: JsonValue): string {
  if (typeof value !== 'object' || value === null) return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const keys = Object.keys(value).sort();
  return `{${keys.map((key) => `${JSON.stringify(key)}:${canonicalJson(value[key])}`).join(',')}}`;
}
