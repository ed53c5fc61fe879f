import { open, readdir, readFile, rename, mkdir, unlink, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { randomBytes } from 'node:crypto';

/**
 * Writes a file so that readers see either the old or the new content, never a torn one: write a
 * temp file beside it, fsync it, rename over the target, then fsync the directory. With `backup`,
 * the previous content is first renamed there (a reader finding no file falls back to it).
 */
export async function writeFileAtomic(file: string, data: string | Uint8Array, options: { backup?: string } = {}): Promise<void> {
  const dir = path.dirname(file);
  await mkdir(dir, { recursive: true });
  const temp = path.join(dir, `.${path.basename(file)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  const handle = await open(temp, 'w', 0o600);
  try {
    await handle.writeFile(data);
    await handle.sync();
  } catch (error) {
    await handle.close();
    await unlink(temp).catch(() => undefined);
    throw error;
  }
  await handle.close();
  try {
    if (options.backup) await rename(file, options.backup).catch(ignoreMissing);
    await rename(temp, file);
  } catch (error) {
    await unlink(temp).catch(() => undefined);
    throw error;
  }
  await syncDirectory(dir);
}

function ignoreMissing(error: NodeJS.ErrnoException): void {
  if (error.code !== 'ENOENT') throw error;
}

export async function syncDirectory(dir: string): Promise<void> {
  let handle;
  try {
    handle = await open(dir, 'r');
    await handle.sync();
  } catch {
    // Some platforms (Windows) cannot fsync a directory; the rename is still atomic there.
  } finally {
    await handle?.close();
  }
}

/**
 * Removes the temp files that atomic writes of `file` left when the process died mid-write (one
 * relay owns a data folder, so none of them is still being written). Never throws: a folder it
 * cannot list or a file it cannot remove is left for the next start. Resolves to the names removed.
 */
export async function removeStaleTempFiles(file: string): Promise<string[]> {
  const dir = path.dirname(file);
  const prefix = `.${path.basename(file)}.`;
  const names = await readdir(dir).catch(() => [] as string[]);
  const removed: string[] = [];
  for (const name of names) {
    if (!name.startsWith(prefix) || !name.endsWith('.tmp')) continue;
    if (await unlink(path.join(dir, name)).then(() => true, () => false)) removed.push(name);
  }
  return removed;
}

/** The file's text, or undefined when it does not exist (any other error is thrown). */
export async function readIfPresent(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** Opens `file` for appending (created with mode 0600, its folder too), with its current size. */
export async function openForAppend(file: string): Promise<{ handle: FileHandle; size: number }> {
  await mkdir(path.dirname(file), { recursive: true });
  const handle = await open(file, 'a', 0o600);
  return { handle, size: (await handle.stat()).size };
}
