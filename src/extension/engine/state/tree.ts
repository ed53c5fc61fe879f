import type { JsonObject, JsonValue } from '../../../shared/protocol';
import { FORBIDDEN_PATH_SEGMENTS } from '../../../shared/protocol';
import { byStampOrder, wins, type StateChange, type StateDocument } from './store';

export function getAt(root: JsonObject, segments: string[]): JsonValue | undefined {
  let node: JsonValue | undefined = root;
  for (const segment of segments) {
    if (typeof node !== 'object' || node === null || Array.isArray(node) || !Object.hasOwn(node, segment)) return undefined;
    node = node[segment];
  }
  return node;
}

/** Sets a value, replacing any non-object on the way with an object. */
export function setAt(root: JsonObject, segments: string[], value: JsonValue): void {
  let node: JsonObject = root;
  for (const segment of segments.slice(0, -1)) {
    assertSafe(segment);
    const child = Object.hasOwn(node, segment) ? node[segment] : undefined;
    if (typeof child !== 'object' || child === null || Array.isArray(child)) {
      const fresh: JsonObject = {};
      node[segment] = fresh;
      node = fresh;
    } else {
      node = child;
    }
  }
  const last = segments[segments.length - 1];
  assertSafe(last);
  node[last] = value;
}

/** Writes one accepted change into a document (stamp included); the caller has checked `wins()`. */
export function applyChange(doc: StateDocument, change: StateChange): void {
  setAt(doc.state, change.path.split('.'), change.value);
  doc.paths[change.path] = change.stamp;
}

/** The change that recreates `path` of `doc` elsewhere. */
export function changeAt(doc: StateDocument, path: string): StateChange | undefined {
  const stamp = doc.paths[path];
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
    if (change && change.stamp.timestamp >= target.resetAt && wins(change.stamp, target.paths[path])) candidates.push(change);
  }
  candidates.sort(byStampOrder);
  for (const change of candidates) applyChange(target, change);
  return candidates;
}
