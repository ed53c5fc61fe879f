// Human-in-the-loop waiting, measured on a real `agent-mesh serve` child process:
// 1. decision → waiting agent latency (p50/p99) over HTTP long-poll, WebSocket and MCP;
// 2. relay CPU while 1,000 approvals wait 30 s on event-driven long-polls, side by side with the
//    seed's baseline of 1,000 agents polling every second. CPU is the child's own process.cpuUsage(),
//    read over IPC.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import WebSocket from 'ws';
import { LISTENING_LINE_PREFIX } from '../src/shared/api';
import type { Approval } from '../src/shared/approvals';
import type { ServerFrame } from '../src/shared/protocol';
import { percentile, type Bench, type BenchCase } from './run';

const CLI = path.resolve(__dirname, '../dist/cli.js');
const TOKEN = 'bench-token-0123456789abcdef0123456789';
const LATENCY_SAMPLES = 200;
const WAITERS = 1000;
const WINDOW_MS = 30_000;
/** Answers `process.cpuUsage()` to any IPC message; loaded into the serve child with --import. */
const CPU_PROBE = `data:text/javascript,process.on('message',()=>process.send(process.cpuUsage()))`;

interface Relay {
  url: string;
  child: ChildProcess;
  cpuMicros(): Promise<number>;
  stop(): Promise<void>;
}

async function startRelay(): Promise<Relay> {
  const workspace = mkdtempSync(path.join(tmpdir(), 'am-bench-approvals-'));
  const child = spawn(process.execPath, ['--import', CPU_PROBE, CLI, 'serve', '--workspace', workspace, '--port', '0', '--token', TOKEN, '--log-level', 'warn'], {
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`serve exited with ${code}`)));
    createInterface({ input: child.stdout! }).on('line', (line) => line.startsWith(LISTENING_LINE_PREFIX) && resolve(line.slice(LISTENING_LINE_PREFIX.length).trim()));
  });
  return {
    url,
    child,
    cpuMicros: () =>
      new Promise((resolve) => {
        child.once('message', (usage) => resolve((usage as NodeJS.CpuUsage).user + (usage as NodeJS.CpuUsage).system));
        child.send('cpu');
      }),
    async stop() {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
      rmSync(workspace, { recursive: true, force: true });
    },
  };
}

const agent = new http.Agent({ keepAlive: true, maxSockets: Infinity });

function request<T>(base: string, method: string, route: string, body?: unknown): Promise<{ status: number; body: T }> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = http.request(new URL(route, base), { method, agent, headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString() || '{}') as T }));
    });
    req.on('error', reject);
    req.end(payload);
  });
}

const createApproval = async (base: string, title: string) => (await request<{ id: string }>(base, 'POST', '/api/approvals', { title, confidence: 50, risk: 'low' })).body.id;
const decide = (base: string, id: string) => request(base, 'POST', `/api/approvals/${id}/decision`, { decision: 'approve', by: 'bench' });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const nowMs = () => Number(process.hrtime.bigint()) / 1e6;

/** Times decision → wake: `arm` starts the agent's wait and resolves once it is waiting; its `woken` settles on wake. */
async function measure(base: string, arm: (id: string) => Promise<{ woken: Promise<unknown> }>, create: () => Promise<string>): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < LATENCY_SAMPLES; i++) {
    const id = await create();
    const { woken } = await arm(id);
    const start = nowMs();
    const decision = decide(base, id);
    await woken;
    samples.push(nowMs() - start);
    // The agent can be woken before the decision's own response arrives; wait for it so no request
    // is still in flight when the relay is stopped.
    await decision;
  }
  return samples;
}

function latencyCase(label: string, samples: number[]): BenchCase {
  return { label, metrics: { p50Ms: percentile(samples, 50), p99Ms: percentile(samples, 99), maxMs: Math.max(...samples), samples: samples.length } };
}

