import { rename } from 'node:fs/promises';
import type { Logger } from '../log';
import { readIfPresent, removeStaleTempFiles, writeFileAtomic } from './atomicFile';
import { asideName, CoalescedWrite } from './coalescedWrite';
import type { Recoveries } from './recoveries';

/**
 * A collection kept whole in one JSON file: read at start, where an unreadable file is moved aside
 * (kept for inspection, reported) instead of crashing or being overwritten; written atomically, one
 * write at a time, with every change made while a write runs sharing the next one.
 */
export class SnapshotFile {
  private readonly writes: CoalescedWrite;

  constructor(
    readonly file: string,
    private readonly what: string,
    private readonly logger: Logger,
    /** The collection as it should be written, taken when a write starts. */
    snapshot: () => unknown,
    private readonly recoveries?: Recoveries,
  ) {
    this.writes = new CoalescedWrite(() => writeFileAtomic(file, JSON.stringify(snapshot())));
  }

  /** The parsed file; undefined when there is none yet or it was unreadable (then moved aside). */
  async read<T>(parse: (raw: unknown) => T): Promise<T | undefined> {
    await removeStaleTempFiles(this.file);
    const text = await readIfPresent(this.file);
    if (text === undefined) return undefined;
    try {
      return parse(JSON.parse(text));
    } catch (error) {
      const aside = asideName(this.file);
      await rename(this.file, aside);
      this.logger.error(`${this.what} file ${this.file} is unreadable (${(error as Error).message}); moved to ${aside}, starting empty`);
      this.recoveries?.record(this.file, aside, 'started without it');
      return undefined;
    }
  }

  /** Writes the collection as it is when this write's turn comes; resolves once that is on disk. */
  write(): Promise<void> {
    return this.writes.request();
  }

  flush(): Promise<void> {
    return this.writes.settled();
  }
}
