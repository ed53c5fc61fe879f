import type { HistoryPage, HistoryRecord } from '../../../shared/history';
import type { StoreProblem } from '../hooks/sessionStore';
import type { HistoryQuery } from './query';

/** The hard cap on records kept, whatever the retention. */
export const MAX_HISTORY_RECORDS = 50_000;

/**
 * Where the history is kept: the data folder (an append-only journal) or Redis. A record is visible
 * to queries only once it is durable; a store that cannot write says so in `failure`.
 */
export interface HistoryStore {
  readonly kind: 'file' | 'redis';
  readonly failure: StoreProblem;
  load(): Promise<void>;
  /** Resolves true once the record is durable (a record with the same id is replaced), false when it could not be written. */
  put(record: HistoryRecord): Promise<boolean>;
  /** Newest first, after `query.cursor`. */
  query(query: HistoryQuery): Promise<HistoryPage>;
  /** Drops the records older than `oldestAt`, then the oldest past `maxRecords`; resolves to how many went. */
  prune(oldestAt: number, maxRecords: number): Promise<number>;
  close(): Promise<void>;
}
