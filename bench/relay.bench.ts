// Fan-out of dashboard state updates on loopback: the Agent Mesh relay (a real Engine: edge
// validation, conflict check, durable file store, ack) against a socket.io server doing only the
// broadcast, the seed's choice. One sender, 1/10/100 receiving clients, in one process.
//   latency: one update at a time, from send to arrival at each receiver (p50/p99)
//   throughput: a pipelined burst, deliveries per second until every receiver has every update
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Server as SocketIoServer } from 'socket.io';
import { io as socketIoClient, type Socket as SocketIoClient } from 'socket.io-client';
import WebSocket from 'ws';
import { defaultSettings } from '../src/extension/engine/config/settings';
import { Engine } from '../src/extension/engine/engine';
import { silentLogger } from '../src/extension/engine/log';
import { percentile, type Bench, type BenchCase } from './run';

const CLIENT_COUNTS = [1, 10, 100];
const LATENCY_SAMPLES = 200;
const BURST = 1000;
const THROUGHPUT_BURSTS = 7;
const TOKEN = 'bench-token';

/** The sender sends update i; every receiver reports each update it gets to the one current listener. */
interface Fanout {
  send(i: number): void;
  onDeliver(listener: (i: number, receivedAt: number) => void): void;
  close(): Promise<void>;
}

async function agentMeshFanout(relayUrl: string, receivers: number): Promise<Fanout> {
  const wsUrl = `${relayUrl.replace(/^http/, 'ws')}/ws`;
  const open = (deviceId: string) =>
    new Promise<WebSocket>((resolve, reject) => {
      const ws = new WebSocket(`${wsUrl}?deviceId=${deviceId}`, ['agent-mesh.v1'], { headers: { authorization: `Bearer ${TOKEN}` } });
      ws.once('open', () => resolve(ws));
      ws.once('error', reject);
    });
  const sender = await open('sender');
  const sockets = await Promise.all(Array.from({ length: receivers }, (_, r) => open(`receiver-${r}`)));
  let listener = (_i: number, _at: number): void => undefined;
  for (const socket of sockets) {
    socket.on('message', (data) => {
      const frame = JSON.parse(data.toString());
      if (frame.type === 'state:sync') listener(frame.value, performance.now());
    });
  }
  // A path and ids of their own per run: the relay treats a known id or an older version from the same device as a replay.
  const statePath = `bench.receivers${receivers}`;
  let version = 0;
  return {
    send: (i) => sender.send(JSON.stringify({ type: 'state:update', id: `${statePath}-${i}`, path: statePath, value: i, version: ++version, timestamp: Date.now() })),
    onDeliver: (l) => (listener = l),
    close: async () => {
      for (const s of [sender, ...sockets]) s.terminate();
    },
  };
}

async function socketIoFanout(url: string, receivers: number): Promise<Fanout> {
  const open = () =>
    new Promise<SocketIoClient>((resolve, reject) => {
      const socket = socketIoClient(url, { transports: ['websocket'], forceNew: true });
      socket.once('connect', () => resolve(socket));
      socket.once('connect_error', reject);
    });
  const sender = await open();
  const sockets = await Promise.all(Array.from({ length: receivers }, open));
  let listener = (_i: number, _at: number): void => undefined;
  for (const socket of sockets) socket.on('state:sync', (frame: { value: number }) => listener(frame.value, performance.now()));
  let version = 0;
  return {
    send: (i) => void sender.emit('state:update', { path: 'bench.counter', value: i, version: ++version, timestamp: Date.now() }),
    onDeliver: (l) => (listener = l),
    close: async () => {
      for (const s of [sender, ...sockets]) s.disconnect();
    },
  };
}

/** Unloaded latency: one update in flight at a time. */
async function measureLatency(fanout: Fanout, receivers: number, offset: number): Promise<number[]> {
  const latencies: number[] = [];
  let waiting: { i: number; sentAt: number; left: number; done: () => void } | undefined;
  fanout.onDeliver((i, at) => {
    if (!waiting || i !== waiting.i) return;
    latencies.push(at - waiting.sentAt);
    if (--waiting.left === 0) waiting.done();
  });
  for (let n = 0; n < LATENCY_SAMPLES; n++) {
    const i = offset + n;
    await new Promise<void>((done) => {
      waiting = { i, sentAt: performance.now(), left: receivers, done };
      fanout.send(i);
    });
  }
  waiting = undefined;
  return latencies.sort((a, b) => a - b);
}

