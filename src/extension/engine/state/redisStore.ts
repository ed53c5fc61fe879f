// The shared store: the dashboard document in Redis, written atomically (a Lua compare-and-set on
// the version key), fanned out to every relay sharing it over pub/sub, and mirrored in the local
// file so a Redis outage costs nothing: the relay keeps serving, journals what it accepted, and
// pushes it when Redis returns.
import { randomUUID } from 'node:crypto';
import * as z from 'zod';
import { jsonValueSchema } from '../../../shared/protocol';
import type { Logger } from '../log';
import type { RedisClient, RedisConnections } from '../redis/connections';
import type { StateKeys } from '../redis/keys';
import { CorruptStateError, decodeDocument, documentSchema, encodeDocument } from './codec';
import type { FileStore, SyncJournal } from './fileStore';
import { MigrationError } from './migrations';
import { emptyDocument, sameStamp, wins, type PathStamp, type StateChange, type StateDocument, type StateStore, type StoreSink } from './store';
import { stampOf } from '../../../shared/state';
import { changeAt, mergePaths } from './tree';

const stampSchema = z.object({ version: z.number(), timestamp: z.number(), deviceId: z.string() });
const announcementSchema = z.object({
  relay: z.string(),
  version: z.number(),
  lastModified: z.number().optional(),
  changes: z.array(z.object({ path: z.string().min(1), value: jsonValueSchema, stamp: stampSchema })).optional(),
  replacement: documentSchema.optional(),
});
/** What a relay publishes after writing: the path writes it pushed, or its wholesale replacement. */
interface Announcement {
  relay: string;
  version: number;
  /** Absent from relays of earlier versions. */
  lastModified?: number;
  changes?: StateChange[];
  replacement?: StateDocument;
}

const MAX_CAS_ATTEMPTS = 20;
/** How soon a push that failed while Redis stayed connected (e.g. outrun by other relays) is retried. */
const RETRY_PUSH_MS = 1000;

export interface RedisStoreOptions {
  connections: RedisConnections;
  keys: StateKeys;
  ttlSeconds: number;
  /** The local mirror: serves during outages and keeps the journal of unsynced paths. */
  local: FileStore;
  logger: Logger;
  /** How long loading waits for Redis before serving from the local file (degraded). */
  connectTimeoutMs?: number;
}

export class RedisStore implements StateStore {
  readonly kind = 'redis' as const;
  /** Tells this relay's announcements from other relays'. */
  readonly relayId = randomUUID();
  private readonly client: RedisClient;
  private readonly subscriber: RedisClient;
  private sink: StoreSink | undefined;
  /** The stamps Redis is known to hold; local stamps that differ are the journal. */
  private synced = new Map<string, PathStamp>();
  private syncedResetAt = 0;
  /** The document at `cachedVersion`, to skip re-reading an unchanged Redis copy. */
  private cached: { version: string; doc: StateDocument } | undefined;
  private health: 'unknown' | 'up' | 'down' = 'unknown';
  private loaded = false;
  private closed = false;
  private lastError = '';
  private retryTimer: NodeJS.Timeout | undefined;
  private readonly stopWatchingFailovers: () => void;

  constructor(private readonly options: RedisStoreOptions) {
    const connectTimeoutMs = options.connectTimeoutMs;
    // Commands fail at once while Redis is unreachable (no offline queue): the relay answers from
    // memory and the file instead of hanging.
    this.client = options.connections.open({ offlineQueue: false, maxRetriesPerRequest: 1, connectTimeoutMs });
    // The subscription waits for Redis however long it takes (then ioredis renews it on every reconnect).
    this.subscriber = options.connections.open({ offlineQueue: true, maxRetriesPerRequest: null, connectTimeoutMs });
    for (const connection of [this.client, this.subscriber]) connection.on('error', (error: Error) => (this.lastError = error.message));
    this.client.on('close', () => this.markDown());
    this.client.on('ready', () => {
      if (this.loaded) this.sink?.requestSave();
    });
    this.subscriber.on('ready', () => {
      if (this.loaded) this.sink?.requestSave();
    });
    this.subscriber.on('message', (_channel: string, message: string) => this.onAnnouncement(message));
    // The new primary may lack the last writes the old one acknowledged (a Cluster connection is
    // not even 'ready' again): forget what Redis was known to hold, so the next push merges every path.
    this.stopWatchingFailovers = options.connections.onFailover(() => {
      this.synced = new Map();
      this.cached = undefined;
      if (this.loaded) this.sink?.requestSave();
    });
  }

