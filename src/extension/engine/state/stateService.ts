import { MAX_VERSION_LEAP, type JsonObject, type JsonValue } from '../../../shared/protocol';
import { nextVersion, planWrite, stampOf } from '../../../shared/state';
import type { Logger } from '../log';
import { StoreSwitch } from '../storeSwitch';
import { byStampOrder, emptyDocument, type PathStamp, type StateChange, type StateDocument, type StateStore, type StoreHealth } from './store';
import { CoalescedWrite } from './coalescedWrite';
import { DocumentText } from './documentText';
import { applyWrite, canonical, getAt, mergePaths } from './tree';

export { wins } from './store';
export type { StateChange } from './store';

export type UpdateOutcome =
  | { accepted: true; version: number; change: StateChange; duplicate: boolean }
  | { accepted: false; reason: 'conflict'; current: { value: JsonValue | undefined; stamp: PathStamp; /** The path or ancestor holding the newer write. */ path: string } }
  /** The write's version leaps more than MAX_VERSION_LEAP above everything around its path. */
  | { accepted: false; reason: 'version_too_high'; highest: number }
  /** The store could not write it: it was taken back out of the document and nobody heard of it. */
  | { accepted: false; reason: 'not_saved'; detail: string };

/** The whole document could not be stored; it was rolled back. */
export class StateNotSavedError extends Error {
  constructor(readonly detail: string) {
    super(`the dashboard state could not be saved: ${detail}`);
    this.name = 'StateNotSavedError';
  }
}

/** Who made a change: the connection that wrote it (compared by identity), absent for REST and other relays. */
export type ChangeOrigin = object | undefined;

/** One change made to the document since it was last stored, kept to be made again on top of the stored one. */
interface UnsavedChange {
  /** Another relay's write, durable in the shared store already: never rolled back. */
  remote: boolean;
  redo(doc: StateDocument): StateDocument;
}

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
/** After a failed save, how soon the store is tried again without waiting for a write. */
const SAVE_RETRY_MS = 5_000;

/** The dashboard document in memory, persisted through a store with coalesced writes. */
export class StateService {
  private doc: StateDocument = emptyDocument();
  /** The JSON text of the document as last stored (or loaded): what it falls back to when a save fails. */
  private durable = JSON.stringify(emptyDocument());
  private readonly text = new DocumentText();
  /** The changes made since `durable`, oldest first. */
  private unsaved: UnsavedChange[] = [];
  /** Saves of the whole document, one at a time; changes made during one share the next. */
  private readonly saves = new CoalescedWrite(() => this.save());
  private storeHealth: StoreHealth = { status: 'ok' };
  private loadFailure: string | undefined;
  private saveFailure: string | undefined;
  private saveRetry: NodeJS.Timeout | undefined;
  private readonly notices: string[] = [];
  private readonly changeListeners = new Set<(change: StateChange, sourceDeviceId: string, origin: ChangeOrigin) => void>();
  private readonly replaceListeners = new Set<() => void>();
  private readonly statusListeners = new Set<(status: StateStatus) => void>();

  /** Writes that come while the store is being replaced wait for the new store. */
  private readonly storeSwitch = new StoreSwitch();

  constructor(
    private store: StateStore,
    private readonly logger: Logger,
    private readonly options: StateServiceOptions = {},
  ) {
    this.connectStore(store);
  }

  /** Hands the store its sink; news from a store that was replaced since is ignored. */
  private connectStore(store: StateStore): void {
    const current = () => this.store === store;
    store.connect?.({
      problem: (message) => current() && this.notice(message),
      changes: (changes, version) => current() && this.applyRemote(changes, version),
      replaced: (doc) => current() && this.adoptReplacement(doc),
      stored: (version, lastModified) => current() && this.adoptStoredVersion(version, lastModified),
      requestSave: () => current() && void this.saves.request().catch(() => undefined),
      health: (health) => {
        if (!current()) return;
        this.storeHealth = health;
        if (health.status === 'degraded') this.logger.warn(`state store degraded: ${health.detail}`);
        else this.logger.info('state store healthy');
        this.emitStatus();
      },
    });
  }

  /**
   * Moves to another store (a settings change): waits for the writes in flight, closes the old
   * store, loads the new one and tells every dashboard (a fresh `state:full` and `status`). Writes
   * that arrive meanwhile wait for the new store. The file store and the Redis store's local mirror
   * are the same file, and the Redis store merges that file into Redis by the conflict rule, so the
   * document this relay holds comes along in both directions with nothing copied here.
   */
  replaceStore(store: StateStore): Promise<void> {
    return this.storeSwitch.moving(async () => {
      clearTimeout(this.saveRetry);
      await this.flush();
      await this.store.close();
      const versionBefore = this.doc.version;
      this.store = store;
      this.storeHealth = { status: 'ok' };
      this.loadFailure = undefined;
      this.saveFailure = undefined;
      this.unsaved = [];
      this.connectStore(store);
      await this.load();
      // The document version never goes back: clients compare it.
      this.doc.version = Math.max(this.doc.version, versionBefore);
      for (const listener of this.replaceListeners) listener();
      this.emitStatus();
    });
  }

