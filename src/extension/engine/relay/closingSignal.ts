import { setMaxListeners } from 'node:events';
import type { HubClient } from './hub';

const signals = new WeakMap<HubClient, AbortSignal>();

/**
 * One signal per connection, aborted when its socket closes, so what a client started or waits for
 * (approval waits, tool calls) goes with it. Every user bounds its own listeners per client, so the
 * signal's listener warning is off.
 */
export function closingSignal(client: HubClient): AbortSignal {
  let signal = signals.get(client);
  if (!signal) {
    const controller = new AbortController();
    signal = controller.signal;
    setMaxListeners(0, signal);
    signals.set(client, signal);
    client.onClose(() => controller.abort());
  }
  return signal;
}
