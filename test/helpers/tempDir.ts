import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** Registers mocha hooks giving every test of the suite a fresh temp folder, removed after it. */
export function useTempDir(prefix: string): { readonly dir: string } {
  let dir = '';
  beforeEach(async () => (dir = await mkdtemp(path.join(tmpdir(), prefix))));
  afterEach(() => rm(dir, { recursive: true, force: true }));
  return {
    get dir() {
      return dir;
    },
  };
}
