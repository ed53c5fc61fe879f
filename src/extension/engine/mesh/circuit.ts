import type { CircuitState } from '../../../shared/mesh';

export interface CircuitOptions {
  /** Consecutive failures that open a closed circuit. */
  failureThreshold: number;
  /** How long an open circuit waits before a half-open trial. */
  cooldownMs: number;
  /** Cap of the cool-down, which doubles each time a half-open trial fails (backoff). */
  maxCooldownMs: number;
}

/**
 * One agent's circuit breaker: closed → open after `failureThreshold` consecutive failures →
 * half-open once the cool-down has passed (one trial check) → closed on success, or open again
 * with a doubled cool-down on failure. Time is passed in, so every transition is testable.
 */
export class CircuitBreaker {
  private current: CircuitState = 'closed';
  private failures = 0;
  private openedAt = 0;
  private cooldownMs: number;

  constructor(readonly options: CircuitOptions) {
    this.cooldownMs = options.cooldownMs;
  }

  get state(): CircuitState {
    return this.current;
  }

  get consecutiveFailures(): number {
    return this.failures;
  }

  /** When an open circuit allows its next trial (epoch ms); undefined unless open. */
  get retryAt(): number | undefined {
    return this.current === 'open' ? this.openedAt + this.cooldownMs : undefined;
  }

  /**
   * Whether a check may run now. An open circuit whose cool-down has passed turns half-open and
   * allows one trial; `force` (a check the user asked for) allows the trial at once.
   */
  allows(now: number, force = false): boolean {
    if (this.current === 'open' && (force || now >= this.openedAt + this.cooldownMs)) this.current = 'half-open';
    return this.current !== 'open';
  }

  recordSuccess(): void {
    this.current = 'closed';
    this.failures = 0;
    this.cooldownMs = this.options.cooldownMs;
  }

  recordFailure(now: number): void {
    this.failures += 1;
    if (this.current === 'half-open') {
      this.cooldownMs = Math.min(this.cooldownMs * 2, this.options.maxCooldownMs);
      this.open(now);
    } else if (this.current === 'closed' && this.failures >= this.options.failureThreshold) {
      this.open(now);
    }
  }

  private open(now: number): void {
    this.current = 'open';
    this.openedAt = now;
  }
}
