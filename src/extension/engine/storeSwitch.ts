/**
 * A service's moves to another store, one at a time; writes wait at `passage()` while one is under
 * way, so each lands whole on the old store or on the new one.
 */
export class StoreSwitch {
  private underWay: Promise<void> | undefined;

  get busy(): boolean {
    return this.underWay !== undefined;
  }

  /** Resolves once no move is under way. */
  async passage(): Promise<void> {
    while (this.underWay) await this.underWay;
  }

  /** Runs `move` once the move under way, if any, has ended; its failure goes to the caller only. */
  moving(move: () => Promise<void>): Promise<void> {
    const run = (this.underWay ?? Promise.resolve()).then(move);
    const ended: Promise<void> = run.catch(() => undefined).then(() => {
      if (this.underWay === ended) this.underWay = undefined;
    });
    this.underWay = ended;
    return run;
  }
}