  get where(): string {
    return this.options.connections.where;
  }

  connect(sink: StoreSink): void {
    this.sink = sink;
    this.options.local.connect(sink);
  }

  async load(): Promise<StateDocument | undefined> {
    const local = await this.options.local.loadWithJournal();
    const doc = local?.doc ?? emptyDocument();
    this.trustJournal(doc, local?.journal);
    const subscribed = this.subscriber.subscribe(this.options.keys.channel);
    subscribed.catch(() => undefined);
    let result = doc;
    try {
      await this.client.connect();
      await subscribed;
      result = await this.sync(doc);
      this.markUp();
    } catch (error) {
      this.markDown((error as Error).message);
    }
    this.loaded = true;
    return result.version === 0 && !local ? undefined : result;
  }

  /**
   * Writes the local mirror (document + journal) first, so the write is durable even if Redis is
   * down, then pushes the journal to Redis. A Redis failure degrades the store; it does not fail
   * the save.
   */
  async save(given: StateDocument | string[]): Promise<void> {
    // A copy of its own: the merge below runs while the service goes on changing its document.
    const doc: StateDocument = Array.isArray(given) ? JSON.parse(given.join('')) : given;
    await this.options.local.save(given, this.journalOf(doc));
    if (this.client.status !== 'ready') {
      this.markDown();
      return;
    }
    try {
      const merged = await this.sync(doc);
      this.reportNews(doc, merged);
      this.sink?.stored?.(merged.version, merged.lastModified);
      this.markUp();
    } catch (error) {
      this.markDown((error as Error).message);
      // A newer relay's document stays unreadable however often it is read again.
      if (!(error instanceof MigrationError)) this.retryLater();
    }
  }

