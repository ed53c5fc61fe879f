import { performance } from 'node:perf_hooks';
import { isDeepStrictEqual } from 'node:util';
import WebSocket from 'ws';
import type { JsonValue, ServerFrame } from '../../src/shared/protocol';
import { wins, type StateStamp } from '../../src/shared/state';

/** A `state:update` the relay acknowledged: it must survive, and win where its stamp is highest. */
export interface AckedWrite {
  id: string;
  path: string;
  value: JsonValue;
  stamp: StateStamp;
  latencyMs: number;
}

export type WriteOutcome = 'acked' | 'conflict' | 'refused' | 'unanswered' | 'closed';

interface Pending {
  path: string;
  value: JsonValue;
  stamp: StateStamp;
  sentAt: number;
  settle: (outcome: WriteOutcome) => void;
  timer: NodeJS.Timeout;
}

/**
 * A lean dashboard client for load and fault tests: it writes state paths versioned one above the
 * highest stamp it has seen for them (like the dashboard), and keeps every acknowledged write, how
 * many acks came twice, and nothing else (no frame log, so long runs stay small).
 */
export class StateWriter {
  readonly acked: AckedWrite[] = [];
  /** Writes sent whose fate is unknown (the socket closed or no answer came): they may have been applied. */
  readonly unconfirmed: AckedWrite[] = [];
  /** Acks for an update id that was already acknowledged. */
  duplicateAcks = 0;
  private readonly seenVersions = new Map<string, number>();
  private readonly pending = new Map<string, Pending>();
  private readonly ackedIds = new Set<string>();
  private sequence = 0;

  private constructor(
    readonly socket: WebSocket,
    readonly deviceId: string,
  ) {
    socket.on('message', (data) => this.onFrame(JSON.parse(data.toString()) as ServerFrame));
    socket.on('close', () => {
      for (const [id, p] of this.pending) this.finish(id, p, 'closed');
    });
  }

  static connect(baseUrl: string, token: string, deviceId: string): Promise<StateWriter> {
    const socket = new WebSocket(`${baseUrl.replace(/^http/, 'ws')}/ws?deviceId=${encodeURIComponent(deviceId)}`, ['agent-mesh.v1'], { headers: { authorization: `Bearer ${token}` } });
    const writer = new StateWriter(socket, deviceId);
    return new Promise((resolve, reject) => {
      socket.once('open', () => resolve(writer));
      socket.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
      socket.once('error', reject);
    });
  }

  get open(): boolean {
    return this.socket.readyState === WebSocket.OPEN;
  }

  /** Writes `value` at `path` and resolves with what became of it (`unanswered` after `timeoutMs`). */
  write(path: string, value: JsonValue, timeoutMs = 10_000): Promise<WriteOutcome> {
    if (!this.open) return Promise.resolve('closed');
    const id = `${this.deviceId}-${++this.sequence}`;
    const stamp: StateStamp = { version: (this.seenVersions.get(path) ?? 0) + 1, timestamp: Date.now(), deviceId: this.deviceId };
    return new Promise((settle) => {
      const timer = setTimeout(() => this.finish(id, this.pending.get(id)!, 'unanswered'), timeoutMs);
      this.pending.set(id, { path, value, stamp, sentAt: performance.now(), settle, timer });
      this.socket.send(JSON.stringify({ type: 'state:update', id, path, value, version: stamp.version, timestamp: stamp.timestamp }));
    });
  }

  close(): Promise<void> {
    if (this.socket.readyState === WebSocket.CLOSED) return Promise.resolve();
    return new Promise((resolve) => {
      this.socket.once('close', () => resolve());
      this.socket.close();
    });
  }

  private onFrame(frame: ServerFrame): void {
    if (frame.type === 'state:full') for (const [path, stamp] of Object.entries(frame.stamps)) this.see(path, stamp.version);
    else if (frame.type === 'state:sync') this.see(frame.path, frame.version);
    else if (frame.type === 'ack') {
      if (this.ackedIds.has(frame.id)) this.duplicateAcks += 1;
      const p = this.pending.get(frame.id);
      if (!p) return;
      this.ackedIds.add(frame.id);
      this.acked.push({ id: frame.id, path: p.path, value: p.value, stamp: p.stamp, latencyMs: performance.now() - p.sentAt });
      this.see(p.path, frame.version);
      this.finish(frame.id, p, 'acked');
    } else if (frame.type === 'error' && frame.id) {
      const p = this.pending.get(frame.id);
      if (!p) return;
      // "a newer write of P exists (version N by D)": version the next write above it.
      const newer = /\(version (\d+) by /.exec(frame.message);
      if (newer) this.see(p.path, Number(newer[1]));
      this.finish(frame.id, p, frame.code === 'conflict' ? 'conflict' : 'refused');
    }
  }

  private see(path: string, version: number): void {
    if (version > (this.seenVersions.get(path) ?? 0)) this.seenVersions.set(path, version);
  }

  private finish(id: string, p: Pending, outcome: WriteOutcome): void {
    if (!this.pending.delete(id)) return;
    clearTimeout(p.timer);
    if (outcome === 'closed' || outcome === 'unanswered') this.unconfirmed.push({ id, path: p.path, value: p.value, stamp: p.stamp, latencyMs: performance.now() - p.sentAt });
    p.settle(outcome);
  }
}

/** Per path, the acknowledged write whose stamp beats every other: what the path must hold at the end. */
export function winningWrites(acked: Iterable<AckedWrite>): Map<string, AckedWrite> {
  const winners = new Map<string, AckedWrite>();
  for (const write of acked) {
    const current = winners.get(write.path);
    if (!current || wins(write.stamp, current.stamp)) winners.set(write.path, write);
  }
  return winners;
}

/**
 * The acknowledged writes that `state` lost: per path, the acknowledged write with the highest stamp
 * must be what the path holds, unless a write whose fate is unknown (`unconfirmed`) beats it and is
 * what the path holds instead (it was applied, its ack never arrived).
 */
export function lostWrites(state: unknown, acked: Iterable<AckedWrite>, unconfirmed: Iterable<AckedWrite> = []): AckedWrite[] {
  const maybe = [...unconfirmed];
  return [...winningWrites(acked).values()].filter((winner) => {
    const held = valueAt(state, winner.path);
    if (isDeepStrictEqual(held, winner.value)) return false;
    return !maybe.some((w) => w.path === winner.path && wins(w.stamp, winner.stamp) && isDeepStrictEqual(held, w.value));
  });
}

/** The value at a dot path of a state document (undefined when absent). */
export function valueAt(state: unknown, path: string): unknown {
  let node = state;
  for (const segment of path.split('.')) {
    if (node === null || typeof node !== 'object' || !Object.hasOwn(node, segment)) return undefined;
    node = (node as Record<string, unknown>)[segment];
  }
  return node;
}
