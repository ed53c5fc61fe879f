// What server-everything's tool list costs in context: exact js-tiktoken counts (o200k_base and
// cl100k_base) of every tool definition as a model receives it, against the chars/4 rule of thumb.
import { parseSettingsServers } from '../src/extension/engine/mcp/config';
import { McpFleet } from '../src/extension/engine/mcp/fleet';
import { envInputResolver } from '../src/extension/engine/mcp/variables';
import { silentLogger } from '../src/extension/engine/log';
import { estimateTokens, TokenCounter, toolDefinitionText } from '../src/extension/engine/tokens/tokenCounter';
import type { McpToolInfo } from '../src/shared/mcp';
import { everythingStdioServer } from '../test/fixtures/mcp';
import type { Bench, BenchCase } from './run';

const percentError = (estimate: number, exact: number) => ((estimate - exact) / exact) * 100;

const bench: Bench = {
  name: 'tool-tokens',
  async run() {
    const fleet = new McpFleet({
      settings: { connectTimeoutMs: 30_000, toolTimeoutMs: 30_000, maxAttempts: 1, retryDelayMs: 1000, tokenBudget: 0, disabledTools: {}, encoding: 'o200k_base', modelFamily: 'openai', connectionMode: 'keep-connected', connectionModes: {}, idleDisconnectMs: 60_000 },
      trusted: true,
      inputResolver: envInputResolver(),
      logger: silentLogger,
    });
    let tools: McpToolInfo[];
    try {
      await fleet.start(parseSettingsServers({ everything: everythingStdioServer() }));
      const server = fleet.server('everything');
      if (server.status !== 'connected') throw new Error(`server-everything did not connect: ${server.error}`);
      tools = server.tools;
    } finally {
      await fleet.dispose();
    }

    const counter = new TokenCounter();
    const loadStart = performance.now();
    await counter.count('', 'o200k_base');
    const loadMs = performance.now() - loadStart;
    const countStart = performance.now();
    const rows: Array<{ name: string; chars: number; o200k: number; cl100k: number; estimate: number }> = [];
    for (const tool of tools) {
      const text = toolDefinitionText(tool);
      rows.push({ name: tool.name, chars: text.length, o200k: await counter.count(text, 'o200k_base'), cl100k: await counter.count(text, 'cl100k_base'), estimate: estimateTokens(text) });
    }
    const countMs = performance.now() - countStart;
    const sum = (key: 'chars' | 'o200k' | 'cl100k' | 'estimate') => rows.reduce((total, r) => total + r[key], 0);
    const total = { chars: sum('chars'), o200k: sum('o200k'), cl100k: sum('cl100k'), estimate: sum('estimate') };
    const cases: BenchCase[] = rows.map((r) => ({
      label: r.name,
      metrics: { chars: r.chars, o200k: r.o200k, cl100k: r.cl100k, 'chars/4': r.estimate, 'error vs o200k %': percentError(r.estimate, r.o200k) },
    }));
    cases.push({
      label: `all ${rows.length} tools`,
      metrics: { chars: total.chars, o200k: total.o200k, cl100k: total.cl100k, 'chars/4': total.estimate, 'error vs o200k %': percentError(total.estimate, total.o200k) },
    });
    const meanAbsError = rows.reduce((acc, r) => acc + Math.abs(percentError(r.estimate, r.o200k)), 0) / rows.length;
    cases.push({ label: 'encoder load (first count, o200k_base)', metrics: { ms: loadMs } });
    cases.push({ label: `counting ${rows.length} definitions in both encodings (cl100k load included)`, metrics: { ms: countMs } });
    return {
      name: 'tool-tokens',
      description: `Token cost of @modelcontextprotocol/server-everything's ${rows.length} tool definitions (name + description + JSON input schema, compact JSON). Mean absolute error of chars/4 per tool: ${meanAbsError.toFixed(1)}%.`,
      cases,
      ratios: {
        'chars/4 estimate vs exact o200k_base (total)': total.estimate / total.o200k,
        'chars/4 estimate vs exact cl100k_base (total)': total.estimate / total.cl100k,
        'cl100k_base vs o200k_base (total)': total.cl100k / total.o200k,
      },
    };
  },
};

export default bench;
