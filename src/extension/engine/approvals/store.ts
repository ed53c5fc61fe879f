import { readFile } from 'node:fs/promises';
import type { Approval, ApprovalRule } from '../../../shared/approvals';
import { writeFileAtomic } from '../state/atomicFile';

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
  close(): Promise<void>;
}

interface ApprovalsFile {
  schemaVersion: 1;
  approvals: Approval[];
  rules: ApprovalRule[];
}

/** The embedded store: one JSON file in the data folder, replaced atomically, writes coalesced. */
export class FileApprovalStore implements ApprovalStore {
  readonly kind = 'file' as const;
  private readonly approvals = new Map<string, Approval>();
  private rules: ApprovalRule[] = [];
  private lastWrite: Promise<void> = Promise.resolve();
  private queuedWrite: Promise<void> | undefined;

  constructor(readonly file: string) {}

  async load(): Promise<StoredApprovals> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { approvals: [], rules: [] };
      throw error;
    }
    let doc: ApprovalsFile;
    try {
      doc = JSON.parse(text) as ApprovalsFile;
      if (!Array.isArray(doc.approvals) || !Array.isArray(doc.rules)) throw new Error('not an approvals document');
    } catch (error) {
      throw new Error(`approvals file ${this.file} is unreadable: ${(error as Error).message}`);
    }
    this.approvals.clear();
    for (const approval of doc.approvals) this.approvals.set(approval.id, approval);
    this.rules = doc.rules;
    return { approvals: [...this.approvals.values()], rules: [...this.rules] };
  }

  async fetch(id: string): Promise<Approval | undefined> {
    return this.approvals.get(id);
  }

  async insert(approval: Approval): Promise<void> {
    this.approvals.set(approval.id, approval);
    try {
      await this.write();
    } catch (error) {
      // Not acknowledged, so not kept: a later write must not persist what the caller saw fail.
      if (this.approvals.get(approval.id) === approval) this.approvals.delete(approval.id);
      throw error;
    }
  }

  async transition(next: Approval): Promise<{ moved: true } | { moved: false; current: Approval | undefined }> {
    const current = this.approvals.get(next.id);
    if (current?.status !== 'pending') return { moved: false, current };
    this.approvals.set(next.id, next);
    try {
      await this.write();
    } catch (error) {
      if (this.approvals.get(next.id) === next) this.approvals.set(next.id, current);
      throw error;
    }
    return { moved: true };
  }

  remove(ids: string[]): Promise<void> {
    for (const id of ids) this.approvals.delete(id);
    return this.write();
  }

  saveRules(rules: ApprovalRule[]): Promise<void> {
    this.rules = [...rules];
    return this.write();
  }

  async watch(): Promise<void> {}

  async close(): Promise<void> {
    await this.lastWrite;
  }

  /**
   * Resolves once a write that includes every change made so far is on disk. Changes made while a
   * write runs share one follow-up write.
   */
  private write(): Promise<void> {
    if (!this.queuedWrite) {
      const next = this.lastWrite.then(() => {
        this.queuedWrite = undefined;
        const doc: ApprovalsFile = { schemaVersion: 1, approvals: [...this.approvals.values()], rules: this.rules };
        return writeFileAtomic(this.file, JSON.stringify(doc));
      });
      this.queuedWrite = next;
      this.lastWrite = next.catch(() => undefined);
    }
    return this.queuedWrite;
  }
}