  get storeKind(): 'file' | 'redis' {
    return this.store.kind;
  }

  /** Loads the stored document. An unreadable one is reported (status degraded), never a crash. */
  async load(): Promise<void> {
    try {
      this.doc = (await this.store.load()) ?? emptyDocument();
      this.durable = this.text.document(this.doc);
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

  /** The JSON text of `snapshot().state`, serialising only what changed since the last call. */
  stateJson(): string {
    return this.text.state(this.doc.state);
  }

  /** The stamp of every path, so clients can version their next write of it. */
  stamps(): Record<string, PathStamp> {
    return this.doc.paths;
  }

  status(): StateStatus {
    const detail = this.saveFailure ?? this.loadFailure ?? (this.storeHealth.status === 'degraded' ? this.storeHealth.detail : undefined);
    return {
      store: this.store.kind,
      status: detail ? 'degraded' : 'ok',
      ...(detail ? { detail } : {}),
      notices: [...this.notices],
      ...(this.store.kind === 'redis' ? { redis: this.storeHealth.status === 'ok' ? 'up' : 'down' } : {}),
    };
  }

  /** Hears every change once it is durable (local writes) or as it arrives (other relays' writes, durable there). */
  onChange(listener: (change: StateChange, sourceDeviceId: string, origin: ChangeOrigin) => void): () => void {
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
   * `planWrite`). Later writes are checked against it at once, but nobody hears of it before it is
   * durable: the promise resolves (and listeners are told) once the store has it, so neither an
   * acknowledgement nor another dashboard ever sees a write that is then lost. A write the store
   * could not take is rolled back and answered `not_saved`.
   *
   * A write the same device already superseded (a replay of an update whose ack was lost, beaten by
   * that device's own later write of the path or an ancestor) is a duplicate: acknowledged again,
   * applied never twice.
   */
  async update(segments: string[], value: JsonValue, stamp: PathStamp, origin?: ChangeOrigin): Promise<UpdateOutcome> {
    if (this.storeSwitch.busy) await this.storeSwitch.passage();
    const path = segments.join('.');
    const highest = nextVersion(this.doc.paths, path) - 1;
    if (stamp.version > highest + 1 + MAX_VERSION_LEAP) return { accepted: false, reason: 'version_too_high', highest };
    const plan = planWrite(this.doc.paths, path, stamp);
    if (!plan.accepted) {
      const blocking = stampOf(this.doc.paths, plan.blockedBy)!;
      if (blocking.deviceId !== stamp.deviceId) {
        return { accepted: false, reason: 'conflict', current: { value: getAt(this.doc.state, segments), stamp: blocking, path: plan.blockedBy } };
      }
      // Beaten by this device's own write (the same one again, or a later one): a replay, once that write is durable.
      await this.flush();
      if (stampOf(this.doc.paths, plan.blockedBy) !== blocking) return this.update(segments, value, stamp, origin);
      return { accepted: true, duplicate: true, version: this.doc.version, change: { path, value: getAt(this.doc.state, segments) ?? null, stamp: stampOf(this.doc.paths, path) ?? blocking } };
    }
    const change = applyWrite(this.doc, { path, value, stamp }, plan)!;
    this.text.changed(this.doc.state, path);
    this.touch(this.doc.version + 1);
    this.unsaved.push({ remote: false, redo: (doc) => (applyWrite(doc, { path, value, stamp }), doc) });
    try {
      await this.saves.request();
    } catch {
      return { accepted: false, reason: 'not_saved', detail: this.saveFailure ?? 'the store could not write' };
    }
    for (const listener of this.changeListeners) listener(change, stamp.deviceId, origin);
    return { accepted: true, duplicate: false, version: this.doc.version, change };
  }

  /**
   * Replaces the whole document (REST POST, DELETE) when `expectedVersion`, if given, is the current version.
   * Every top-level key gets a fresh stamp one above its previous version, so the replacement wins
   * against writes made before it. Throws StateNotSavedError (and keeps the old document) when the
   * store cannot write it.
   */
  async replace(state: JsonObject, deviceId: string, expectedVersion?: number): Promise<ReplaceOutcome> {
    if (this.storeSwitch.busy) await this.storeSwitch.passage();
    // While saves fail, a version mismatch would send the caller re-reading and retrying in vain:
    // the store's own word comes first (the retry also tells when it can write again).
    if (this.saveFailure) await this.saveOrRefuse();
    if (expectedVersion !== undefined && expectedVersion !== this.doc.version) return { replaced: false, version: this.doc.version };
    const now = Date.now();
    const replacement = (previous: StateDocument): StateDocument => {
      const paths: Record<string, PathStamp> = {};
      for (const key of Object.keys(state)) paths[key] = { version: (stampOf(previous.paths, key)?.version ?? 0) + 1, timestamp: now, deviceId };
      return { ...emptyDocument(now), state: canonical(state), paths, version: previous.version + 1, resetAt: Math.max(now, previous.resetAt + 1) };
    };
    this.doc = replacement(this.doc);
    this.unsaved.push({ remote: false, redo: replacement });
    await this.saveOrRefuse();
    for (const listener of this.replaceListeners) listener();
    return { replaced: true, version: this.doc.version };
  }

  private async saveOrRefuse(): Promise<void> {
    try {
      await this.saves.request();
    } catch {
      throw new StateNotSavedError(this.saveFailure ?? 'the store could not write');
    }
  }

  flush(): Promise<void> {
    return this.saves.settled();
  }

  /** Waits for the last write, then releases the store (Redis connections). */
  async close(): Promise<void> {
    clearTimeout(this.saveRetry);
    await this.flush();
    await this.store.close();
  }

  private touch(version: number): void {
    this.doc.version = version;
    this.doc.lastModified = Date.now();
  }

  /** Writes another relay made; each is applied only where it wins, in a deterministic order. */
  private applyRemote(changes: StateChange[], version: number): void {
    const applyAll = (doc: StateDocument): StateChange[] => [...changes].sort(byStampOrder).flatMap((change) => applyWrite(doc, change) ?? []);
    const applied = applyAll(this.doc);
    if (applied.length === 0) return;
    for (const change of applied) this.text.changed(this.doc.state, change.path);
    this.touch(Math.max(this.doc.version, version));
    this.unsaved.push({ remote: true, redo: (doc) => (applyAll(doc), doc) });
    for (const change of applied) for (const listener of this.changeListeners) listener(change, change.stamp.deviceId, undefined);
  }

  /** The shared store's version and time win over this relay's own count once they have caught up with it. */
  private adoptStoredVersion(version: number, lastModified: number): void {
    if (version < this.doc.version) return;
    this.doc.version = version;
    this.doc.lastModified = lastModified;
  }

  /** Another relay replaced the document: adopt it, keeping local writes made after the replacement. */
  private adoptReplacement(replacement: StateDocument): void {
    if (replacement.resetAt <= this.doc.resetAt) return;
    const adopt = (doc: StateDocument): StateDocument => {
      const next = structuredClone(replacement);
      mergePaths(next, doc, Object.keys(doc.paths));
      next.version = Math.max(doc.version + 1, replacement.version);
      return next;
    };
    this.doc = adopt(this.doc);
    this.unsaved.push({ remote: true, redo: adopt });
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
    const snapshot = this.text.documentParts(this.doc);
    const covered = this.unsaved.length;
    try {
      await this.store.save(snapshot);
      this.options.observeSave?.((performance.now() - started) / 1000, true);
    } catch (error) {
      this.options.observeSave?.((performance.now() - started) / 1000, false);
      this.rollBack(covered);
      this.failedToSave((error as Error).message);
      throw error;
    }
    this.durable = snapshot.join('');
    this.unsaved.splice(0, covered);
    if (this.saveFailure) {
      this.saveFailure = undefined;
      this.logger.info('the dashboard state is being saved again');
      this.emitStatus();
    }
  }

  /**
   * Takes the first `failed` local changes (the ones the failed save held) back out: the document
   * becomes the stored one with the other changes made again on top. Other relays' writes stay.
   */
  private rollBack(failed: number): void {
    const kept = this.unsaved.filter((change, index) => change.remote || index >= failed);
    let doc = JSON.parse(this.durable) as StateDocument;
    for (const change of kept) doc = change.redo(doc);
    // The document version never goes back: clients compare it.
    doc.version = Math.max(doc.version, this.doc.version);
    this.doc = doc;
    this.unsaved = kept;
  }

  private failedToSave(reason: string): void {
    const first = !this.saveFailure;
    this.saveFailure = `changes could not be saved (${reason}); they were refused and rolled back`;
    if (first) {
      this.logger.error(this.saveFailure);
      this.emitStatus();
    }
    clearTimeout(this.saveRetry);
    this.saveRetry = setTimeout(() => void this.saves.request().catch(() => undefined), SAVE_RETRY_MS);
    this.saveRetry.unref();
  }
}
