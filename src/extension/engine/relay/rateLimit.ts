import { TokenBucket } from '../tokenBucket';

export interface RateLimits {
  connection: { capacity: number; perSecond: number };
  address: { capacity: number; perSecond: number };
  /** Addresses remembered at once; past it the oldest are forgotten (a forgotten address starts full). */
  maxAddresses: number;
}

/** Generous for a dashboard, agents and the benches on loopback; a flood from one page or host is cut to a trickle of 429s. */
export const DEFAULT_RATE_LIMITS: RateLimits = {
  connection: { capacity: 400, perSecond: 200 },
  address: { capacity: 4000, perSecond: 2000 },
  maxAddresses: 4096,
};

/** A token bucket per connection and one per remote address. */
export class RequestRateLimit {
  private readonly perConnection = new WeakMap<object, TokenBucket>();
  private readonly perAddress = new Map<string, TokenBucket>();

  constructor(
    private readonly limits: RateLimits = DEFAULT_RATE_LIMITS,
    private readonly now: () => number = () => performance.now(),
  ) {}

  allow(connection: object, address: string): boolean {
    const now = this.now();
    let ownBucket = this.perConnection.get(connection);
    if (!ownBucket) {
      ownBucket = new TokenBucket(this.limits.connection.capacity, this.limits.connection.perSecond, now);
      this.perConnection.set(connection, ownBucket);
    }
    let addressBucket = this.perAddress.get(address);
    if (!addressBucket) {
      if (this.perAddress.size >= this.limits.maxAddresses) this.perAddress.delete(this.perAddress.keys().next().value!);
      addressBucket = new TokenBucket(this.limits.address.capacity, this.limits.address.perSecond, now);
      this.perAddress.set(address, addressBucket);
    }
    // Both buckets pay, so a flood spread over many connections still drains its address.
    const connectionAllows = ownBucket.take(1, now);
    const addressAllows = addressBucket.take(1, now);
    return connectionAllows && addressAllows;
  }
}
