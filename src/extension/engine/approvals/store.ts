import { copyFile, mkdir, open, rename, unlink, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import * as z from 'zod';
import { approvalRecordSchema, approvalRuleSchema, type Approval, type ApprovalRule } from '../../../shared/approvals';
import { silentLogger, type Logger } from '../log';
import { parseJson, parseJsonLines } from '../jsonText';
import { readIfPresent, removeStaleTempFiles, syncDirectory, writeFileAtomic } from '../state/atomicFile';
import { asideName } from '../state/coalescedWrite';
import type { Recoveries } from '../state/recoveries';

export interface StoredApprovals {
  approvals: Approval[];
  /** Workspace-scoped rules only; session rules never reach a store. */
  rules: ApprovalRule[];
}

/** A change another relay sharing the store made. */
export type RemoteChange = { kind: 'approval'; approval: Approval } | { kind: 'rules'; rules: ApprovalRule[] } | { kind: 'removed'; ids: string[] };

/**
 * Where approvals and decisions live. `transition` is the only way an approval changes after it is
 * inserted, and it is a compare-and-set: it moves the record only while the stored one is pending,
 * so two relays (or two clicks) cannot both decide the same approval.
 */
export interface ApprovalStore {
  readonly kind: 'file' | 'redis';
  load(): Promise<StoredApprovals>;
  /** The stored record, for an id this relay has not seen yet (another relay created it). */
  fetch(id: string): Promise<Approval | undefined>;
  insert(approval: Approval): Promise<void>;
  /** Stores `next` if the stored record is pending; otherwise returns the stored record unchanged. */
  transition(next: Approval): Promise<{ moved: true } | { moved: false; current: Approval | undefined }>;
  remove(ids: string[]): Promise<void>;
  saveRules(rules: ApprovalRule[]): Promise<void>;
  /** Subscribes to other relays' changes (a no-op for stores no one else shares). */
  watch(listener: (change: RemoteChange) => void): Promise<void>;
  /** Resolves when a write would reach durable storage now; rejects with why not. Changes nothing. */
  probe(): Promise<void>;
  /** Why the store is degraded although it may still answer, in words for /health's readers. */
  problem(): string | undefined;
  /** Called whenever `problem()` may have changed. */
  onProblem(listener: () => void): void;
  close(): Promise<void>;
}

const approvalsFileSchema = z.object({
  schemaVersion: z.literal(1),
  approvals: z.array(approvalRecordSchema),
  rules: z.array(approvalRuleSchema),
  /** The last journal entry the snapshot includes (absent in snapshots written before the journal). */
  seq: z.number().int().nonnegative().optional(),
});
type ApprovalsFile = z.output<typeof approvalsFileSchema>;

const seq = z.number().int().positive();
const journalEntrySchema = z.union([
  z.object({ seq, put: approvalRecordSchema }),
  z.object({ seq, remove: z.array(z.string()) }),
  z.object({ seq, rules: z.array(approvalRuleSchema) }),
]);
/** One change, as one line of the journal. */
type JournalEntry = z.output<typeof journalEntrySchema>;
type JournalChange = DistributiveOmit<JournalEntry, 'seq'>;
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

interface State {
  approvals: Map<string, Approval>;
  rules: ApprovalRule[];
}

interface PendingAppend {
  line: string;
  entry: JournalEntry;
  resolve(): void;
  reject(error: Error): void;
}

interface Journal {
  handle: FileHandle;
  bytes: number;
  lines: number;
}

/** The journal is folded into the snapshot once it grows past either bound. */
export const COMPACT_AFTER_LINES = 1_000;
export const COMPACT_AFTER_BYTES = 1024 * 1024;

/**
 * The embedded store: a JSON snapshot in the data folder plus an append-only journal beside it.
 * Every change appends one line and is acknowledged once that line is datasynced; changes made
 * while an append is in flight share the next write and datasync. Lines carry a sequence number
 * and the snapshot records the last one it includes, so the journal can be folded into a new
 * snapshot in the background (appends switch to a fresh journal file first) and a crash at any
 * point of that replays exactly what the snapshot lacks.
 */
export class FileApprovalStore implements ApprovalStore {
  readonly kind = 'file' as const;
  /** What callers see, including changes whose append is still in flight. */
  private readonly approvals = new Map<string, Approval>();
  private rules: ApprovalRule[] = [];
  /** What the journal and snapshot hold: changes are applied here once their append is synced. */
  private durable: State = { approvals: new Map(), rules: [] };
  private seq = 0;
  private journal: Journal | undefined;
  private opening: Promise<Journal> | undefined;
  private queue: PendingAppend[] = [];
  private flushing: Promise<void> | undefined;
  private writeInFlight = false;
  /** Set when a failed append could not be cut back: appending more would bury a torn line mid-journal. */
  private damaged: Error | undefined;
  private compacting: Promise<void> | undefined;
  /** A fresh journal file, ready for appends to move to at the next gap between writes. */
  private swap: { journal: Journal; moved(snapshot: ApprovalsFile, retired: Journal): void } | undefined;
  readonly journalFile: string;
  private readonly nextJournalFile: string;
  /** The previous snapshot, kept by every snapshot write: where a damaged snapshot is recovered from. */
  readonly backupFile: string;
  /** Set while the folder does not take writes: the store answers reads, and writes fail until `probe` reopens it. */
  private unwritable: Error | undefined;
  private readonly problemListeners = new Set<() => void>();

  constructor(
    readonly file: string,
    private readonly logger: Logger = silentLogger,
    private readonly recoveries?: Recoveries,
  ) {
    this.journalFile = `${file.replace(/\.json$/, '')}.journal.jsonl`;
    this.nextJournalFile = `${this.journalFile}.next`;
    this.backupFile = `${file}.bak`;
  }

  /**
   * Reads the snapshot and journal, checking every record: a snapshot that does not parse is set
   * aside (renamed, reported) and the backup or an empty queue used; a journal line that does not
   * parse is reported and skipped, its file copied aside. Temp files a crash left are removed. A
   * folder that does not take writes does not stop the relay: the queue loads and reports itself
   * degraded until `probe` finds the folder writable again.
   */
  async load(): Promise<StoredApprovals> {
    await this.close();
    for (const name of await removeStaleTempFiles(this.file)) this.logger.info(`removed ${name}, a temp file an interrupted write left in ${path.dirname(this.file)}`);
    const snapshot = await this.readSnapshot();
    const state: State = { approvals: new Map(snapshot.approvals.map((a) => [a.id, a])), rules: snapshot.rules };
    const entries = [...(await this.readJournal(this.journalFile)), ...(await this.readJournal(this.nextJournalFile))].sort((a, b) => a.seq - b.seq);
    let seq = snapshot.seq ?? 0;
    for (const entry of entries) {
      if (entry.seq <= seq) continue;
      applyEntry(state, entry);
      seq = entry.seq;
    }
    this.damaged = undefined;
    this.durable = state;
    this.seq = seq;
    this.approvals.clear();
    for (const approval of state.approvals.values()) this.approvals.set(approval.id, approval);
    this.rules = state.rules;
    try {
      await this.startJournal();
      this.setUnwritable(undefined);
    } catch (error) {
      this.logger.error(`approvals folder does not take writes (${(error as Error).message}); approvals answer 503 until it does`);
      this.setUnwritable(error as Error);
    }
    return { approvals: [...this.approvals.values()], rules: [...this.rules] };
  }

  /** Folds what is durable into a fresh snapshot and starts an empty journal. */
  private async startJournal(): Promise<void> {
    const compacted: ApprovalsFile = { schemaVersion: 1, approvals: [...this.durable.approvals.values()], rules: this.durable.rules, seq: this.seq };
    await writeFileAtomic(this.file, JSON.stringify(compacted), { backup: this.backupFile });
    const handle = await open(this.journalFile, 'w', 0o600);
    await syncDirectory(path.dirname(this.file));
    await unlink(this.nextJournalFile).catch(ignoreMissing);
    this.journal = { handle, bytes: 0, lines: 0 };
  }

  async probe(): Promise<void> {
    if (this.flushing || this.compacting) return;
    if (this.unwritable || this.damaged) {
      await this.journal?.handle.close();
      this.journal = undefined;
      await this.startJournal();
      this.damaged = undefined;
      this.setUnwritable(undefined);
      return;
    }
    // Truncating to the current length changes nothing but fails where a write would.
    if (this.journal) await this.journal.handle.truncate(this.journal.bytes);
  }

  problem(): string | undefined {
    const cause = this.damaged ?? this.unwritable;
    return cause && `approvals store (file) cannot write: ${cause.message}; approvals answer 503 until it can`;
  }

  onProblem(listener: () => void): void {
    this.problemListeners.add(listener);
  }

  private setUnwritable(error: Error | undefined): void {
    if (this.unwritable === error) return;
    this.unwritable = error;
    for (const listener of this.problemListeners) listener();
  }

  async fetch(id: string): Promise<Approval | undefined> {
    return this.approvals.get(id);
  }

  async insert(approval: Approval): Promise<void> {
    this.approvals.set(approval.id, approval);
    try {
      await this.append({ put: approval });
    } catch (error) {
      // Not acknowledged, so not kept.
      if (this.approvals.get(approval.id) === approval) this.approvals.delete(approval.id);
      throw error;
    }
  }

  async transition(next: Approval): Promise<{ moved: true } | { moved: false; current: Approval | undefined }> {
    const current = this.approvals.get(next.id);
    if (current?.status !== 'pending') return { moved: false, current };
    this.approvals.set(next.id, next);
    try {
      await this.append({ put: next });
    } catch (error) {
      if (this.approvals.get(next.id) === next) this.approvals.set(next.id, current);
      throw error;
    }
    return { moved: true };
  }

  async remove(ids: string[]): Promise<void> {
    const removed = ids.flatMap((id) => this.approvals.get(id) ?? []);
    for (const id of ids) this.approvals.delete(id);
    try {
      await this.append({ remove: ids });
    } catch (error) {
      for (const approval of removed) if (!this.approvals.has(approval.id)) this.approvals.set(approval.id, approval);
      throw error;
    }
  }

  async saveRules(rules: ApprovalRule[]): Promise<void> {
    const previous = this.rules;
    const saved = [...rules];
    this.rules = saved;
    try {
      await this.append({ rules: saved });
    } catch (error) {
      if (this.rules === saved) this.rules = previous;
      throw error;
    }
  }

  async watch(): Promise<void> {}

  async close(): Promise<void> {
    while (this.flushing || this.compacting) await Promise.all([this.flushing, this.compacting?.catch(() => undefined)]);
    await this.journal?.handle.close();
    this.journal = undefined;
  }

  /** Resolves once `change` is in the journal and datasynced. */
  private append(change: JournalChange): Promise<void> {
    if (this.damaged) return Promise.reject(this.damaged);
    if (this.unwritable) return Promise.reject(this.unwritable);
    const entry = { seq: ++this.seq, ...change } as JournalEntry;
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ line: `${JSON.stringify(entry)}\n`, entry, resolve, reject });
      this.flushing ??= this.flush().finally(() => (this.flushing = undefined));
    });
  }

  /** Writes queued lines, one write and one datasync per batch, until the queue is empty. */
  private async flush(): Promise<void> {
    while (this.queue.length > 0) {
      this.moveToFreshJournal();
      const batch = this.queue;
      this.queue = [];
      let journal: Journal;
      this.writeInFlight = true;
      try {
        journal = await this.writeBatch(batch);
      } catch (error) {
        for (const pending of batch) pending.reject(error as Error);
        continue;
      } finally {
        this.writeInFlight = false;
      }
      for (const pending of batch) applyEntry(this.durable, pending.entry);
      for (const pending of batch) pending.resolve();
      if (journal.lines >= COMPACT_AFTER_LINES || journal.bytes >= COMPACT_AFTER_BYTES) this.compactInBackground();
    }
    this.moveToFreshJournal();
  }

  private async writeBatch(batch: PendingAppend[]): Promise<Journal> {
    const journal = this.journal ?? (await this.openJournal());
    const data = Buffer.from(batch.map((p) => p.line).join(''));
    try {
      await journal.handle.writeFile(data);
      await journal.handle.datasync();
    } catch (error) {
      // Cut back what may have reached the file so later lines do not follow a torn one.
      await journal.handle.truncate(journal.bytes).catch((cause: unknown) => {
        this.damaged = new Error(`approvals journal ${this.journalFile} could not be repaired after a failed write; restart to recover: ${(cause as Error).message}`);
      });
      throw error;
    }
    journal.bytes += data.length;
    journal.lines += batch.length;
    return journal;
  }

  private openJournal(): Promise<Journal> {
    this.opening ??= (async () => {
      await mkdir(path.dirname(this.file), { recursive: true });
      const handle = await open(this.journalFile, 'a', 0o600);
      await syncDirectory(path.dirname(this.file));
      this.journal = { handle, bytes: (await handle.stat()).size, lines: 0 };
      return this.journal;
    })().finally(() => (this.opening = undefined));
    return this.opening;
  }

  /**
   * Folds the journal into a new snapshot without holding up appends: a fresh journal file is
   * prepared, appends move to it between two writes, and then the snapshot of everything the old
   * journal held is written and the fresh file takes the journal's name.
   */
  private compactInBackground(): void {
    if (this.compacting) return;
    this.compacting = (async () => {
      const dir = path.dirname(this.file);
      const handle = await open(this.nextJournalFile, 'w', 0o600);
      try {
        await syncDirectory(dir);
      } catch (error) {
        await handle.close();
        throw error;
      }
      const { snapshot, retired } = await new Promise<{ snapshot: ApprovalsFile; retired: Journal }>((resolve) => {
        this.swap = { journal: { handle, bytes: 0, lines: 0 }, moved: (snapshot, retired) => resolve({ snapshot, retired }) };
        if (!this.writeInFlight) this.moveToFreshJournal();
      });
      await retired.handle.close();
      await writeFileAtomic(this.file, JSON.stringify(snapshot), { backup: this.backupFile });
      await rename(this.nextJournalFile, this.journalFile);
    })()
      .catch((error: unknown) => this.logger.warn(`approvals journal compaction failed (the journal keeps growing; nothing is lost): ${(error as Error).message}`))
      .finally(() => (this.compacting = undefined));
  }

  /** Runs only while no write is in flight, so the durable state is exactly what the old journal holds. */
  private moveToFreshJournal(): void {
    const swap = this.swap;
    if (!swap || !this.journal || this.writeInFlight) return;
    this.swap = undefined;
    const retired = this.journal;
    this.journal = swap.journal;
    swap.moved({ schemaVersion: 1, approvals: [...this.durable.approvals.values()], rules: this.durable.rules, seq: this.durableSeq() }, retired);
  }

  private durableSeq(): number {
    // Every queued append holds a sequence number above what is durable.
    return this.queue.length > 0 ? this.queue[0].entry.seq - 1 : this.seq;
  }

  /** The snapshot, else (a damaged one set aside) its backup, else an empty queue. */
  private async readSnapshot(): Promise<ApprovalsFile> {
    const failures: string[] = [];
    const setAside: Array<{ file: string; aside: string }> = [];
    const recovered = (logged: string, outcome: string) => {
      if (failures.length > 0) this.logger.error(`${failures.join('; ')}; ${logged}`);
      for (const { file, aside } of setAside) this.recoveries?.record(file, aside, outcome);
    };
    for (const candidate of [this.file, this.backupFile]) {
      const text = await readIfPresent(candidate);
      if (text === undefined) continue;
      const parsed = approvalsFileSchema.safeParse(parseJson(text));
      if (parsed.success) {
        // Only the backup can follow a failure.
        recovered(`recovered the approvals from ${candidate}`, 'started from the backup');
        return parsed.data;
      }
      const aside = asideName(candidate);
      await rename(candidate, aside).then(
        () => setAside.push({ file: candidate, aside }),
        (error: Error) => this.logger.warn(`could not set ${candidate} aside: ${error.message}`),
      );
      failures.push(`approvals file ${candidate} is unreadable (${describeIssues(parsed.error)}); it was kept as ${aside}`);
    }
    recovered('starting from the journal alone', 'started from the journal alone');
    return { schemaVersion: 1, approvals: [], rules: [] };
  }

  /** A journal's valid entries. A torn last line (a crash mid-append, never acknowledged) is skipped quietly; a bad line elsewhere is reported and skipped, the file copied aside. */
  private async readJournal(file: string): Promise<JournalEntry[]> {
    const text = await readIfPresent(file);
    if (text === undefined) return [];
    // A line without its newline was never fully written.
    const { entries, bad } = parseJsonLines(text, journalEntrySchema);
    if (bad.length > 0) {
      const aside = asideName(file);
      await copyFile(file, aside).then(
        () => this.recoveries?.record(file, aside, 'skipped its unreadable lines'),
        (error: Error) => this.logger.warn(`could not copy ${file} aside: ${error.message}`),
      );
      this.logger.error(`approvals journal ${file} is unreadable at line ${bad.slice(0, 10).join(', ')}${bad.length > 10 ? '…' : ''}; skipped those lines (the journal was kept as ${aside})`);
    }
    return entries;
  }
}

function describeIssues(error: z.ZodError): string {
  const issue = error.issues[0];
  return issue ? `${issue.path.join('.') || '(document)'}: ${issue.message}` : 'not an approvals document';
}

function applyEntry(state: State, entry: JournalEntry): void {
  if ('put' in entry) state.approvals.set(entry.put.id, entry.put);
  else if ('remove' in entry) for (const id of entry.remove) state.approvals.delete(id);
  else state.rules = entry.rules;
}

function ignoreMissing(error: NodeJS.ErrnoException): void {
  if (error.code !== 'ENOENT') throw error;
}
