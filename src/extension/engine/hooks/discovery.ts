// How `agent-mesh hook` finds the relay of its workspace without the person copying ports or tokens:
// each relay writes `~/.agent-mesh/relays/<hash of the workspace path>.json` (mode 0600, in a 0700
// folder, outside the workspace so no repository ever holds the token) and removes it when it stops.
import { createHash } from 'node:crypto';
import { mkdir, readFile, unlink } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as z from 'zod';
import { parseJsonAs } from '../jsonText';
import { writeFileAtomic } from '../state/atomicFile';

export interface RelayDiscovery {
  url: string;
  token: string;
  workspace: string;
  pid: number;
}

const discoverySchema = z.object({
  url: z.string().regex(/^https?:\/\/[^\s]+$/).max(500),
  token: z.string().min(1).max(1000),
  workspace: z.string().max(4096),
  pid: z.number().int(),
});

/** Largest discovery file read; anything bigger is not ours. */
const MAX_DISCOVERY_BYTES = 16 * 1024;

export function discoveryDir(home = os.homedir()): string {
  return path.join(home, '.agent-mesh', 'relays');
}

export function discoveryFile(workspace: string, home = os.homedir()): string {
  const hash = createHash('sha256').update(path.resolve(workspace)).digest('hex').slice(0, 32);
  return path.join(discoveryDir(home), `${hash}.json`);
}

/** Writes (or replaces) the workspace's discovery file, readable by its owner only. */
export async function writeDiscovery(entry: RelayDiscovery, home = os.homedir()): Promise<string> {
  const file = discoveryFile(entry.workspace, home);
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  // The atomic write creates its temp file with mode 0600 before anything is written into it.
  await writeFileAtomic(file, JSON.stringify(entry));
  return file;
}

/** Removes the discovery file if it still names this relay (another relay may have replaced it). */
export async function removeDiscovery(entry: Pick<RelayDiscovery, 'workspace' | 'url'>, home = os.homedir()): Promise<void> {
  const file = discoveryFile(entry.workspace, home);
  const current = await readDiscoveryFile(file);
  if (current?.url === entry.url) await unlink(file).catch(() => undefined);
}

async function readDiscoveryFile(file: string): Promise<RelayDiscovery | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return undefined;
  }
  return parseJsonAs(discoverySchema, text, MAX_DISCOVERY_BYTES);
}

/** The relay of the nearest workspace at or above `cwd` that has one running (or had: the file may be stale). */
export async function findRelay(cwd: string, home = os.homedir()): Promise<RelayDiscovery | undefined> {
  let dir = path.resolve(cwd);
  for (;;) {
    const found = await readDiscoveryFile(discoveryFile(dir, home));
    if (found) return found;
    const parent = path.dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}
