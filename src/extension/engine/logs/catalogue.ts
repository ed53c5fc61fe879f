// Which logs the relay may read: the transcripts of known sessions and the `.jsonl` files under the
// configured log directories, each named by an id the relay issues. A request names a log by that id
// only; the file is resolved with realpath and must still be a known transcript or lie inside a log
// directory's real path, so neither `..` nor a symbolic link leads out; a file with more than one
// hard link is left out, as realpath cannot tell where its other names are.
import { createHash } from 'node:crypto';
import type { Dirent } from 'node:fs';
import { readdir, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import type { LogSource } from '../../../shared/logs';
import type { AgentSession } from '../../../shared/sessions';
import { EngineError } from '../errors';
import { formatOf } from './reader';

/** Files listed at most, and folder levels walked below each log directory. */
const MAX_LOGS = 500;
const MAX_DEPTH = 2;

export interface LogCatalogueSources {
  sessions: () => AgentSession[];
  /** Absolute folders (`agentMesh.logs.directories`, resolved against the workspace). */
  directories: () => string[];
}

interface KnownLog {
  source: LogSource;
  file: string;
}

const idOf = (realFile: string): string => createHash('sha256').update(realFile).digest('hex').slice(0, 16);
const ignoreMissing = <T>(promise: Promise<T>): Promise<T | undefined> => promise.catch(() => undefined);

function isInside(folder: string, file: string): boolean {
  const relative = path.relative(folder, file);
  return relative.length > 0 && !relative.startsWith('..') && !path.isAbsolute(relative);
}

/** The real path of a regular `.jsonl` file with no other hard link (see `readLogPage`), or undefined. */
async function realLogFile(file: string): Promise<{ real: string; size: number; modifiedAt: number } | undefined> {
  const real = await ignoreMissing(realpath(file));
  if (!real?.endsWith('.jsonl')) return undefined;
  const info = await ignoreMissing(stat(real));
  return info?.isFile() && info.nlink === 1 ? { real, size: info.size, modifiedAt: info.mtimeMs } : undefined;
}

export class LogCatalogue {
  constructor(private readonly sources: LogCatalogueSources) {}

  /** The logs a dashboard may open, newest first. */
  async list(): Promise<LogSource[]> {
    return (await this.known()).map((log) => log.source).sort((a, b) => b.modifiedAt - a.modifiedAt);
  }

  /** The file behind an id from `list()`; 404 for any other id. */
  async resolve(id: string): Promise<KnownLog> {
    const log = (await this.known()).find((candidate) => candidate.source.id === id);
    if (!log) throw new EngineError('not_found', 'not_found', `no log ${id}`);
    return log;
  }

  private async known(): Promise<KnownLog[]> {
    const logs = new Map<string, KnownLog>();
    const add = (file: { real: string; size: number; modifiedAt: number }, source: Omit<LogSource, 'id' | 'format' | 'size' | 'modifiedAt'>): void => {
      const id = idOf(file.real);
      if (logs.size >= MAX_LOGS || logs.has(id)) return;
      logs.set(id, { file: file.real, source: { id, format: formatOf(file.real), size: file.size, modifiedAt: file.modifiedAt, ...source } });
    };
    for (const session of this.sources.sessions()) {
      const file = session.transcriptPath ? await realLogFile(session.transcriptPath) : undefined;
      if (file) add(file, { name: `${session.agent} ${session.sessionId.slice(0, 8)}`, origin: 'session', sessionId: session.id, toolCalls: session.counts.toolCalls });
    }
    for (const directory of this.sources.directories()) {
      const root = await ignoreMissing(realpath(directory));
      if (!root) continue;
      for (const file of await this.walk(root, root, 0)) add(file, { name: path.relative(root, file.real), origin: 'directory' });
    }
    return [...logs.values()];
  }

  private async walk(root: string, folder: string, depth: number): Promise<{ real: string; size: number; modifiedAt: number }[]> {
    const children: Dirent[] = (await ignoreMissing(readdir(folder, { withFileTypes: true }))) ?? [];
    const found: { real: string; size: number; modifiedAt: number }[] = [];
    for (const child of children.sort((a, b) => a.name.localeCompare(b.name))) {
      if (found.length >= MAX_LOGS) break;
      const full = path.join(folder, child.name);
      if (child.isDirectory() && depth < MAX_DEPTH) found.push(...(await this.walk(root, full, depth + 1)));
      else if (child.name.endsWith('.jsonl') && (child.isFile() || child.isSymbolicLink())) {
        const file = await realLogFile(full);
        // A link is followed only while its target stays inside the same log directory.
        if (file && isInside(root, file.real)) found.push(file);
      }
    }
    return found;
  }
}
