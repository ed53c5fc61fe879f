// Large dashboard values against a real `agent-mesh serve` process (the built bundle): while 24
// writes of ~900 KB values are in flight, how long small writes wait for their ack and /health for
// its answer, and how many bytes a dashboard connecting afterwards receives as its `state:full`.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import WebSocket from 'ws';
import { generateToken } from '../src/extension/engine/security/token';
import { startServe } from '../test/helpers/serve';
import { percentile, type Bench } from './run';

const TOKEN = generateToken();
const LARGE_WRITES = 24;
const PROBE_EVERY_MS = 20;

/** About 900 KB of JSON shaped like widget data: rows of a table, different in every write. */
function largeValue(seed: number): unknown {
  return Array.from({ length: 13_000 }, (_, i) => ({ id: `${seed}-${i}`, label: `row ${i} of write ${seed}`, value: (i * 7919 + seed) % 100_003, ok: i % 3 === 0 }));
}

interface Frame {
  type: string;
  id?: string;
}

interface Socket {
  ws: WebSocket;
  /** Bytes received so far. */
  received(): number;
  /** Resolves with the next frame that matches (each frame is parsed once, however many wait). */
  next(match: (frame: Frame) => boolean): Promise<Frame>;
}

function open(wsUrl: string, deviceId: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    let bytes = 0;
    let waiters: Array<{ match: (frame: Frame) => boolean; resolve: (frame: Frame) => void }> = [];
    const ws = new WebSocket(`${wsUrl}?deviceId=${deviceId}`, ['agent-mesh.v1'], { headers: { authorization: `Bearer ${TOKEN}` } });
    ws.on('message', (data) => {
      bytes += (data as Buffer).length;
      // Only small frames are parsed (acks, errors, status): the probe measures the relay, not this process parsing syncs.
      if (waiters.length === 0 || (data as Buffer).length > 4096) return;
      const frame = JSON.parse(data.toString()) as Frame;
      waiters = waiters.filter((w) => (w.match(frame) ? (w.resolve(frame), false) : true));
    });
    ws.once('close', (code) => {
      if (waiters.length > 0) process.stderr.write(`${deviceId} was closed (${code}) while waiting for frames\n`);
    });
    ws.once('open', () => resolve({ ws, received: () => bytes, next: (match) => new Promise((done) => waiters.push({ match, resolve: done })) }));
    ws.once('error', reject);
  });
}

const bench: Bench = {
  name: 'large-values',
  async run() {
    const scratch = mkdtempSync(path.join(tmpdir(), 'am-bench-large-'));
    writeFileSync(path.join(scratch, 'config.json'), '{}');
    const relay = await startServe(['--workspace', scratch, '--config', path.join(scratch, 'config.json'), '--data-dir', path.join(scratch, 'data'), '--port', '0'], { AGENT_MESH_TOKEN: TOKEN });
    const wsUrl = `${relay.url.replace(/^http/, 'ws')}/ws`;
    try {
      const writer = await open(wsUrl, 'writer');
      const prober = await open(wsUrl, 'prober');
      const values = Array.from({ length: LARGE_WRITES }, (_, i) => JSON.stringify(largeValue(i)));
      const ackDelays: number[] = [];
      const healthDelays: number[] = [];
      let probing = true;
      const probeAcks = (async () => {
        for (let n = 0; probing; n++) {
          const sent = performance.now();
          const acked = prober.next((f) => f.type === 'ack' && f.id === `p${n}`);
          prober.ws.send(JSON.stringify({ type: 'state:update', id: `p${n}`, path: 'probe.counter', value: n, version: n + 1, timestamp: Date.now() }));
          await acked;
          ackDelays.push(performance.now() - sent);
          await new Promise((r) => setTimeout(r, PROBE_EVERY_MS));
        }
      })();
      const probeHealth = (async () => {
        while (probing) {
          const sent = performance.now();
          await (await fetch(`${relay.url}/health`)).json();
          healthDelays.push(performance.now() - sent);
          await new Promise((r) => setTimeout(r, PROBE_EVERY_MS));
        }
      })();
      await new Promise((r) => setTimeout(r, 200));
      const started = performance.now();
      const answers = values.map((_, i) => writer.next((f) => (f.type === 'ack' || f.type === 'error') && f.id === `big${i}`));
      for (const [i, value] of values.entries()) writer.ws.send(`{"type":"state:update","id":"big${i}","path":"tables.t${i}","value":${value},"version":1,"timestamp":${Date.now()}}`);
      const settled = await Promise.all(answers);
      const allAckedMs = performance.now() - started;
      await new Promise((r) => setTimeout(r, 200));
      probing = false;
      await Promise.all([probeAcks, probeHealth]);
      const newcomer = await open(wsUrl, 'newcomer');
      await newcomer.next((f) => f.type === 'status');
      const fullBytes = newcomer.received();
      for (const socket of [writer, prober, newcomer]) socket.ws.terminate();
      const refused = settled.filter((f) => f.type !== 'ack').length;
      return {
        name: 'large-values',
        description: `One \`agent-mesh serve\` process (file store). A writer sends ${LARGE_WRITES} updates of ~${Math.round(values[0].length / 1024)} KB each at once; meanwhile another socket writes a small value every ${PROBE_EVERY_MS} ms and waits for its ack, and /health is polled every ${PROBE_EVERY_MS} ms. Then a new dashboard connects and the bytes it receives up to its \`status\` frame (hello, state:full, status) are counted.`,
        cases: [
          {
            label: `${LARGE_WRITES} × ${Math.round(values[0].length / 1024)} KB writes in flight`,
            metrics: {
              smallAckP50Ms: percentile(ackDelays, 50),
              smallAckP99Ms: percentile(ackDelays, 99),
              smallAckMaxMs: Math.max(...ackDelays),
              healthP99Ms: percentile(healthDelays, 99),
              healthMaxMs: Math.max(...healthDelays),
              largeWritesAckedMs: allAckedMs,
              largeWritesRefused: refused,
              stateFullBytes: fullBytes,
            },
          },
        ],
        ratios: {},
        figures: {
          'small-write ack p99 during large writes (ms)': percentile(ackDelays, 99),
          '/health max during large writes (ms)': Math.max(...healthDelays),
          'state:full to a new dashboard (bytes)': fullBytes,
        },
      };
    } finally {
      await relay.stop();
      rmSync(scratch, { recursive: true, force: true });
    }
  },
};

export default bench;