/** Deliveries per second for a pipelined burst. */
async function measureThroughput(fanout: Fanout, receivers: number, offset: number): Promise<number> {
  let delivered = 0;
  const expected = BURST * receivers;
  const finished = new Promise<void>((resolve) =>
    fanout.onDeliver((i) => {
      if (i >= offset && ++delivered === expected) resolve();
    }),
  );
  const started = performance.now();
  for (let n = 0; n < BURST; n++) fanout.send(offset + n);
  await finished;
  return expected / ((performance.now() - started) / 1000);
}

interface Contender {
  label: string;
  make(receivers: number): Promise<Fanout>;
}

/**
 * Both servers are measured at each client count before moving on, their bursts interleaved, so
 * a noisy moment on a shared machine hits both rather than one: latency first, then a warm-up burst
 * each and THROUGHPUT_BURSTS measured bursts each, of which the median counts.
 */
async function compare(contenders: Contender[]): Promise<BenchCase[][]> {
  const cases: BenchCase[][] = contenders.map(() => []);
  for (const receivers of CLIENT_COUNTS) {
    const fanouts = await Promise.all(contenders.map((c) => c.make(receivers)));
    try {
      const latencies: number[][] = [];
      for (const fanout of fanouts) {
        await measureLatency(fanout, receivers, 0); // warm-up
        latencies.push(await measureLatency(fanout, receivers, 1_000_000));
      }
      const throughputs: number[][] = fanouts.map(() => []);
      for (let burst = 0; burst <= THROUGHPUT_BURSTS; burst++) {
        for (const [c, fanout] of fanouts.entries()) {
          const perSec = await measureThroughput(fanout, receivers, 2_000_000 + burst * BURST);
          if (burst > 0) throughputs[c].push(perSec);
        }
      }
      for (const [c, contender] of contenders.entries()) {
        cases[c].push({
          label: `${contender.label}, ${receivers} client${receivers > 1 ? 's' : ''}`,
          metrics: {
            p50Ms: percentile(latencies[c], 50),
            p99Ms: percentile(latencies[c], 99),
            deliveriesPerSec: Math.round(percentile(throughputs[c], 50)),
            slowestBurstPerSec: Math.round(Math.min(...throughputs[c])),
            fastestBurstPerSec: Math.round(Math.max(...throughputs[c])),
          },
        });
      }
    } finally {
      await Promise.all(fanouts.map((f) => f.close()));
    }
  }
  return cases;
}

const bench: Bench = {
  name: 'relay',
  async run() {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'am-bench-relay-'));
    const engine = await Engine.start({ settings: defaultSettings(), token: TOKEN, dataDir, extensionRoot: dataDir, logger: silentLogger });
    const http = createServer();
    const socketIo = new SocketIoServer(http, { transports: ['websocket'] });
    socketIo.on('connection', (socket) => socket.on('state:update', (frame) => socket.broadcast.emit('state:sync', frame)));
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    const socketIoUrl = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
    try {
      const [ours, theirs] = await compare([
        { label: 'agent-mesh relay', make: (n) => agentMeshFanout(engine.url, n) },
        { label: 'socket.io broadcast', make: (n) => socketIoFanout(socketIoUrl, n) },
      ]);
      const at = (cases: BenchCase[], n: number) => cases[CLIENT_COUNTS.indexOf(n)].metrics;
      const ratios: Record<string, number> = {};
      for (const n of CLIENT_COUNTS) ratios[`throughput vs socket.io at ${n} client${n > 1 ? 's' : ''}`] = at(ours, n).deliveriesPerSec / at(theirs, n).deliveriesPerSec;
      return {
        name: 'relay',
        description: `One sender, N receivers on loopback, one process (${LATENCY_SAMPLES} single updates for latency, throughput: the median of ${THROUGHPUT_BURSTS} bursts of ${BURST} after a warm-up burst, interleaved with the peer's). The relay validates, resolves conflicts, persists and acks every update; socket.io only re-broadcasts.`,
        cases: [...ours, ...theirs],
        ratios,
        figures: { 'p99 at 10 clients (ms)': at(ours, 10).p99Ms },
        targets: { 'throughput vs socket.io at 10 clients': '≥ 2×', 'p99 at 10 clients (ms)': '< 5' },
      };
    } finally {
      socketIo.close();
      await engine.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  },
};

export default bench;
