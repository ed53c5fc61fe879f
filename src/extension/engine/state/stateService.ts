import type { JsonObject, JsonValue } from '../../../shared/protocol';
import { planWrite } from '../../../shared/state';
import type { Logger } from '../log';
import { byStampOrder, emptyDocument, type PathStamp, type StateChange, type StateDocument, type StateStore, type StoreHealth } from './store';
import { CoalescedWrite } from './coalescedWrite';
import { applyWrite, canonical, getAt, mergePaths } from './tree';

export { wins } from './store';
export type { StateChange } from './store';

export type UpdateOutcome =
  | { accepted: true; version: number; change: StateChange; duplicate: boolean }
  | { accepted: false; reason: 'conflict'; current: { value: JsonValue | undefined; stamp: PathStamp; /** The path or ancestor holding the newer write. */ path: string } };

export type ReplaceOutcome = { replaced: true; version: number } | { replaced: false; version: number };

/** How the state is doing, for /health, the metrics and every dashboard. */
export interface StateStatus {
  store: 'file' | 'redis';
  status: 'ok' | 'degraded';
  /** Why it is degraded. */
  detail?: string;
  /** Problems that were survived (e.g. a damaged file replaced by its backup), newest last. */
  notices: string[];
  /** With the Redis store: whether Redis is reachable and in sync. */
  redis?: 'up' | 'down';
}

export interface StateServiceOptions {
  /** Called with the duration of every store write, in seconds (metrics). */
  observeSave?: (seconds: number, ok: boolean) => void;
}

const MAX_NOTICES = 5;

/** The dashboard document in memory, persisted through a store with coalesced writes. */
export class StateService {
  private doc: StateDocument = emptyDocument();
  /** Saves of the whole document, one at a time; changes made during one share the next. */
  private readonly saves = new CoalescedWrite(() => this.save());
  private storeHealth: StoreHealth = { status: 'ok' };
  private loadFailure: string | undefined;
  private readonly notices: string[] = [];
  private readonly changeListeners = new Set<(change: StateChange, sourceDeviceId: string) => void>();
  private readonly replaceListeners = new Set<() => void>();
  private readonly statusListeners = new Set<(status: StateStatus) => void>();

  constructor(
    private readonly store: StateStore,
    private readonly logger: Logger,
    private readonly options: StateServiceOptions = {},
  ) {
    store.connect?.({
      problem: (message) => this.notice(message),
      changes: (changes, version) => this.applyRemote(changes, version),
      replaced: (doc) => this.adoptReplacement(doc),
      requestSave: () => void this.saves.request().catch(() => undefined),
      health: (health) => {
        this.storeHealth = health;
        if (health.status === 'degraded') this.logger.warn(`state store degraded: ${health.detail}`);
        else this.logger.info('state store healthy');
        this.emitStatus();
      },
    });
  }

  get storeKind(): 'file' | 'redis' {
    return this.store.kind;
  }

  /** Loads the stored document. An unreadable one is reported (status degraded), never a crash. */
  async load(): Promise<void> {
    try {
      this.doc = (await this.store.load()) ?? emptyDocument();
    } catch (error) {
      this.loadFailure = `${(error as Error).message}; starting with an empty dashboard`;
      this.logger.error(this.loadFailure);
      this.doc = emptyDocument();
      this.emitStatus();
    }
    this.logger.info(`state loaded: version ${this.doc.version}, ${Object.keys(this.doc.paths).length} paths`);
  }

  snapshot(): { state: JsonObject; version: number; lastModified: number } {
    return { state: this.doc.state, version: this.doc.version, lastModified: this.doc.lastModified };
  }

  /** The stamp of every path, so clients can version their next write of it. */
  stamps(): Record<string, PathStamp> {
    return this.doc.paths;
  }

  status(): StateStatus {
    const detail = this.loadFailure ?? (this.storeHealth.status === 'degraded' ? this.storeHealth.detail : undefined);
    return {
      store: this.store.kind,
      status: detail ? 'degraded' : 'ok',
      ...(detail ? { detail } : {}),
      notices: [...this.notices],
      ...(this.store.kind === 'redis' ? { redis: this.storeHealth.status === 'ok' ? 'up' : 'down' } : {}),
    };
  }

  onChange(listener: (change: StateChange, sourceDeviceId: string) => void): () => void {
    this.changeListeners.add(listener);
    return () => this.changeListeners.delete(listener);
  }

  /** The whole document was replaced (reset, REST replace, or another relay's replacement). */
  onReplace(listener: () => void): () => void {
    this.replaceListeners.add(listener);
    return () => this.replaceListeners.delete(listener);
  }

