import { spawnSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * Makes `dir` and everything in it unwritable, even for root (where permission bits do not apply,
 * the immutable attribute is used), and checks that a write there now fails: a test that thinks the
 * folder is read-only while it is not would prove nothing.
 */
export function makeReadOnly(dir: string): void {
  const root = process.getuid?.() === 0;
  const result = root ? spawnSync('chattr', ['-R', '+i', dir], { encoding: 'utf8' }) : spawnSync('chmod', ['-R', 'a-w', dir], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`could not make ${dir} read-only: ${result.stderr || result.error?.message}`);
  const probe = path.join(dir, '.write-probe');
  try {
    writeFileSync(probe, 'x');
  } catch {
    return;
  }
  rmSync(probe, { force: true });
  makeWritable(dir);
  throw new Error(`${dir} is still writable after making it read-only (${root ? 'chattr' : 'chmod'})`);
}

export function makeWritable(dir: string): void {
  if (process.getuid?.() === 0) spawnSync('chattr', ['-R', '-i', dir]);
  else spawnSync('chmod', ['-R', 'u+w', dir]);
}
