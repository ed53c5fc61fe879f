import { copyFile, readFile, rename } from 'node:fs/promises';
import * as z from 'zod';
import { removeStaleTempFiles, writeFileAtomic } from './atomicFile';
import { CorruptStateError, decodeText, FileTextEncoder, toDocument } from './codec';
import { withFields } from './documentText';
import { asideName } from './coalescedWrite';
import { migrate, MIGRATIONS, MigrationError, schemaVersionOf, type Migration } from './migrations';
import type { Recoveries } from './recoveries';
import { CURRENT_SCHEMA_VERSION, type StateDocument, type StateStore, type StoreSink } from './store';

/**
 * Paths written locally that a shared store (Redis) has not confirmed yet, kept in the file next to
 * the document so a relay restarted during an outage still knows what to push.
 */
export interface SyncJournal {
  paths: string[];
  /** The `resetAt` the shared store last confirmed; a newer local one is a pending replacement. */
  syncedResetAt: number;
}

const journalSchema = z.object({ paths: z.array(z.string()), syncedResetAt: z.number() });

export interface FileStoreOptions {
  /** Migration steps (tests inject failing ones). */
  migrations?: readonly Migration[];
  /** Where a damaged file set aside at load is recorded. */
  recoveries?: Recoveries;
}

/**
 * The embedded default: one JSON file (deflated, base64, above the compression threshold), replaced
 * atomically. The previous version is kept as `FILE.bak`; an unreadable file is reported and the
 * backup used; a file nothing can read is moved aside, never overwritten silently.
 */
export class FileStore implements StateStore {
  readonly kind = 'file' as const;
  readonly backupFile: string;
  private sink: Pick<StoreSink, 'problem'> | undefined;
  private readonly encoder = new FileTextEncoder();

  constructor(
    readonly file: string,
    private readonly options: FileStoreOptions = {},
  ) {
    this.backupFile = `${file}.bak`;
  }

  connect(sink: Pick<StoreSink, 'problem'>): void {
    this.sink = sink;
  }

  async load(): Promise<StateDocument | undefined> {
    return (await this.loadWithJournal())?.doc;
  }

  async loadWithJournal(): Promise<{ doc: StateDocument; journal?: SyncJournal } | undefined> {
    await removeStaleTempFiles(this.file);
    const failures: string[] = [];
    for (const candidate of [this.file, this.backupFile]) {
      let text: string;
      try {
        text = await readFile(candidate, 'utf8');
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue;
        throw error;
      }
      try {
        const loaded = await this.parse(candidate, text);
        if (failures.length > 0) {
          const aside = await this.setAside('started from the backup');
          this.sink?.problem(`${failures.join('; ')}; recovered the previous version from ${candidate} (the damaged file was kept as ${aside})`);
        }
        return loaded;
      } catch (error) {
        if (!(error instanceof CorruptStateError || error instanceof MigrationError)) throw error;
        failures.push(error.message);
      }
    }
    if (failures.length === 0) return undefined;
    const aside = await this.setAside('started with an empty dashboard');
    throw new CorruptStateError(this.file, `${failures.join('; ')}; the file was kept as ${aside}`);
  }

  /** Keeps a damaged file for inspection instead of letting the next save replace it (or its backup). */
  private async setAside(outcome: string): Promise<string> {
    const aside = asideName(this.file);
    await rename(this.file, aside).then(
      () => this.options.recoveries?.record(this.file, aside, outcome),
      () => undefined,
    );
    return aside;
  }

  /** Writes the document, given as an object or as its JSON text in parts. */
  async save(doc: StateDocument | string[], journal?: SyncJournal): Promise<void> {
    const parts = Array.isArray(doc) ? [...doc] : [JSON.stringify(doc)];
    if (journal) parts.push(withFields(parts.pop()!, { journal }));
    await writeFileAtomic(this.file, await this.encoder.encode(parts), { backup: this.backupFile });
  }

  async close(): Promise<void> {}

  private async parse(where: string, text: string): Promise<{ doc: StateDocument; journal?: SyncJournal }> {
    const raw = decodeText(text, where);
    const journal = journalSchema.safeParse((raw as { journal?: unknown } | null)?.journal);
    const version = schemaVersionOf(raw);
    const current = version === CURRENT_SCHEMA_VERSION ? raw : where === this.file ? await this.migrateFile(raw, version) : (await migrate(raw, this.steps)).doc;
    return { doc: toDocument(current, where), ...(journal.success ? { journal: journal.data } : {}) };
  }

  private get steps(): readonly Migration[] {
    return this.options.migrations ?? MIGRATIONS;
  }

  /**
   * Upgrades the file in place, one atomic write per step (an interrupted run resumes from the last
   * completed step), after copying the original to `FILE.vN.bak`. A failing step restores the original.
   */
  private async migrateFile(raw: unknown, from: number): Promise<unknown> {
    const backup = `${this.file}.v${from}.bak`;
    if (from >= 0 && from < CURRENT_SCHEMA_VERSION) await copyFile(this.file, backup);
    try {
      const { doc } = await migrate(raw, this.steps, async (stepDoc) => writeFileAtomic(this.file, await new FileTextEncoder().encode([JSON.stringify(stepDoc)])));
      return doc;
    } catch (error) {
      if (from >= 0 && from < CURRENT_SCHEMA_VERSION) await copyFile(backup, this.file);
      if (error instanceof MigrationError) throw new MigrationError(error.from, error.failedStep, `${error.message}; ${this.file} was restored from ${backup}`);
      throw error;
    }
  }
}