  /**
   * The journal must not wait for the next local write to reach Redis (other relays would never
   * see it): after a failed push on a live connection, push again shortly. A lost connection
   * retries by itself on 'ready'.
   */
  private retryLater(): void {
    if (this.closed || this.retryTimer || this.client.status !== 'ready') return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      if (!this.closed) this.sink?.requestSave();
    }, RETRY_PUSH_MS);
    this.retryTimer.unref();
  }

  async close(): Promise<void> {
    this.closed = true;
    this.stopWatchingFailovers();
    clearTimeout(this.retryTimer);
    this.client.disconnect();
    this.subscriber.disconnect();
    await this.options.local.close();
  }

  /** The paths of `doc` Redis has not confirmed, as persisted in the local file. */
  private journalOf(doc: StateDocument): SyncJournal {
    const paths = Object.keys(doc.paths).filter((p) => !sameStamp(doc.paths[p], this.synced.get(p)));
    return { paths, syncedResetAt: this.syncedResetAt };
  }

  /** After a restart: every path not in the saved journal was in Redis when the relay stopped. */
  private trustJournal(doc: StateDocument, journal: SyncJournal | undefined): void {
    if (!journal) return; // written by the file store (no Redis before): all of it is new to Redis
    const unsynced = new Set(journal.paths);
    for (const [p, stamp] of Object.entries(doc.paths)) if (!unsynced.has(p)) this.synced.set(p, stamp);
    this.syncedResetAt = journal.syncedResetAt;
  }

  /**
   * Brings Redis and `doc` together: whichever side was replaced more recently is the base, and the
   * other side's writes that win are merged onto it; the result is written with a compare-and-set
   * (retried when another relay wrote in between) and announced. Returns what Redis now holds.
   */
  private async sync(doc: StateDocument): Promise<StateDocument> {
    const journal = this.journalOf(doc).paths;
    const { keys, ttlSeconds } = this.options;
    for (let attempt = 0; attempt < MAX_CAS_ATTEMPTS; attempt++) {
      const { version: remoteVersion, doc: remote } = await this.readRemote();
      let merged: StateDocument;
      let announcement: Announcement;
      if (remote && remote.resetAt >= doc.resetAt) {
        merged = structuredClone(remote);
        const pushed = mergePaths(merged, doc, journal);
        if (pushed.length === 0) {
          this.confirm(merged, remoteVersion);
          return merged;
        }
        announcement = { relay: this.relayId, version: 0, changes: pushed };
      } else {
        // Redis has nothing (first use, expired, or lost in a restart) or an older replacement.
        merged = structuredClone(doc);
        if (remote) mergePaths(merged, remote, Object.keys(remote.paths));
        if (!remote && doc.version === 0) return doc;
        announcement = remote
          ? { relay: this.relayId, version: 0, replacement: merged }
          : { relay: this.relayId, version: 0, changes: Object.keys(merged.paths).map((p) => changeAt(merged, p)!) };
      }
      merged.version = Math.max(Number(remoteVersion), remote?.version ?? 0, doc.version) + 1;
      merged.lastModified = Date.now();
      announcement.version = merged.version;
      announcement.lastModified = merged.lastModified;
      const written = await this.client.agentMeshStateCas(
        keys.doc,
        keys.version,
        keys.modified,
        remoteVersion,
        String(merged.version),
        encodeDocument(merged),
        String(merged.lastModified),
        String(ttlSeconds),
        keys.channel,
        JSON.stringify(announcement),
      );
      if (written === 1) {
        this.confirm(merged, String(merged.version));
        return merged;
      }
    }
    throw new Error(`gave up writing to ${this.where} after ${MAX_CAS_ATTEMPTS} concurrent-write retries`);
  }

  private async readRemote(): Promise<{ version: string; doc: StateDocument | undefined }> {
    const { keys } = this.options;
    const version = (await this.client.get(keys.version)) ?? '0';
    if (this.cached && this.cached.version === version) return { version, doc: structuredClone(this.cached.doc) };
    const [text, versionWithDoc] = await this.client.mget(keys.doc, keys.version);
    if (text === null) return { version: versionWithDoc ?? '0', doc: undefined };
    try {
      return { version: versionWithDoc ?? '0', doc: await decodeDocument(text, this.where) };
    } catch (error) {
      if (!(error instanceof CorruptStateError)) throw error;
      // The local copy is the backup: it replaces the damaged one in this sync.
      this.sink?.problem(`${error.message}; restoring it from this relay's copy`);
      return { version: versionWithDoc ?? '0', doc: undefined };
    }
  }

  private confirm(doc: StateDocument, version: string): void {
    this.synced = new Map(Object.entries(doc.paths));
    this.syncedResetAt = doc.resetAt;
    this.cached = { version, doc: structuredClone(doc) };
  }

  /** Tells the service what Redis holds that its document (as saved) did not. */
  private reportNews(saved: StateDocument, merged: StateDocument): void {
    if (merged.resetAt > saved.resetAt) {
      this.sink?.replaced(merged);
      return;
    }
    const news = Object.keys(merged.paths)
      .filter((p) => wins(merged.paths[p], stampOf(saved.paths, p)))
      .map((p) => changeAt(merged, p)!);
    if (news.length > 0) this.sink?.changes(news, merged.version);
  }

  private onAnnouncement(message: string): void {
    let parsed: Announcement;
    try {
      parsed = announcementSchema.parse(JSON.parse(message));
    } catch (error) {
      this.options.logger.warn(`ignored a malformed state announcement on ${this.options.keys.channel}: ${(error as Error).message}`);
      return;
    }
    if (parsed.relay === this.relayId) return;
    this.cached = undefined;
    if (parsed.replacement) {
      this.confirm(parsed.replacement, String(parsed.version));
      this.sink?.replaced(parsed.replacement);
      this.sink?.stored?.(parsed.version, parsed.replacement.lastModified);
      return;
    }
    const changes: StateChange[] = parsed.changes ?? [];
    for (const change of changes) if (wins(change.stamp, this.synced.get(change.path))) this.synced.set(change.path, change.stamp);
    this.sink?.changes(changes, parsed.version);
    if (parsed.lastModified !== undefined) this.sink?.stored?.(parsed.version, parsed.lastModified);
  }

  private markUp(): void {
    if (this.health === 'up') return;
    this.health = 'up';
    this.options.logger.info(`state store: ${this.where} in sync`);
    this.sink?.health({ status: 'ok' });
  }

  private markDown(reason?: string): void {
    this.cached = undefined;
    if (this.closed || this.health === 'down') return;
    this.health = 'down';
    const why = reason ?? (this.lastError || 'connection lost');
    // Connected but failing (out of memory, read-only replica, a newer relay's data) is not "unreachable".
    const state = this.client.status === 'ready' ? `is connected but failing (${why})` : `is unreachable (${why})`;
    this.sink?.health({ status: 'degraded', detail: `${this.where} ${state}; serving from memory and the local file, changes are kept and pushed when it works again` });
  }

}
