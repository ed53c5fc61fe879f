// One mesh health cycle over 10 real A2A agents answering in 50–450 ms (plus, in the second pair of
// cases, one that never answers): checked one after another vs all at once by MeshMonitor.
import { silentLogger } from '../src/extension/engine/log';
import { MeshMonitor } from '../src/extension/engine/mesh/monitor';
import { probe } from '../src/extension/engine/mesh/probes';
import type { MeshAgentConfig } from '../src/shared/mesh';
import { startA2aAgent, stopAllAgents } from '../test/fixtures/a2a/agents';
import type { Bench, BenchCase } from './run';

const AGENTS = 10;
const TIMEOUT_MS = 1000;
const RUNS = 3;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

async function sequential(agents: MeshAgentConfig[]): Promise<{ cycleMs: number; slowestMs: number }> {
  const started = performance.now();
  let slowestMs = 0;
  for (const agent of agents) {
    try {
      slowestMs = Math.max(slowestMs, (await probe(agent, TIMEOUT_MS, undefined)).latencyMs);
    } catch {
      // the hung agent: it costs its timeout, which is the point of the comparison
    }
  }
  return { cycleMs: performance.now() - started, slowestMs };
}

async function parallel(agents: MeshAgentConfig[]): Promise<number> {
  const monitor = new MeshMonitor(
    { agents, intervalSeconds: 3600, timeoutMs: TIMEOUT_MS, displayNames: {}, failureThreshold: 1000, cooldownSeconds: 1, historyHours: 1 },
    { logger: silentLogger },
  );
  return (await monitor.checkNow()).cycleMs;
}

const bench: Bench = {
  name: 'health',
  async run() {
    try {
      const delays = Array.from({ length: AGENTS }, (_, i) => Math.round(50 + (i * 400) / (AGENTS - 1)));
      const started = await Promise.all(delays.map((delayMs, i) => startA2aAgent({ name: `Agent ${i + 1}`, behaviour: 'slow', delayMs })));
      const hung = await startA2aAgent({ name: 'Hung', behaviour: 'hung' });
      const healthy: MeshAgentConfig[] = started.map((a) => ({ name: a.name, url: a.url, kind: 'a2a' }));
      const withHung: MeshAgentConfig[] = [...healthy, { name: 'Hung', url: hung.url, kind: 'a2a' }];
      await parallel(healthy); // warm-up: first connections, JIT

      const seq: number[] = [];
      const slowest: number[] = [];
      const par: number[] = [];
      const seqHung: number[] = [];
      const parHung: number[] = [];
      for (let run = 0; run < RUNS; run++) {
        const s = await sequential(healthy);
        seq.push(s.cycleMs);
        slowest.push(s.slowestMs);
        par.push(await parallel(healthy));
        seqHung.push((await sequential(withHung)).cycleMs);
        parHung.push(await parallel(withHung));
      }
      const m = { seq: median(seq), slowest: median(slowest), par: median(par), seqHung: median(seqHung), parHung: median(parHung) };
      const cases: BenchCase[] = [
        { label: `sequential, ${AGENTS} agents`, metrics: { cycleMs: m.seq, slowestAgentMs: m.slowest } },
        { label: `parallel, ${AGENTS} agents`, metrics: { cycleMs: m.par, slowestAgentMs: m.slowest } },
        { label: `sequential, ${AGENTS} agents + 1 hung (timeout ${TIMEOUT_MS} ms)`, metrics: { cycleMs: m.seqHung } },
        { label: `parallel, ${AGENTS} agents + 1 hung (timeout ${TIMEOUT_MS} ms)`, metrics: { cycleMs: m.parHung } },
      ];
      return {
        name: 'health',
        description: `Median of ${RUNS} cycles over ${AGENTS} real A2A agents (@a2a-js/sdk servers) answering in ${delays[0]}–${delays.at(-1)} ms, each check fetching the Agent Card with a ${TIMEOUT_MS} ms timeout.`,
        cases,
        ratios: {
          'parallel vs sequential': m.seq / m.par,
          'parallel vs sequential, with a hung agent': m.seqHung / m.parHung,
          'parallel cycle ÷ slowest healthy agent': m.par / m.slowest,
          'cycle with a hung agent ÷ (timeout + 50 ms)': m.parHung / (TIMEOUT_MS + 50),
        },
        targets: {
          'parallel vs sequential': '≥ 5×',
          'parallel cycle ÷ slowest healthy agent': '≤ 1.15',
          'cycle with a hung agent ÷ (timeout + 50 ms)': '≤ 1.00',
        },
      };
    } finally {
      await stopAllAgents();
    }
  },
};

export default bench;