async function latencies(relay: Relay): Promise<BenchCase[]> {
  const base = relay.url;
  // HTTP long-poll: the wait request is given 5 ms to reach the relay before the decision.
  const httpSamples = await measure(base, async (id) => {
    const waiting = request(base, 'GET', `/api/approvals/${id}/wait?timeoutMs=30000`);
    await sleep(5);
    return { woken: waiting };
  }, () => createApproval(base, 'long-poll'));

  // WebSocket: the agent asks with approval:request and is told by an `approval` frame.
  const socket = new WebSocket(`${base.replace(/^http/, 'ws')}/ws`, ['agent-mesh.v1'], { headers: { authorization: `Bearer ${TOKEN}` } });
  await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
  const frames = new Map<string, (frame: Extract<ServerFrame, { type: 'approval' }>) => void>();
  socket.on('message', (data) => {
    const frame = JSON.parse(data.toString()) as ServerFrame;
    if (frame.type === 'approval' && frame.id) frames.get(frame.id)?.(frame);
  });
  let wsCount = 0;
  let wsWake: Promise<unknown> = Promise.resolve();
  const wsSamples = await measure(
    base,
    async () => ({ woken: wsWake }),
    () =>
      new Promise<string>((resolve) => {
        const frameId = `b${wsCount++}`;
        wsWake = new Promise((woken) =>
          frames.set(frameId, (frame) => {
            if (frame.approval.status === 'pending') resolve(frame.approval.id);
            else woken(frame);
          }),
        );
        socket.send(JSON.stringify({ type: 'approval:request', id: frameId, title: 'websocket', confidence: 50, risk: 'low' }));
      }),
  );
  socket.close();

  // MCP: request_approval blocks the tool call; a dashboard socket learns the new id from the channel.
  const mcp = new Client({ name: 'bench-agent', version: '1.0.0' });
  await mcp.connect(new StreamableHTTPClientTransport(new URL('/mcp', base), { requestInit: { headers: { authorization: `Bearer ${TOKEN}` } } }));
  const dashboard = new WebSocket(`${base.replace(/^http/, 'ws')}/ws`, ['agent-mesh.v1'], { headers: { authorization: `Bearer ${TOKEN}` } });
  await new Promise((resolve, reject) => dashboard.once('open', resolve).once('error', reject));
  let created: ((id: string) => void) | undefined;
  dashboard.on('message', (data) => {
    const frame = JSON.parse(data.toString()) as ServerFrame;
    if (frame.type === 'event' && frame.name === 'upsert' && (frame.payload as unknown as Approval).status === 'pending') created?.((frame.payload as unknown as Approval).id);
  });
  dashboard.send(JSON.stringify({ type: 'subscribe', channel: 'approvals' }));
  let mcpWake: Promise<unknown> = Promise.resolve();
  const mcpSamples = await measure(
    base,
    async () => ({ woken: mcpWake }),
    () =>
      new Promise<string>((resolve) => {
        created = resolve;
        mcpWake = mcp.callTool({ name: 'request_approval', arguments: { title: 'mcp', confidence: 50, risk: 'low' } }, undefined, { timeout: 60_000 });
      }),
  );
  dashboard.close();
  await mcp.close();

  return [latencyCase('decision → agent, HTTP long-poll', httpSamples), latencyCase('decision → agent, WebSocket', wsSamples), latencyCase('decision → agent, MCP request_approval', mcpSamples)];
}

/** Relay CPU (ms and % of one core) over the window while `WAITERS` approvals wait the given way. */
async function cpuWhileWaiting(mode: 'long-poll' | 'polling'): Promise<{ cpuMs: number; corePercent: number; requests: number; wakeAllMs?: number }> {
  const relay = await startRelay();
  try {
    const ids: string[] = [];
    for (let i = 0; i < WAITERS; i++) ids.push(await createApproval(relay.url, `${mode} ${i}`));
    let requests = 0;
    let stop = false;
    const pollers: Array<Promise<unknown>> = [];
    let waits: Array<Promise<unknown>> = [];
    if (mode === 'long-poll') {
      waits = ids.map((id) => request(relay.url, 'GET', `/api/approvals/${id}/wait?timeoutMs=${WINDOW_MS * 3}`));
      requests = WAITERS;
    } else {
      // The seed's waiter: every agent asks for its approval's state once a second.
      for (const [i, id] of ids.entries()) {
        pollers.push(
          (async () => {
            await sleep((i * 1000) / WAITERS);
            while (!stop) {
              const { body } = await request<Approval>(relay.url, 'GET', `/api/approvals/${id}`);
              requests += 1;
              if (body.status !== 'pending') return;
              await sleep(1000);
            }
          })(),
        );
      }
    }
    await sleep(2000); // every waiter in place
    const before = await relay.cpuMicros();
    const requestsBefore = requests;
    await sleep(WINDOW_MS);
    const cpuMs = ((await relay.cpuMicros()) - before) / 1000;
    stop = true;
    let wakeAllMs: number | undefined;
    if (mode === 'long-poll') {
      const start = nowMs();
      await Promise.all(ids.map((id) => decide(relay.url, id)));
      await Promise.all(waits);
      wakeAllMs = nowMs() - start;
    }
    await Promise.all(pollers);
    return { cpuMs, corePercent: (cpuMs / WINDOW_MS) * 100, requests: mode === 'polling' ? requests - requestsBefore : requests, wakeAllMs };
  } finally {
    await relay.stop();
  }
}

const bench: Bench = {
  name: 'approvals',
  async run() {
    const relay = await startRelay();
    let latencyCases: BenchCase[];
    try {
      latencyCases = await latencies(relay);
    } finally {
      await relay.stop();
    }
    const eventDriven = await cpuWhileWaiting('long-poll');
    const polling = await cpuWhileWaiting('polling');
    agent.destroy();
    const cases: BenchCase[] = [
      ...latencyCases,
      {
        label: `relay CPU, ${WAITERS} approvals waiting ${WINDOW_MS / 1000} s on long-polls`,
        metrics: { cpuMs: eventDriven.cpuMs, corePercent: eventDriven.corePercent, requestsInWindow: 0, wakeAllMs: eventDriven.wakeAllMs! },
      },
      {
        label: `relay CPU, ${WAITERS} agents polling every 1 s (baseline)`,
        metrics: { cpuMs: polling.cpuMs, corePercent: polling.corePercent, requestsInWindow: polling.requests },
      },
    ];
    return {
      name: 'approvals',
      description: `Decision → waiting agent over loopback (${LATENCY_SAMPLES} decisions per door), and the relay's own CPU (process.cpuUsage of the serve child) while ${WAITERS} approvals wait ${WINDOW_MS / 1000} s.`,
      cases,
      ratios: { 'relay CPU: 1 s polling vs event-driven waiting': polling.cpuMs / Math.max(eventDriven.cpuMs, 0.001) },
      targets: {
        'relay CPU: 1 s polling vs event-driven waiting': 'event-driven < 1% of a core',
      },
    };
  },
};

export default bench;
