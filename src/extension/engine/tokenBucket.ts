/**
 * Refills `perSecond` tokens a second up to `capacity`, starting full. A take spends tokens only
 * when all of them are there. Shared by the relay's request and frame limits and the MCP log copy.
 */
export class TokenBucket {
  private tokens: number;

  constructor(
    private readonly capacity: number,
    private readonly perSecond: number,
    private refilledAt = performance.now(),
  ) {
    this.tokens = capacity;
  }

  /** The tokens there at `now`, after refilling for the time since the last look. */
  available(now = performance.now()): number {
    this.tokens = Math.min(this.capacity, this.tokens + ((now - this.refilledAt) / 1000) * this.perSecond);
    this.refilledAt = now;
    return this.tokens;
  }

  take(amount = 1, now = performance.now()): boolean {
    if (this.available(now) < amount) return false;
    this.tokens -= amount;
    return true;
  }
}
