/**
 * Runs a write one at a time and coalesces bursts: every request made while a write runs shares
 * the single write that follows it, which takes the data as it is when it starts.
 */
export class CoalescedWrite {
  private writing: Promise<void> = Promise.resolve();
  private queued: Promise<void> | undefined;

  constructor(private readonly write: () => Promise<void>) {}

  /** Resolves once a write that started after this call has finished (rejects with its error). */
  request(): Promise<void> {
    if (this.queued) return this.queued;
    const next = this.writing
      .catch(() => undefined)
      .then(() => {
        this.queued = undefined;
        return this.write();
      });
    this.queued = next;
    this.writing = next;
    return next;
  }

  /** Waits for the last requested write, whatever its outcome. */
  async settled(): Promise<void> {
    await this.writing.catch(() => undefined);
  }
}

/** Where a damaged file is kept for inspection instead of being overwritten; returns the new name. */
export function asideName(file: string): string {
  return `${file}.unreadable-${Date.now()}`;
}
