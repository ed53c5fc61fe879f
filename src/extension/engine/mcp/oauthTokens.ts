// Where the sign-ins to remote MCP servers are kept. VS Code hands its SecretStorage (same shape);
// headless, one JSON file in the data folder, written atomically and readable by its owner only.
import { z } from 'zod';
import { parseJsonAs } from '../jsonText';
import { readIfPresent, writeFileAtomic } from '../state/atomicFile';

/** A key-value store for secrets; VS Code's SecretStorage satisfies it. */
export interface SecretStore {
  get(key: string): PromiseLike<string | undefined>;
  store(key: string, value: string): PromiseLike<void>;
  delete(key: string): PromiseLike<void>;
}

/** A file larger than this is not read as secrets (it is not one this store wrote). */
const MAX_FILE_BYTES = 1024 * 1024;
const FileSchema = z.record(z.string(), z.string());

/** Secrets in one file (mode 0600), for the headless relay. Writes are serialized and atomic. */
export class FileSecretStore implements SecretStore {
  private values: Promise<Map<string, string>> | undefined;
  private writes: Promise<void> = Promise.resolve();

  constructor(private readonly file: string) {}

  async get(key: string): Promise<string | undefined> {
    return (await this.load()).get(key);
  }

  store(key: string, value: string): Promise<void> {
    return this.update((values) => values.set(key, value));
  }

  delete(key: string): Promise<void> {
    return this.update((values) => values.delete(key));
  }

  private update(change: (values: Map<string, string>) => void): Promise<void> {
    const write = this.writes.then(async () => {
      const values = await this.load();
      const next = new Map(values);
      change(next);
      await writeFileAtomic(this.file, JSON.stringify(Object.fromEntries(next)));
      this.values = Promise.resolve(next);
    });
    this.writes = write.catch(() => undefined);
    return write;
  }

  private load(): Promise<Map<string, string>> {
    this.values ??= readIfPresent(this.file).then((text) => {
      if (text === undefined) return new Map<string, string>();
      const parsed = parseJsonAs(FileSchema, text, MAX_FILE_BYTES);
      if (!parsed) throw new Error(`${this.file} is not a secrets file (or is larger than ${MAX_FILE_BYTES} bytes)`);
      return new Map(Object.entries(parsed));
    });
    // A file that could not be read is tried again next time rather than taken as empty.
    this.values.catch(() => (this.values = undefined));
    return this.values;
  }
}
