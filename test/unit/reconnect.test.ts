import { strict as assert } from 'node:assert';
import { reconnectDelay } from '../../src/webview/sync/connection';

describe('webview reconnect backoff', () => {
  it('grows exponentially with jitter and is capped at 10 s', () => {
    assert.equal(reconnectDelay(0, () => 0), 125);
    assert.equal(reconnectDelay(0, () => 1), 250);
    assert.equal(reconnectDelay(3, () => 1), 2000);
    assert.equal(reconnectDelay(30, () => 1), 10_000);
    assert.equal(reconnectDelay(30, () => 0), 5_000);
  });
});
