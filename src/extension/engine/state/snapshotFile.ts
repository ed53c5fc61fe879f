import { readFile, rename } from 'node:fs/promises';
import type { Logger } from '../log';
import { writeFileAtomic } from './atomicFile';

/**
 * A collection kept whole in one JSON file: read at start, where an unreadable file is moved aside
 * (kept for inspection, reported) instead of crashing or being overwritten; written atomically, one
 * write at a time, with every change made while a write runs sharing the next one.
 */
export class SnapshotFile {
  private writing: Promise<void> = Promise.resolve();
  private queued: Promise<void> | undefined;

  constructor(
    readonly file: string,
    private readonly what: string,
    private readonly logger: Logger,
    /** The collection as it should be written, taken when a write starts. */
    private readonly snapshot: () => unknown,
  ) {}

  /** The parsed file; undefined when there is none yet or it was unreadable (then moved aside). */
  async read<T>(parse: (raw: unknown) => T): Promise<T | undefined> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
    try {
      return parse(JSON.parse(text));
    } catch (error) {
      const aside = `${this.file}.unreadable-${Date.now()}`;
      await rename(this.file, aside);
      this.logger.error(`${this.what} file ${this.file} is unreadable (${(error as Error).message}); moved to ${aside}, starting empty`);
      return undefined;
    }
  }

  /** Writes the collection as it is when this write's turn comes; resolves once that is on disk. */
  write(): Promise<void> {
    if (this.queued) return this.queued;
    const next = this.writing
      .catch(() => undefined)
      .then(() => {
        this.queued = undefined;
        return writeFileAtomic(this.file, JSON.stringify(this.snapshot()));
      });
    this.queued = next;
    this.writing = next;
    return next;
  }

  async flush(): Promise<void> {
    await this.writing.catch(() => undefined);
  }
}
