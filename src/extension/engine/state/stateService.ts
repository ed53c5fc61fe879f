import type { JsonObject, JsonValue } from '../../../shared/protocol';
import { FORBIDDEN_PATH_SEGMENTS } from '../../../shared/protocol';
import type { Logger } from '../log';
import { emptyDocument, type PathStamp, type StateDocument, type StateStore } from './store';

export interface StateChange {
  path: string;
  value: JsonValue;
  stamp: PathStamp;
}

export type UpdateOutcome =
  | { accepted: true; version: number; change: StateChange }
  | { accepted: false; reason: 'conflict'; current: { value: JsonValue | undefined; stamp: PathStamp | undefined } };

/**
 * Deterministic order of two writes of one path: higher version wins, then later timestamp, then the
 * larger device id. Every replica applying the same writes in any order ends with the same winner.
 */
export function wins(incoming: PathStamp, current: PathStamp | undefined): boolean {
  if (!current) return true;
  if (incoming.version !== current.version) return incoming.version > current.version;
  if (incoming.timestamp !== current.timestamp) return incoming.timestamp > current.timestamp;
  return incoming.deviceId > current.deviceId;
}

/** The dashboard document in memory, persisted through a store with coalesced writes. */
export class StateService {
  private doc: StateDocument = emptyDocument();
  private pendingSave: Promise<void> | undefined;
  private saveQueued = false;
  private readonly listeners = new Set<(change: StateChange, sourceDeviceId: string) => void>();

  constructor(
    private readonly store: StateStore,
    private readonly logger: Logger,
  ) {}

  get storeKind(): 'file' | 'redis' {
    return this.store.kind;
  }

  async load(): Promise<void> {
    this.doc = (await this.store.load()) ?? emptyDocument();
    this.logger.info(`state loaded: version ${this.doc.version}, ${Object.keys(this.doc.paths).length} paths`);
  }

  snapshot(): { state: JsonObject; version: number; lastModified: number } {
    return { state: this.doc.state, version: this.doc.version, lastModified: this.doc.lastModified };
  }

  onChange(listener: (change: StateChange, sourceDeviceId: string) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Applies one write if it wins against the current stamp of its path. Resolves once the change
   * is durable in the store, so an acknowledgement sent after it never covers lost data.
   */
  async update(segments: string[], value: JsonValue, stamp: PathStamp): Promise<UpdateOutcome> {
    const path = segments.join('.');
    const current = this.doc.paths[path];
    if (!wins(stamp, current)) {
      return { accepted: false, reason: 'conflict', current: { value: getAt(this.doc.state, segments), stamp: current } };
    }
    setAt(this.doc.state, segments, value);
    this.doc.paths[path] = stamp;
    this.doc.version += 1;
    this.doc.lastModified = Date.now();
    const change: StateChange = { path, value, stamp };
    for (const listener of this.listeners) listener(change, stamp.deviceId);
    await this.scheduleSave();
    return { accepted: true, version: this.doc.version, change };
  }

  /**
   * Coalesces bursts: while one write is in flight, later changes share a single follow-up write.
   */
  private scheduleSave(): Promise<void> {
    if (this.saveQueued && this.pendingSave) return this.pendingSave;
    const previous = this.pendingSave ?? Promise.resolve();
    this.saveQueued = true;
    const next = previous
      .catch(() => undefined)
      .then(async () => {
        this.saveQueued = false;
        await this.store.save(structuredClone(this.doc));
      });
    this.pendingSave = next;
    void next.finally(() => {
      if (this.pendingSave === next) this.pendingSave = undefined;
    }).catch(() => undefined);
    return next;
  }

  async flush(): Promise<void> {
    await this.pendingSave;
  }
}

function getAt(root: JsonObject, segments: string[]): JsonValue | undefined {
  let node: JsonValue | undefined = root;
  for (const segment of segments) {
    if (typeof node !== 'object' || node === null || Array.isArray(node) || !Object.hasOwn(node, segment)) return undefined;
    node = node[segment];
  }
  return node;
}

function setAt(root: JsonObject, segments: string[], value: JsonValue): void {
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

/** Defence in depth: the edge already refuses these, the writer refuses them again. */
function assertSafe(segment: string): void {
  if (FORBIDDEN_PATH_SEGMENTS.has(segment)) throw new Error(`forbidden path segment ${segment}`);
}
