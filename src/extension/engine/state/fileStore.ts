import { readFile } from 'node:fs/promises';
import { writeFileAtomic } from './atomicFile';
import type { StateDocument, StateStore } from './store';

export class StoreCorruptError extends Error {
  constructor(
    readonly file: string,
    cause: string,
  ) {
    super(`state file ${file} is unreadable: ${cause}`);
    this.name = 'StoreCorruptError';
  }
}

/** The embedded default: one JSON file, replaced atomically on every save. */
export class FileStore implements StateStore {
  readonly kind = 'file' as const;

  constructor(readonly file: string) {}

  async load(): Promise<StateDocument | undefined> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
    try {
      const doc = JSON.parse(text) as StateDocument;
      if (typeof doc !== 'object' || doc === null || typeof doc.version !== 'number' || typeof doc.state !== 'object') {
        throw new Error('not a state document');
      }
      return doc;
    } catch (error) {
      throw new StoreCorruptError(this.file, (error as Error).message);
    }
  }

  async save(doc: StateDocument): Promise<void> {
    await writeFileAtomic(this.file, JSON.stringify(doc));
  }

  async close(): Promise<void> {}
}
