import { connect, type Socket } from 'node:net';

/** What the relay did with raw bytes: answered with a status line, closed without one, or neither in time. */
export type RawOutcome = { kind: 'status'; status: number; head: string } | { kind: 'closed' } | { kind: 'hang' };

/**
 * Writes `data` to 127.0.0.1:`port` on a raw socket (nothing normalised by an HTTP client) and
 * waits for the status line of the answer. With `halfClose` the write side is ended after the data,
 * for inputs whose framing is broken on purpose. The socket is destroyed once the status is known.
 */
export function rawRequest(port: number, data: Buffer, { halfClose = false, timeoutMs = 5000 } = {}): Promise<RawOutcome> {
  return new Promise((resolve) => {
    const socket: Socket = connect({ port, host: '127.0.0.1' });
    let received = Buffer.alloc(0);
    let settled = false;
    const settle = (outcome: RawOutcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(outcome);
    };
    const timer = setTimeout(() => settle({ kind: 'hang' }), timeoutMs);
    socket.on('error', () => settle(statusOf(received) ?? { kind: 'closed' }));
    socket.on('close', () => settle(statusOf(received) ?? { kind: 'closed' }));
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      const outcome = statusOf(received);
      if (outcome) settle(outcome);
    });
    socket.once('connect', () => {
      socket.write(data);
      if (halfClose) socket.end();
    });
  });
}

function statusOf(received: Buffer): RawOutcome | undefined {
  const end = received.indexOf('\r\n');
  if (end < 0) return undefined;
  const line = received.subarray(0, end).toString('latin1');
  const match = /^HTTP\/1\.[01] (\d{3})/.exec(line);
  return match ? { kind: 'status', status: Number(match[1]), head: line } : { kind: 'closed' };
}

/**
 * Upgrades a raw socket with `upgrade` (expects 101), then writes `after` and ends its side. Resolves
 * `closed` once the relay closes the socket, `refused` when the upgrade was not accepted, `hang` when
 * the relay does neither within `timeoutMs`.
 */
export function rawUpgradeThenSend(port: number, upgrade: Buffer, after: Buffer, timeoutMs = 5000): Promise<'closed' | 'refused' | 'hang'> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1' });
    let head = Buffer.alloc(0);
    let upgraded = false;
    let settled = false;
    const settle = (outcome: 'closed' | 'refused' | 'hang') => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(outcome);
    };
    const timer = setTimeout(() => settle('hang'), timeoutMs);
    socket.on('error', () => settle(upgraded ? 'closed' : 'refused'));
    socket.on('close', () => settle(upgraded ? 'closed' : 'refused'));
    socket.on('data', (chunk: Buffer) => {
      if (upgraded) return; // the relay's frames (hello, state:full, errors) are not the point here
      head = Buffer.concat([head, chunk]);
      if (head.indexOf('\r\n\r\n') < 0) return;
      if (!head.subarray(0, 12).toString('latin1').startsWith('HTTP/1.1 101')) return settle('refused');
      upgraded = true;
      socket.write(after);
      socket.end();
    });
    socket.once('connect', () => socket.write(upgrade));
  });
}
