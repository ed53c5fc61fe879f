import { copyFile, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import type { HistoryPage, HistoryRecord } from '../../../shared/history';
import { StoreProblem } from '../hooks/sessionStore';
import { parseJsonLines } from '../jsonText';
import type { Logger } from '../log';
import { openForAppend, readIfPresent, removeStaleTempFiles, writeFileAtomic } from '../state/atomicFile';
import { asideName } from '../state/coalescedWrite';
import type { Recoveries } from '../state/recoveries';
import { newestFirst, PageCollector, type HistoryQuery } from './query';
import { historyRecordSchema } from './records';
import type { HistoryStore } from './store';

/** Records waiting for a write at most; past it the oldest waiting are refused. */
const MAX_WAITING = 10_000;
/** The journal is rewritten (at the next prune) once it holds this many more lines than records. */
const SUPERSEDED_LINES_BEFORE_REWRITE = 1_000;

interface Waiting {
  record: HistoryRecord;
  done: (durable: boolean) => void;
}

/**
 * The history in the data folder: one JSON line per record, appended and datasynced before the
 * record is shown (several records that arrive during a write share the next one). A later line with
 * the same id replaces the earlier. A damaged line is skipped and reported (the file is kept aside and
 * /health lists it), a torn last line (a crash mid-append) dropped; pruning rewrites the file atomically.
 */
export class FileHistoryStore implements HistoryStore {
  readonly kind = 'file' as const;
  readonly failure = new StoreProblem();
  /** Newest first. */
  private readonly records: HistoryRecord[] = [];
  private readonly byId = new Map<string, HistoryRecord>();
  private journal: FileHandle | undefined;
  private journalBytes = 0;
  private journalLines = 0;
  private waiting: Waiting[] = [];
  private writes: Promise<unknown> = Promise.resolve();
  /** The file holds lines that are not in memory (damaged, torn, or a failed write): rewrite it before appending. */
  private rewriteDue = false;
  private unreadable = false;

  constructor(
    readonly file: string,
    private readonly logger: Logger,
    private readonly recoveries?: Recoveries,
  ) {}

  /** A file that cannot be read loads nothing and is never written, so that nothing there is overwritten. */
  async load(): Promise<void> {
    let text: string | undefined;
    try {
      for (const name of await removeStaleTempFiles(this.file)) this.logger.info(`history: removed ${name}, a temp file an interrupted write left`);
      text = await readIfPresent(this.file);
    } catch (error) {
      this.unreadable = true;
      this.failure.set(`history store: cannot read ${path.basename(this.file)} (${(error as Error).message}); nothing is recorded so that it is not overwritten`);
      return;
    }
    if (text === undefined) return;
    const { entries, bad, torn } = parseJsonLines(text, historyRecordSchema);
    // A later line replaces an earlier one with the same id; one sort then, not one insertion per line.
    for (const record of entries) this.byId.set(record.id, record);
    this.records.push(...[...this.byId.values()].sort(newestFirst));
    this.journalLines = entries.length;
    if (torn) this.logger.warn(`history: ignored a torn last line (${Buffer.byteLength(torn)} bytes) of ${path.basename(this.file)}, an append a crash interrupted`);
    if (bad.length > 0) await this.reportDamage(bad);
    this.rewriteDue = torn !== '' || bad.length > 0;
  }

  put(record: HistoryRecord): Promise<boolean> {
    if (this.unreadable) return Promise.resolve(false);
    const existing = this.byId.get(record.id);
    if (existing && JSON.stringify(existing) === JSON.stringify(record)) return Promise.resolve(true);
    return new Promise((done) => {
      this.waiting.push({ record, done });
      if (this.waiting.length > MAX_WAITING) this.waiting.shift()!.done(false);
      if (this.waiting.length === 1) void this.serially(() => this.appendWaiting());
    });
  }

  async query(query: HistoryQuery): Promise<HistoryPage> {
    const collector = new PageCollector(query);
    const start = query.cursor ? this.indexAfter(query.cursor) : 0;
    for (let i = start; i < this.records.length && collector.offer(this.records[i]); i++);
    return collector.page();
  }

  prune(oldestAt: number, maxRecords: number): Promise<number> {
    return this.serially(async () => {
      const keep = this.records.filter((record, index) => record.at >= oldestAt && index < maxRecords).length;
      const removed = this.records.splice(keep);
      for (const record of removed) this.byId.delete(record.id);
      const superseded = this.journalLines - this.records.length >= SUPERSEDED_LINES_BEFORE_REWRITE;
      if (this.unreadable || (removed.length === 0 && !superseded && !this.rewriteDue)) return removed.length;
      try {
        await this.rewrite();
        this.failure.set(undefined);
      } catch (error) {
        this.reportWriteFailure(error as Error);
      }
      return removed.length;
    });
  }

  async close(): Promise<void> {
    await this.serially(async () => {
      await this.journal?.close();
      this.journal = undefined;
    });
  }

  private serially<T>(work: () => Promise<T>): Promise<T> {
    const next = this.writes.then(work);
    this.writes = next.catch(() => undefined);
    return next;
  }

  private async appendWaiting(): Promise<void> {
    const batch = this.waiting;
    this.waiting = [];
    try {
      if (this.rewriteDue) await this.rewrite();
      const data = batch.map(({ record }) => `${JSON.stringify(record)}\n`).join('');
      const journal = await this.openJournal();
      try {
        await journal.writeFile(data);
        await journal.datasync();
      } catch (error) {
        // Cut back a partial write so the next line does not follow a torn one.
        await journal.truncate(this.journalBytes).catch(() => (this.rewriteDue = true));
        throw error;
      }
      this.journalBytes += Buffer.byteLength(data);
      this.journalLines += batch.length;
      for (const { record } of batch) this.keep(record);
      this.failure.set(undefined);
      for (const { done } of batch) done(true);
    } catch (error) {
      this.reportWriteFailure(error as Error);
      for (const { done } of batch) done(false);
    }
  }

  /** The file becomes exactly what memory holds (oldest first), replaced atomically. */
  private async rewrite(): Promise<void> {
    const lines: string[] = [];
    for (let i = this.records.length - 1; i >= 0; i--) lines.push(`${JSON.stringify(this.records[i])}\n`);
    await writeFileAtomic(this.file, lines.join(''));
    // The open handle still points at the replaced file.
    await this.journal?.close();
    this.journal = undefined;
    this.journalLines = this.records.length;
    this.rewriteDue = false;
  }

  private async openJournal(): Promise<FileHandle> {
    if (!this.journal) ({ handle: this.journal, size: this.journalBytes } = await openForAppend(this.file));
    return this.journal;
  }

  private reportWriteFailure(error: Error): void {
    this.failure.set(`history store: cannot write ${path.basename(this.file)} (${error.message}); new records are not kept until it can`);
    this.logger.warn(`history: ${error.message}`);
  }

  /** Keeps a copy of the damaged file (the next write rewrites it) and says which lines were skipped. */
  private async reportDamage(lines: number[]): Promise<void> {
    const aside = asideName(this.file);
    const kept = await copyFile(this.file, aside).then(
      () => true,
      () => false,
    );
    const where = `line ${lines.slice(0, 10).join(', ')}${lines.length > 10 ? '…' : ''}`;
    this.logger.warn(`history: ${path.basename(this.file)} is damaged at ${where}; skipped ${lines.length === 1 ? 'that line' : 'those lines'}${kept ? ` (the file was kept as ${path.basename(aside)})` : ''}`);
    if (kept) this.recoveries?.record(this.file, aside, `${lines.length} damaged line(s) skipped, the other records kept`);
  }

  /** Takes a record into memory in newest-first order, replacing one with the same id. */
  private keep(record: HistoryRecord): void {
    const previous = this.byId.get(record.id);
    if (previous) this.records.splice(this.indexOf(previous), 1);
    this.records.splice(this.indexAfter(record, true), 0, record);
    this.byId.set(record.id, record);
  }

  private indexOf(record: HistoryRecord): number {
    const index = this.indexAfter(record, true);
    return this.records[index] === record ? index : this.records.indexOf(record);
  }

  /** The first index whose record comes after `position` in newest-first order (or at it, with `inclusive`). */
  private indexAfter(position: { at: number; id: string }, inclusive = false): number {
    let low = 0;
    let high = this.records.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      const order = newestFirst(this.records[middle], position);
      if (order < 0 || (order === 0 && !inclusive)) low = middle + 1;
      else high = middle;
    }
    return low;
  }
}
