import { strict as assert } from 'node:assert';
import { CircuitBreaker } from '../../src/extension/engine/mesh/circuit';

describe('circuit breaker', () => {
  const options = { failureThreshold: 3, cooldownMs: 10_000, maxCooldownMs: 40_000 };

  it('stays closed below the threshold and a success resets the count', () => {
    const breaker = new CircuitBreaker(options);
    breaker.recordFailure(0);
    breaker.recordFailure(1);
    assert.equal(breaker.state, 'closed');
    assert.equal(breaker.consecutiveFailures, 2);
    breaker.recordSuccess();
    assert.equal(breaker.consecutiveFailures, 0);
    breaker.recordFailure(2);
    breaker.recordFailure(3);
    assert.equal(breaker.state, 'closed');
    assert.equal(breaker.allows(4), true);
  });

  it('goes closed → open → half-open → closed, step by step', () => {
    const breaker = new CircuitBreaker(options);
    for (const t of [0, 1, 2]) breaker.recordFailure(t);
    assert.equal(breaker.state, 'open');
    assert.equal(breaker.retryAt, 10_002, 'opened at t=2 with a 10 s cool-down');
    assert.equal(breaker.allows(10_001), false, 'no check during the cool-down');
    assert.equal(breaker.state, 'open');
    assert.equal(breaker.allows(10_002), true, 'one trial once the cool-down has passed');
    assert.equal(breaker.state, 'half-open');
    assert.equal(breaker.retryAt, undefined);
    breaker.recordSuccess();
    assert.equal(breaker.state, 'closed');
    assert.equal(breaker.consecutiveFailures, 0);
  });

  it('reopens after a failed trial with a doubled cool-down, capped', () => {
    const breaker = new CircuitBreaker(options);
    for (const t of [0, 1, 2]) breaker.recordFailure(t);
    let now = 10_002;
    const cooldowns: number[] = [];
    for (let trial = 0; trial < 4; trial++) {
      assert.equal(breaker.allows(now), true);
      assert.equal(breaker.state, 'half-open');
      breaker.recordFailure(now);
      assert.equal(breaker.state, 'open');
      cooldowns.push(breaker.retryAt! - now);
      now = breaker.retryAt!;
    }
    assert.deepEqual(cooldowns, [20_000, 40_000, 40_000, 40_000]);
    assert.equal(breaker.allows(now), true);
    breaker.recordSuccess();
    for (const t of [1, 2, 3]) breaker.recordFailure(now + t);
    assert.equal(breaker.retryAt! - (now + 3), 10_000, 'a closed circuit starts again from the base cool-down');
  });

  it('lets a forced check through an open circuit as its half-open trial', () => {
    const breaker = new CircuitBreaker({ ...options, failureThreshold: 1 });
    breaker.recordFailure(0);
    assert.equal(breaker.allows(1), false);
    assert.equal(breaker.allows(1, true), true);
    assert.equal(breaker.state, 'half-open');
  });
});
