import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';

/**
 * Makes a folder and everything in it read-only for this process, for real: `chattr +i` when the
 * tests run as root (root ignores permission bits; the kernel refuses writes to immutable files,
 * even through descriptors opened before), permission bits otherwise.
 */
export function setReadOnly(dir: string, readOnly: boolean): void {
  const root = process.getuid?.() === 0;
  const [command, args] = root ? ['chattr', ['-R', readOnly ? '+i' : '-i', dir]] : ['chmod', ['-R', readOnly ? 'a-w' : 'u+w', dir]];
  const result = spawnSync(command, args, { encoding: 'utf8' });
  assert.equal(result.status, 0, `${command} ${args.join(' ')} failed: ${result.stderr}`);
}
