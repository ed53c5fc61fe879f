import path from 'node:path';

/** Enough for every data file and its backup; a longer list would say nothing more. */
const MAX_RECOVERIES = 20;

/**
 * The damaged data files the relay found at start and set aside, one short sentence each, for
 * /health and the status bar. /health is public: a sentence names only base names, never a folder
 * nor anything the file held.
 */
export class Recoveries {
  private readonly notices: string[] = [];

  /** `aside` now holds the damaged `file` (or a copy of it); `outcome` says what the store started from. */
  record(file: string, aside: string, outcome: string): void {
    if (this.notices.length >= MAX_RECOVERIES) return;
    this.notices.push(`${path.basename(file)} was damaged and set aside as ${path.basename(aside)}; ${outcome}`);
  }

  list(): string[] {
    return [...this.notices];
  }
}
