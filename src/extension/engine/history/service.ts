import { HISTORY_EXPORT_CAP, MAX_HISTORY_PAGE, type HistoryExport, type HistoryPage, type HistoryRecord } from '../../../shared/history';
import type { Logger } from '../log';
import { EngineError } from '../errors';
import { CurrentStoreProblem } from '../hooks/sessionStore';
import { decodeCursor, type HistoryFilter, type HistoryQuery } from './query';
import { MAX_HISTORY_RECORDS, type HistoryStore } from './store';

const DAY_MS = 24 * 60 * 60 * 1000;
export const PRUNE_EVERY_MS = 60 * 60 * 1000;
/** Also pruned after this many records, so a burst cannot grow the store far past the cap before the hour is up. */
export const PRUNE_AFTER_RECORDS = 1000;

/**
 * Keeps finished tasks, decided approvals, ended sessions and fired alerts for `retentionDays`
 * (and at most `maxRecords`), pruned at start, every hour and when the retention changes.
 */
export class HistoryService {
  private readonly listeners = new Set<(record: HistoryRecord) => void>();
  private readonly storeProblem: CurrentStoreProblem;
  private pruneTimer: NodeJS.Timeout | undefined;
  /** Records that arrive before `load` (other stores replaying theirs at start) or during a store switch wait for it. */
  private markLoaded!: () => void;
  private loaded = this.closedGate();
  private loading: Promise<void> | undefined;
  private recordedSincePrune = 0;

  constructor(
    private store: HistoryStore,
    private readonly logger: Logger,
    private retentionDays: number,
    private readonly options: { maxRecords?: number; pruneAfterRecords?: number; now?: () => number } = {},
  ) {
    this.storeProblem = new CurrentStoreProblem(store.failure);
  }

  get kind(): 'file' | 'redis' {
    return this.store.kind;
  }

  /** Why the store cannot write, for the relay's condition; undefined while it writes. */
  get problem(): string | undefined {
    return this.storeProblem.value;
  }

  onProblemChange(listener: () => void): () => void {
    return this.storeProblem.onChange(listener);
  }

  /** Told of each record once it is durable. */
  onRecorded(listener: (record: HistoryRecord) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Reads the store and prunes it; records and queries that come meanwhile wait for it, so a relay can start without waiting. */
  load(): Promise<void> {
    this.loading ??= this.loadAndPrune(this.store);
    return this.loading;
  }

  /**
   * Moves to another store (a settings change). Nothing is copied: the history is an archive each
   * store keeps for itself, and moving back shows the old store's records again. Records and
   * queries wait for the new store.
   */
  async replaceStore(store: HistoryStore): Promise<void> {
    await this.loading?.catch(() => undefined);
    this.loaded = this.closedGate();
    clearInterval(this.pruneTimer);
    await this.store.close();
    this.store = store;
    this.storeProblem.follow(store.failure);
    this.loading = this.loadAndPrune(store);
    await this.loading;
  }

  private closedGate(): Promise<void> {
    return new Promise<void>((resolve) => (this.markLoaded = resolve));
  }

  private async loadAndPrune(store: HistoryStore): Promise<void> {
    try {
      await store.load();
    } finally {
      this.markLoaded();
    }
    await this.prune();
    this.pruneTimer = setInterval(() => void this.prune(), PRUNE_EVERY_MS);
    this.pruneTimer.unref();
  }

  configure(retentionDays: number): void {
    if (retentionDays === this.retentionDays) return;
    this.retentionDays = retentionDays;
    void this.prune();
  }

  /** Records it (nothing for undefined, or a record already past the retention); listeners hear of it once it is durable. */
  async record(record: HistoryRecord | undefined): Promise<void> {
    await this.loaded;
    if (!record || record.at < this.oldestKept()) return;
    if (!(await this.store.put(record))) return;
    for (const listener of this.listeners) listener(record);
    if (++this.recordedSincePrune >= (this.options.pruneAfterRecords ?? PRUNE_AFTER_RECORDS)) void this.prune();
  }

  async query(query: HistoryQuery): Promise<HistoryPage> {
    await this.loaded;
    try {
      return await this.store.query(query);
    } catch (error) {
      throw new EngineError('unavailable', 'history_unavailable', `the history store did not answer (${(error as Error).message})`);
    }
  }

  /** The newest records that match, up to HISTORY_EXPORT_CAP; `truncated` when more matched. */
  async exportRecords(filter: HistoryFilter, cap = HISTORY_EXPORT_CAP): Promise<HistoryExport> {
    const records: HistoryRecord[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.query({ ...filter, limit: Math.min(MAX_HISTORY_PAGE, cap + 1 - records.length), cursor: cursor === undefined ? undefined : decodeCursor(cursor) });
      records.push(...page.records);
      cursor = page.nextCursor;
    } while (cursor !== undefined && records.length <= cap);
    return { records: records.slice(0, cap), truncated: records.length > cap };
  }

  async prune(): Promise<number> {
    this.recordedSincePrune = 0;
    const removed = await this.store.prune(this.oldestKept(), this.options.maxRecords ?? MAX_HISTORY_RECORDS);
    if (removed > 0) this.logger.info(`history: pruned ${removed} record(s) past the retention of ${this.retentionDays} day(s) or the cap`);
    return removed;
  }

  async close(): Promise<void> {
    await this.loading;
    clearInterval(this.pruneTimer);
    await this.store.close();
  }

  private oldestKept(): number {
    return (this.options.now ?? Date.now)() - this.retentionDays * DAY_MS;
  }
}
