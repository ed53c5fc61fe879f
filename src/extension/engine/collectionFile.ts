import type { Logger } from './log';
import { EngineError } from './errors';
import type { Recoveries } from './state/recoveries';
import { SnapshotFile } from './state/snapshotFile';

/**
 * The JSON file behind the tasks or the widgets, remembering whether its last write failed: the
 * failure is answered 503 `store_unavailable` (no path in it) and named in the relay's condition
 * until a write succeeds again.
 */
export class CollectionFile {
  private readonly snapshotFile: SnapshotFile;
  private failure: string | undefined;
  /** Set when the file could not be read nor set aside: writing would overwrite it, so none happens. */
  private unreadable = false;
  private readonly listeners = new Set<() => void>();

  constructor(
    private readonly file: string,
    private readonly what: string,
    logger: Logger,
    snapshot: () => unknown,
    recoveries?: Recoveries,
  ) {
    this.snapshotFile = new SnapshotFile(file, what, logger, snapshot, recoveries);
  }

  /** The parsed file, or undefined (none yet, or set aside); a file that cannot even be set aside blocks every write. */
  async read<T>(parse: (raw: unknown) => T): Promise<T | undefined> {
    try {
      return await this.snapshotFile.read(parse);
    } catch (error) {
      this.unreadable = true;
      this.setFailure(`cannot read or set aside ${this.file} (${(error as Error).message}); changes are refused so that it is not overwritten`);
      return undefined;
    }
  }

  /** Writes the collection; `change` names what the person asked for, in the 503 answer. */
  async write(change: string): Promise<void> {
    if (this.unreadable) throw this.refusal(change, 'its file could not be read at start');
    try {
      await this.snapshotFile.write();
    } catch (error) {
      const { code, message } = error as NodeJS.ErrnoException;
      this.setFailure(`cannot write ${this.file} (${message})`);
      throw this.refusal(change, code ?? 'write failed');
    }
    this.setFailure(undefined);
  }

  flush(): Promise<void> {
    return this.snapshotFile.flush();
  }

  /** Why the store is degraded, for the relay's condition; undefined while writes succeed. */
  get problem(): string | undefined {
    return this.failure === undefined ? undefined : `${this.what} store: ${this.failure}`;
  }

  onProblemChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private refusal(change: string, why: string): EngineError {
    return new EngineError('unavailable', 'store_unavailable', `${change} was not saved: the ${this.what} store cannot write (${why}); nothing changed`);
  }

  private setFailure(failure: string | undefined): void {
    if (failure === this.failure) return;
    this.failure = failure;
    for (const listener of this.listeners) listener();
  }
}