  onStatus(listener: (status: StateStatus) => void): () => void {
    this.statusListeners.add(listener);
    return () => this.statusListeners.delete(listener);
  }

  /**
   * Applies one write if it wins by the conflict rule (its path's stamp and its ancestors'; see
   * `planWrite`). Listeners hear about it at once (fan-out does not wait for the disk); the promise
   * resolves once the change is durable, so an acknowledgement sent after it never covers lost data.
   *
   * A write the same device already superseded (a replay of an update whose ack was lost, beaten by
   * that device's own later write of the path or an ancestor) is a duplicate: acknowledged again,
   * applied never twice.
   */
  async update(segments: string[], value: JsonValue, stamp: PathStamp): Promise<UpdateOutcome> {
    const path = segments.join('.');
    const plan = planWrite(this.doc.paths, path, stamp);
    if (!plan.accepted) {
      const blocking = this.doc.paths[plan.blockedBy];
      // Beaten by this device's own write (the same one again, or a later one): a replay.
      if (blocking.deviceId === stamp.deviceId) {
        await this.flush();
        return { accepted: true, duplicate: true, version: this.doc.version, change: { path, value: getAt(this.doc.state, segments) ?? null, stamp: this.doc.paths[path] ?? blocking } };
      }
      return { accepted: false, reason: 'conflict', current: { value: getAt(this.doc.state, segments), stamp: blocking, path: plan.blockedBy } };
    }
    const change = applyWrite(this.doc, { path, value, stamp }, plan)!;
    this.touch(this.doc.version + 1);
    for (const listener of this.changeListeners) listener(change, stamp.deviceId);
    await this.saves.request();
    return { accepted: true, duplicate: false, version: this.doc.version, change };
  }

  /**
   * Replaces the whole document (REST POST, DELETE) when `expectedVersion` is the current version.
   * Every top-level key gets a fresh stamp one above its previous version, so the replacement wins
   * against writes made before it.
   */
  async replace(state: JsonObject, deviceId: string, expectedVersion = this.doc.version): Promise<ReplaceOutcome> {
    if (expectedVersion !== this.doc.version) return { replaced: false, version: this.doc.version };
    const now = Date.now();
    const previous = this.doc;
    const paths: Record<string, PathStamp> = {};
    for (const key of Object.keys(state)) paths[key] = { version: (previous.paths[key]?.version ?? 0) + 1, timestamp: now, deviceId };
    this.doc = { ...emptyDocument(now), state: canonical(state), paths, version: previous.version + 1, resetAt: Math.max(now, previous.resetAt + 1) };
    for (const listener of this.replaceListeners) listener();
    await this.saves.request();
    return { replaced: true, version: this.doc.version };
  }

  flush(): Promise<void> {
    return this.saves.settled();
  }

  /** Waits for the last write, then releases the store (Redis connections). */
  async close(): Promise<void> {
    await this.flush();
    await this.store.close();
  }

  private touch(version: number): void {
    this.doc.version = version;
    this.doc.lastModified = Date.now();
  }

  /** Writes another relay made; each is applied only where it wins, in a deterministic order. */
  private applyRemote(changes: StateChange[], version: number): void {
    const applied = [...changes]
      .sort(byStampOrder)
      .map((change) => applyWrite(this.doc, change))
      .filter((change): change is StateChange => change !== undefined);
    if (applied.length === 0) return;
    this.touch(Math.max(this.doc.version + 1, version));
    for (const change of applied) for (const listener of this.changeListeners) listener(change, change.stamp.deviceId);
  }

  /** Another relay replaced the document: adopt it, keeping local writes made after the replacement. */
  private adoptReplacement(replacement: StateDocument): void {
    if (replacement.resetAt <= this.doc.resetAt) return;
    const next = structuredClone(replacement);
    mergePaths(next, this.doc, Object.keys(this.doc.paths));
    next.version = Math.max(this.doc.version + 1, replacement.version);
    this.doc = next;
    for (const listener of this.replaceListeners) listener();
  }

  private notice(message: string): void {
    this.logger.warn(message);
    this.notices.push(message);
    if (this.notices.length > MAX_NOTICES) this.notices.shift();
    this.emitStatus();
  }

  private emitStatus(): void {
    const status = this.status();
    for (const listener of this.statusListeners) listener(status);
  }

  private async save(): Promise<void> {
    const started = performance.now();
    try {
      await this.store.save(structuredClone(this.doc));
      this.options.observeSave?.((performance.now() - started) / 1000, true);
    } catch (error) {
      this.options.observeSave?.((performance.now() - started) / 1000, false);
      throw error;
    }
  }
}
