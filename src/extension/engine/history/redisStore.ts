import type { HistoryPage, HistoryRecord } from '../../../shared/history';
import { StoreProblem } from '../hooks/sessionStore';
import { parseJsonAs } from '../jsonText';
import type { Logger } from '../log';
import { closeGracefully, THROUGH_SHORT_OUTAGES, type RedisClient, type RedisConnections } from '../redis/connections';
import type { HistoryKeys } from '../redis/keys';
import { PageCollector, type HistoryQuery } from './query';
import { historyRecordSchema } from './records';
import type { HistoryStore } from './store';

/** Ids read from the index per round trip while a page is collected. */
const SCAN_BATCH = 500;
/** The longest stored record read back (a longer one is skipped as damaged). */
const MAX_RECORD_CHARS = 64 * 1024;

/**
 * The history in Redis, shared by every relay of a workspace: an index sorted by time (the record's
 * `at`) and a hash of the records by id. A record is acknowledged once Redis has it; a Redis that
 * cannot take it is reported in `failure`.
 */
export class RedisHistoryStore implements HistoryStore {
  readonly kind = 'redis' as const;
  readonly failure = new StoreProblem();
  private readonly client: RedisClient;
  private readonly index: string;
  private readonly hash: string;
  private closing = false;

  constructor(
    connections: RedisConnections,
    keys: HistoryKeys,
    private readonly logger: Logger,
  ) {
    this.client = connections.open(THROUGH_SHORT_OUTAGES);
    this.client.on('error', (error) => this.logger.debug(`history Redis: ${error.message}`));
    this.client.on('close', () => this.closing || this.fail('Redis is unreachable'));
    this.client.on('ready', () => this.failure.set(undefined));
    this.index = keys.index;
    this.hash = keys.records;
  }

  async load(): Promise<void> {
    try {
      if (this.client.status === 'wait') await this.client.connect();
    } catch (error) {
      this.fail((error as Error).message);
    }
  }

  async put(record: HistoryRecord): Promise<boolean> {
    try {
      await this.client.agentMeshHistoryPut(this.index, this.hash, record.id, record.at, JSON.stringify(record));
      this.failure.set(undefined);
      return true;
    } catch (error) {
      this.fail((error as Error).message);
      return false;
    }
  }

  /** Reads the index newest first from the cursor's time in batches, checking each record, until the page is full. */
  async query(query: HistoryQuery): Promise<HistoryPage> {
    const collector = new PageCollector(query);
    const max = query.cursor ? String(query.cursor.at) : query.to === undefined ? '+inf' : `(${query.to}`;
    const min = query.from === undefined ? '-inf' : String(query.from);
    for (let offset = 0; ; offset += SCAN_BATCH) {
      const ids = await this.client.zrevrangebyscore(this.index, max, min, 'LIMIT', offset, SCAN_BATCH);
      if (ids.length === 0) break;
      const texts = await this.client.hmget(this.hash, ...ids);
      let full = false;
      for (const text of texts) {
        const record = text === null ? undefined : parseJsonAs(historyRecordSchema, text, MAX_RECORD_CHARS);
        if (record && !collector.offer(record)) {
          full = true;
          break;
        }
      }
      if (full || ids.length < SCAN_BATCH) break;
    }
    return collector.page();
  }

  async prune(oldestAt: number, maxRecords: number): Promise<number> {
    try {
      return Number(await this.client.agentMeshHistoryPrune(this.index, this.hash, oldestAt, maxRecords));
    } catch (error) {
      this.fail((error as Error).message);
      return 0;
    }
  }

  async close(): Promise<void> {
    this.closing = true;
    await closeGracefully(this.client);
  }

  private fail(why: string): void {
    const problem = `history store (redis) cannot write: ${why}; new records are not kept until it can`;
    if (this.failure.value !== problem) this.logger.warn(problem);
    this.failure.set(problem);
  }
}
