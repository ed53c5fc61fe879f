import { FORBIDDEN_PATH_SEGMENTS, type JsonObject, type JsonValue } from '../../../shared/json';
import { byStampOrder, deleteStamp, getAt, planWrite, setStamp, stampOf, type WritePlan } from '../../../shared/state';
import type { StateChange, StateDocument } from './store';

export { getAt } from '../../../shared/state';

/**
 * Sets a value, replacing any non-object on the way with an object. Keys are kept in canonical
 * order (see `canonical`), so replicas that applied the same writes in different orders (relays,
 * the Redis copy) hold byte-identical documents.
 */
export function setAt(root: JsonObject, segments: string[], value: JsonValue): void {
  let node: JsonObject = root;
  for (const segment of segments.slice(0, -1)) {
    assertSafe(segment);
    const child = Object.hasOwn(node, segment) ? node[segment] : undefined;
    if (typeof child !== 'object' || child === null || Array.isArray(child)) {
      const fresh: JsonObject = {};
      setKey(node, segment, fresh);
      node = fresh;
    } else {
      node = child;
    }
  }
  const last = segments[segments.length - 1];
  assertSafe(last);
  setKey(node, last, canonical(value));
}

/**
 * A copy of `value` with the keys of every object sorted. Object key order is otherwise the order
 * of first insertion, which differs between replicas that received the same writes in another order.
 */
export function canonical<T extends JsonValue>(value: T): T;
export function canonical(value: JsonValue): JsonValue {
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) return value.map(canonical);
  const keys = Object.keys(value);
  if (!isSorted(keys)) keys.sort();
  const copy: JsonObject = {};
  for (const key of keys) {
    // Defined, not assigned, so a `__proto__` key stays data, never a prototype.
    if (key === '__proto__') Object.defineProperty(copy, key, { value: canonical(value[key]), writable: true, enumerable: true, configurable: true });
    else copy[key] = canonical(value[key]);
  }
  return copy;
}

function isSorted(keys: string[]): boolean {
  for (let i = 1; i < keys.length; i++) if (keys[i - 1] > keys[i]) return false;
  return true;
}

/** Sets `key` of `node`, inserting a new key at its sorted place. */
function setKey(node: JsonObject, key: string, value: JsonValue): void {
  const isNew = !Object.hasOwn(node, key);
  node[key] = value;
  if (!isNew) return;
  const keys = Object.keys(node);
  const at = keys.length - 1;
  if (keys[at] === key && (at === 0 || keys[at - 1] <= key)) return; // already in place (the common append)
  const entries = keys.sort().map((k) => [k, node[k]] as const);
  for (const k of keys) delete node[k];
  for (const [k, v] of entries) Object.defineProperty(node, k, { value: v, writable: true, enumerable: true, configurable: true });
}

/**
 * Applies a write to a document by the conflict rule (`planWrite`): refused (undefined) when the
 * path or an ancestor holds a newer stamp; otherwise the subtree is replaced, newer descendants
 * are put back on top, and the change is returned with the value the path now holds.
 */
export function applyWrite(doc: StateDocument, change: StateChange, plan: WritePlan = planWrite(doc.paths, change.path, change.stamp)): StateChange | undefined {
  if (!plan.accepted) return undefined;
  const kept = plan.kept.map((path) => path.split('.')).map((segments) => ({ segments, value: getAt(doc.state, segments) ?? null }));
  for (const path of plan.superseded) deleteStamp(doc.paths, path);
  const segments = change.path.split('.');
  setAt(doc.state, segments, change.value);
  for (const { segments: keptSegments, value } of kept) setAt(doc.state, keptSegments, value);
  setStamp(doc.paths, change.path, change.stamp);
  return kept.length === 0 ? change : { ...change, value: getAt(doc.state, segments) ?? null };
}

/** The change that recreates `path` of `doc` elsewhere. */
export function changeAt(doc: StateDocument, path: string): StateChange | undefined {
  const stamp = stampOf(doc.paths, path);
  if (!stamp) return undefined;
  return { path, value: getAt(doc.state, path.split('.')) ?? null, stamp };
}

/** Defence in depth: the edge already refuses these, the writer refuses them again. */
function assertSafe(segment: string): void {
  if (FORBIDDEN_PATH_SEGMENTS.has(segment)) throw new Error(`forbidden path segment ${segment}`);
}

/**
 * Copies into `target` the writes of `source` at `paths` that win there, oldest first, skipping
 * writes older than `target`'s last replacement. Returns the changes applied.
 */
export function mergePaths(target: StateDocument, source: StateDocument, paths: Iterable<string>): StateChange[] {
  const candidates: StateChange[] = [];
  for (const path of paths) {
    const change = changeAt(source, path);
    if (change && change.stamp.timestamp >= target.resetAt) candidates.push(change);
  }
  candidates.sort(byStampOrder);
  return candidates.map((change) => applyWrite(target, change)).filter((applied): applied is StateChange => applied !== undefined);
}
