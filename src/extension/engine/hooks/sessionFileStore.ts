import { copyFile, unlink, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import * as z from 'zod';
import type { AgentSession, SessionEvent } from '../../../shared/sessions';
import { parseJson, parseJsonLines } from '../jsonText';
import type { Logger } from '../log';
import { openForAppend, readIfPresent, removeStaleTempFiles, writeFileAtomic } from '../state/atomicFile';
import { asideName } from '../state/coalescedWrite';
import {
  applyChange,
  emptySessions,
  MAX_EVENTS,
  MAX_SESSIONS,
  storedEventSchema,
  storedSessionSchema,
  StoreProblem,
  type SessionChange,
  type SessionStore,
  type StoredSessions,
} from './sessionStore';

/** The journal is folded into the snapshot once it grows past this. */
export const COMPACT_AFTER_BYTES = 8 * 1024 * 1024;
/** Changes recorded within this long of the first share one write and datasync. */
const BATCH_WINDOW_MS = 10;
/** Sessions stringified between two turns of the event loop while a snapshot is written. */
const SESSIONS_PER_TURN = 50;

const seq = z.number().int().positive();
const journalEntrySchema = z.union([
  z.object({ seq, session: storedSessionSchema, event: storedEventSchema.optional() }),
  z.object({ seq, removed: z.array(z.string()).max(MAX_SESSIONS * 2) }),
]);
type JournalEntry = z.output<typeof journalEntrySchema>;
const snapshotHeaderSchema = z.object({ schemaVersion: z.literal(1), seq: z.number().int().nonnegative() });
const snapshotLineSchema = z.object({ session: storedSessionSchema, events: z.array(storedEventSchema).max(MAX_EVENTS) });
/** The whole-file JSON of earlier versions (agent-sessions.json). */
const legacySchema = z.object({
  sessions: z.array(storedSessionSchema).max(MAX_SESSIONS * 2),
  events: z.record(z.string(), z.array(storedEventSchema).max(MAX_EVENTS)),
});

interface Loaded extends StoredSessions {
  seq: number;
}

/**
 * Sessions in the data folder: a snapshot (a header line, then one line per session with its
 * events) and an append-only journal beside it. Each change is one short line; the lines recorded
 * within BATCH_WINDOW_MS, or while a write runs, share one write and datasync (nothing waits on
 * them: a hook is answered and dashboards told before). Lines carry a sequence number and the
 * snapshot the last one it includes, so a journal the snapshot already covers (a crash between
 * the two steps of a compaction) replays nothing twice. The journal is folded into a new snapshot
 * at start and whenever it grows past `compactAfterBytes`; a write that fails is reported in
 * `problem` and the next write is a whole snapshot, so the disk catches up with what was missed.
 */
export class FileSessionStore implements SessionStore {
  readonly kind = 'file' as const;
  readonly journalFile: string;
  private readonly legacyFile: string;
  private readonly compactAfterBytes: number;
  private current: () => StoredSessions = emptySessions;
  private journal: FileHandle | undefined;
  private journalBytes = 0;
  private seq = 0;
  private queue: string[] = [];
  private flushing: Promise<void> | undefined;
  /** The journal is missing changes, or was not folded since `load`: the next write is a whole snapshot. */
  private snapshotDue = false;
  private unreadable = false;
  readonly failure = new StoreProblem();

  constructor(
    readonly file: string,
    private readonly logger: Logger,
    options: { compactAfterBytes?: number } = {},
  ) {
    const base = file.replace(/\.jsonl$/, '');
    this.journalFile = `${base}.journal.jsonl`;
    this.legacyFile = `${base}.json`;
    this.compactAfterBytes = options.compactAfterBytes ?? COMPACT_AFTER_BYTES;
  }

  configure(): void {}

  /** A folder that cannot be read loads no sessions and writes none, so that nothing there is overwritten. */
  async load(current: () => StoredSessions): Promise<StoredSessions> {
    this.current = current;
    try {
      return await this.read();
    } catch (error) {
      this.unreadable = true;
      this.failure.set(`agent sessions store: cannot read ${this.file} (${(error as Error).message}); sessions are not saved so that it is not overwritten`);
      return emptySessions();
    }
  }

  private async read(): Promise<StoredSessions> {
    for (const name of await removeStaleTempFiles(this.file)) this.logger.info(`removed ${name}, a temp file an interrupted write left in ${path.dirname(this.file)}`);
    const state = (await this.readSnapshot()) ?? (await this.readLegacy()) ?? { ...emptySessions(), seq: 0 };
    let last = state.seq;
    for (const entry of await this.readJournal()) {
      if (entry.seq <= state.seq) continue;
      applyChange(state, 'removed' in entry ? { kind: 'removed', ids: entry.removed } : { kind: 'upsert', session: entry.session as unknown as AgentSession, event: entry.event as SessionEvent | undefined });
      last = Math.max(last, entry.seq);
    }
    this.seq = last;
    this.snapshotDue = true;
    return { sessions: state.sessions, events: state.events };
  }

  record(change: SessionChange): void {
    if (this.unreadable) return;
    const entry = change.kind === 'removed' ? { seq: ++this.seq, removed: change.ids } : { seq: ++this.seq, session: change.session, ...(change.event ? { event: change.event } : {}) };
    this.queue.push(`${JSON.stringify(entry)}\n`);
    this.flushing ??= new Promise((resolve) => setTimeout(resolve, BATCH_WINDOW_MS)).then(() => this.drain()).finally(() => (this.flushing = undefined));
  }

  async watch(): Promise<void> {}

  async flush(): Promise<void> {
    if (this.snapshotDue && !this.flushing && !this.unreadable) this.flushing = this.drain().finally(() => (this.flushing = undefined));
    while (this.flushing) await this.flushing;
  }

  async close(): Promise<void> {
    await this.flush();
    await this.journal?.close();
    this.journal = undefined;
  }

  /** Writes until nothing is queued; a failure stops it (reported), and the next change retries with a snapshot. */
  private async drain(): Promise<void> {
    while (this.queue.length > 0 || this.snapshotDue) {
      try {
        if (this.snapshotDue) await this.writeSnapshot();
        else await this.appendQueued();
        this.failure.set(undefined);
      } catch (error) {
        this.snapshotDue = true;
        this.failure.set(`agent sessions store: cannot write ${this.file} (${(error as Error).message}); sessions are kept in memory and written again with the next change`);
        this.logger.warn(`agent sessions: ${(error as Error).message}`);
        return;
      }
    }
  }

  private async appendQueued(): Promise<void> {
    const data = Buffer.from(this.queue.join(''));
    this.queue = [];
    const journal = await this.openJournal();
    try {
      await journal.writeFile(data);
      await journal.datasync();
    } catch (error) {
      // Cut back a partial write so later lines do not follow a torn one (the next snapshot empties it anyway).
      await journal.truncate(this.journalBytes).catch(() => undefined);
      throw error;
    }
    this.journalBytes += data.length;
    if (this.journalBytes >= this.compactAfterBytes) this.snapshotDue = true;
  }

  /** Everything the tracker holds, as of now, replaces the snapshot; then the journal starts empty. */
  private async writeSnapshot(): Promise<void> {
    const { sessions, events } = this.current();
    // Copies taken in this turn: the snapshot is exactly the state up to `seq`, however long the write takes.
    const copies = [...sessions.values()].map((session) => ({ session: { ...session, counts: { ...session.counts }, tokens: { ...session.tokens } }, events: [...(events.get(session.id) ?? [])] }));
    const covered = this.seq;
    this.queue = [];
    this.snapshotDue = false;
    const lines = [`${JSON.stringify({ schemaVersion: 1, seq: covered })}\n`];
    for (let i = 0; i < copies.length; i += SESSIONS_PER_TURN) {
      for (const copy of copies.slice(i, i + SESSIONS_PER_TURN)) lines.push(`${JSON.stringify(copy)}\n`);
      await new Promise((resolve) => setImmediate(resolve));
    }
    await writeFileAtomic(this.file, lines.join(''));
    const journal = await this.openJournal();
    await journal.truncate(0);
    await journal.datasync();
    this.journalBytes = 0;
    // What an earlier version kept is in this snapshot now (a crash may have come between the two before).
    await unlink(this.legacyFile).catch((error: NodeJS.ErrnoException) => error.code === 'ENOENT' || this.logger.warn(`agent sessions: could not remove ${this.legacyFile}: ${error.message}`));
  }

  private async openJournal(): Promise<FileHandle> {
    if (!this.journal) ({ handle: this.journal, size: this.journalBytes } = await openForAppend(this.journalFile));
    return this.journal;
  }

  private async readSnapshot(): Promise<Loaded | undefined> {
    const text = await readIfPresent(this.file);
    if (text === undefined) return undefined;
    const [header, ...lines] = text.split('\n');
    const parsedHeader = snapshotHeaderSchema.safeParse(parseJson(header));
    const state: Loaded = { ...emptySessions(), seq: parsedHeader.success ? parsedHeader.data.seq : 0 };
    const bad = parsedHeader.success ? [] : [1];
    lines.forEach((line, index) => {
      if (line === '') return;
      const parsed = snapshotLineSchema.safeParse(parseJson(line));
      if (!parsed.success) return bad.push(index + 2);
      state.sessions.set(parsed.data.session.id, parsed.data.session as unknown as AgentSession);
      state.events.set(parsed.data.session.id, parsed.data.events as unknown as SessionEvent[]);
    });
    if (bad.length > 0) await this.reportDamage(this.file, bad);
    return state;
  }

  private async readLegacy(): Promise<Loaded | undefined> {
    const text = await readIfPresent(this.legacyFile);
    if (text === undefined) return undefined;
    const parsed = legacySchema.safeParse(parseJson(text));
    if (!parsed.success) {
      await this.reportDamage(this.legacyFile, []);
      return undefined;
    }
    const state: Loaded = { ...emptySessions(), seq: 0 };
    for (const session of parsed.data.sessions) state.sessions.set(session.id, session as unknown as AgentSession);
    for (const [id, events] of Object.entries(parsed.data.events)) if (state.sessions.has(id)) state.events.set(id, events as unknown as SessionEvent[]);
    return state;
  }

  /** The journal's valid entries: a torn last line (a crash mid-append) and damaged lines are skipped and reported, never fatal. */
  private async readJournal(): Promise<JournalEntry[]> {
    const text = await readIfPresent(this.journalFile);
    if (text === undefined) return [];
    const { entries, bad, torn } = parseJsonLines(text, journalEntrySchema);
    if (torn) this.logger.warn(`agent sessions: ignored a torn last line (${Buffer.byteLength(torn)} bytes) of ${this.journalFile}, an append a crash interrupted`);
    if (bad.length > 0) await this.reportDamage(this.journalFile, bad);
    return entries;
  }

  /** Keeps a copy of a damaged file (it is rewritten at the next snapshot) and says which lines were skipped. */
  private async reportDamage(file: string, lines: number[]): Promise<void> {
    const aside = asideName(file);
    const kept = await copyFile(file, aside).then(
      () => ` (the file was kept as ${aside})`,
      () => '',
    );
    const where = lines.length > 0 ? `at line ${lines.slice(0, 10).join(', ')}${lines.length > 10 ? '…' : ''}; skipped those lines` : 'as a whole; not used';
    this.logger.warn(`agent sessions: ${file} is unreadable ${where}${kept}`);
  }
}
