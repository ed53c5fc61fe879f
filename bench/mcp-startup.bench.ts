// How long until every MCP server is connected: one after another (what a loop of awaits does)
// versus the fleet's parallel start, for 3 servers starting in 200/350/500 ms and for 20 servers
// starting in 200–500 ms. The physical limit is the slowest single server alone.
// Servers: test/fixtures/mcp/minimal-server.mjs (real processes speaking MCP over stdio, cheap to
// boot) and, for 3 servers, slow-start.mjs built on the MCP SDK (heavier to boot).
import { parseSettingsServers } from '../src/extension/engine/mcp/config';
import { McpFleet } from '../src/extension/engine/mcp/fleet';
import { envInputResolver } from '../src/extension/engine/mcp/variables';
import { silentLogger } from '../src/extension/engine/log';
import { TokenCounter } from '../src/extension/engine/tokens/tokenCounter';
import type { JsonObject } from '../src/shared/protocol';
import { fixtureServer, type FixtureName } from '../test/fixtures/mcp';
import type { Bench, BenchCase } from './run';

// Token counting runs beside every connect; a warm encoder keeps its one-time load out of the timings.
const tokenCounter = new TokenCounter();

async function connectAll(entries: Record<string, JsonObject>): Promise<number> {
  const fleet = new McpFleet({
    settings: { connectTimeoutMs: 30_000, toolTimeoutMs: 30_000, maxAttempts: 1, retryDelayMs: 1000, tokenBudget: 0, disabledTools: {}, encoding: 'o200k_base', modelFamily: 'openai', connectionMode: 'keep-connected', connectionModes: {}, idleDisconnectMs: 60_000 },
    trusted: true,
    inputResolver: envInputResolver(),
    logger: silentLogger,
    tokenCounter,
  });
  try {
    const started = performance.now();
    await fleet.start(parseSettingsServers(entries));
    const elapsed = performance.now() - started;
    const failed = fleet.servers().filter((s) => s.status !== 'connected');
    if (failed.length > 0) throw new Error(`not connected: ${failed.map((s) => `${s.name} (${s.error})`).join(', ')}`);
    return elapsed;
  } finally {
    await fleet.dispose();
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

async function compare(label: string, fixture: FixtureName, delaysMs: number[], runs: number): Promise<{ cases: BenchCase[]; slowestRatio: number; speedup: number }> {
  const entries = Object.fromEntries(delaysMs.map((delay, i) => [`s${i + 1}`, fixtureServer(fixture, { START_DELAY_MS: String(delay) })]));
  const sequential: number[] = [];
  const slowestSingle: number[] = [];
  const fleet: number[] = [];
  for (let run = 0; run < runs; run++) {
    const singles: number[] = [];
    for (const [name, entry] of Object.entries(entries)) singles.push(await connectAll({ [name]: entry }));
    sequential.push(singles.reduce((a, b) => a + b, 0));
    slowestSingle.push(Math.max(...singles));
    fleet.push(await connectAll(entries));
  }
  const seq = median(sequential);
  const slowest = median(slowestSingle);
  const parallel = median(fleet);
  return {
    cases: [
      { label: `${label}: sequential`, metrics: { servers: delaysMs.length, totalMs: seq, runs } },
      { label: `${label}: slowest single server`, metrics: { servers: 1, totalMs: slowest, runs } },
      { label: `${label}: fleet (parallel)`, metrics: { servers: delaysMs.length, totalMs: parallel, runs } },
    ],
    slowestRatio: parallel / slowest,
    speedup: seq / parallel,
  };
}

const bench: Bench = {
  name: 'mcp-startup',
  async run() {
    await tokenCounter.count('warm up', 'o200k_base');
    const example = await compare('3 servers (200/350/500 ms)', 'minimal-server', [200, 350, 500], 5);
    const even = await compare('3 servers (500/500/500 ms)', 'minimal-server', [500, 500, 500], 5);
    const twenty = await compare('20 servers (200–500 ms)', 'minimal-server', Array.from({ length: 20 }, (_, i) => Math.round(200 + (i * 300) / 19)), 3);
    const sdk = await compare('3 SDK servers (200/350/500 ms)', 'slow-start', [200, 350, 500], 3);
    return {
      name: 'mcp-startup',
      description:
        'Wall time from start to every server connected and listed (median of the runs). Each server is a real stdio process that waits its start delay before answering. ' +
        'With delays d, no scheduler beats sum(d)/max(d) as a speed-up: 2.1× for 200/350/500 ms, 3× for 500/500/500 ms.',
      cases: [...example.cases, ...even.cases, ...twenty.cases, ...sdk.cases],
      ratios: {
        '3 servers 200/350/500: fleet vs slowest single (cost)': example.slowestRatio,
        '3 servers 200/350/500: sequential vs fleet (speed-up; ideal 2.1)': example.speedup,
        '3 servers 500/500/500: fleet vs slowest single (cost)': even.slowestRatio,
        '3 servers 500/500/500: sequential vs fleet (speed-up; ideal 3.0)': even.speedup,
        '20 servers: fleet vs slowest single (cost)': twenty.slowestRatio,
        '20 servers: sequential vs fleet (speed-up)': twenty.speedup,
        '3 SDK servers: fleet vs slowest single (cost)': sdk.slowestRatio,
        '3 SDK servers: sequential vs fleet (speed-up)': sdk.speedup,
      },
      targets: {
        '3 servers 200/350/500: fleet vs slowest single (cost)': '≤ 1.15',
        '3 servers 500/500/500: fleet vs slowest single (cost)': '≤ 1.15',
        '3 servers 500/500/500: sequential vs fleet (speed-up; ideal 3.0)': '≥ 2.5',
      },
    };
  },
};

export default bench;
