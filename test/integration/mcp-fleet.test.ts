// The MCP fleet through its engine API, against real servers: @modelcontextprotocol/server-everything
// over stdio, Streamable HTTP and HTTP+SSE (reached through the 4xx fallback), plus fixture servers
// that start slowly, crash after starting, never answer initialize, or cannot be run at all.
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { parseMcpJson, parseSettingsServers, type McpConfig } from '../../src/extension/engine/mcp/config';
import { McpFleet, McpFleetError, type McpFleetSettings } from '../../src/extension/engine/mcp/fleet';
import type { InputResolver } from '../../src/extension/engine/mcp/variables';
import { silentLogger } from '../../src/extension/engine/log';
import type { McpEvent, McpServerInfo } from '../../src/shared/mcp';
import { BROKEN_COMMAND_SERVER, everythingStdioServer, fixtureServer, startEverythingHttp, type HttpServerProcess } from '../fixtures/mcp';
import { waitFor } from '../helpers/net';

const SETTINGS: McpFleetSettings = {
  connectTimeoutMs: 20_000,
  toolTimeoutMs: 30_000,
  maxAttempts: 3,
  retryDelayMs: 100,
  tokenBudget: 0,
  disabledTools: {},
  encoding: 'o200k_base',
  modelFamily: 'openai',
  // These tests follow kept connections (restarts, drops, retries); mcp-connection-modes.test.ts covers inspect.
  connectionMode: 'keep-connected',
  connectionModes: {},
  idleDisconnectMs: 60_000,
};
const SLOW_START_MS = 1500;
const SILENT_TIMEOUT_MS = 800;

const refusing: InputResolver = { resolve: async (input) => Promise.reject(new Error(`no value for ${input.id}`)) };

function newFleet(overrides: Partial<ConstructorParameters<typeof McpFleet>[0]> = {}): McpFleet {
  return new McpFleet({ settings: SETTINGS, trusted: true, inputResolver: refusing, logger: silentLogger, ...overrides });
}

/** Waits until the server is in a settled state that satisfies the check. */
function settled(fleet: McpFleet, name: string, check: (s: McpServerInfo) => boolean = () => true, timeoutMs = 20_000): Promise<McpServerInfo> {
  return waitFor(
    `${name} to settle`,
    async () => {
      const s = fleet.server(name);
      const final = s.status === 'connected' ? s.tokensCounted : s.status !== 'connecting' && s.retryAt === undefined;
      return final && check(s) ? s : undefined;
    },
    timeoutMs,
  );
}

/** The pids of running processes with `marker` in their command line. */
function processesWith(marker: string): number[] {
  return execFileSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' })
    .split('\n')
    .filter((line) => line.includes(marker) && !line.includes(' ps '))
    .map((line) => Number(line.trim().split(/\s+/)[0]));
}

const textOf = (result: Record<string, unknown>) => (result.content as Array<{ type: string; text?: string }>).map((c) => c.text ?? '').join('\n');

describe('MCP fleet (engine API, real servers)', function () {
  this.timeout(60_000);
  let http: HttpServerProcess;
  let sse: HttpServerProcess;
  let fleet: McpFleet;
  let config: McpConfig;
  const events: McpEvent[] = [];

  before(async () => {
    [http, sse] = await Promise.all([startEverythingHttp('streamableHttp'), startEverythingHttp('sse')]);
    config = parseSettingsServers({
      'everything-stdio': everythingStdioServer(),
      'everything-http': { type: 'http', url: http.url },
      // Configured as Streamable HTTP: the POST gets a 404, so the fleet falls back to SSE.
      'everything-sse': { type: 'http', url: sse.url },
      slow: fixtureServer('slow-start', { START_DELAY_MS: String(SLOW_START_MS), TOOL_COUNT: '5', PAGE_SIZE: '2' }),
      crash: fixtureServer('crash-after-start', { CRASH_AFTER_MS: '500' }),
      silent: fixtureServer('no-initialize', {}, { timeout: SILENT_TIMEOUT_MS }),
      broken: BROKEN_COMMAND_SERVER,
    });
    assert.deepEqual(config.problems, []);
    fleet = newFleet();
    fleet.onEvent((e) => events.push(e));
    await fleet.start(config);
    const failing = new Set(['crash', 'silent', 'broken']);
    await Promise.all(config.servers.map((s) => settled(fleet, s.name, (info) => info.status === (failing.has(s.name) ? 'error' : 'connected'))));
  });

  after(async () => {
    await fleet?.dispose();
    await Promise.all([http?.stop(), sse?.stop()]);
  });

  it('connects every healthy server, each over its transport', () => {
    const byName = new Map(fleet.servers().map((s) => [s.name, s]));
    assert.deepEqual(
      ['everything-stdio', 'everything-http', 'everything-sse', 'slow'].map((n) => [n, byName.get(n)!.status, byName.get(n)!.transport]),
      [
        ['everything-stdio', 'connected', 'stdio'],
        ['everything-http', 'connected', 'http'],
        ['everything-sse', 'connected', 'sse'],
        ['slow', 'connected', 'stdio'],
      ],
    );
    assert.ok(fleet.logs('everything-sse').some((l) => /answered 404; trying the HTTP\+SSE transport/.test(l.text)));
    assert.deepEqual(fleet.counters(), { connected: 4, total: 7 });
  });

  it('ends each broken server in error with its cause visible, after a bounded number of attempts', () => {
    const crash = fleet.server('crash');
    assert.equal(crash.status, 'error');
    assert.match(crash.error!, /^the server process exited — stderr: fatal: simulated crash \(database handle lost\) \(gave up after 3 attempts; restart the server to try again\)$/);
    assert.equal(crash.attempts, 3);
    assert.equal(fleet.logs('crash').filter((l) => l.text.startsWith('connected over stdio')).length, 3, 'it connected three times, then stopped trying');

    const silent = fleet.server('silent');
    assert.equal(silent.status, 'error');
    assert.match(silent.error!, new RegExp(`^no answer to initialize within ${SILENT_TIMEOUT_MS} ms — stderr: no-initialize: started, will never answer \\(gave up after 3 attempts`));

    const broken = fleet.server('broken');
    assert.equal(broken.status, 'error');
    assert.equal(broken.error, 'cannot run "/nonexistent/agent-mesh-fixture-server": command not found');
    assert.equal(broken.attempts, 1, 'a missing command is not retried');
    for (const name of ['crash', 'silent', 'broken']) assert.equal(fleet.server(name).retryAt, undefined, `${name} must not schedule another attempt`);
  });

  it('keeps each stdio server\'s stderr in its log', () => {
    const slowLog = fleet.logs('slow');
    assert.ok(slowLog.some((l) => l.stream === 'stderr' && l.text === `slow-start: waiting ${SLOW_START_MS} ms before serving`));
    assert.ok(slowLog.some((l) => l.stream === 'stderr' && l.text === 'slow-start: ready'));
  });

  it('never lets the slow server delay the others', () => {
    const slow = fleet.server('slow');
    assert.ok(slow.connectMs! >= SLOW_START_MS, `slow connected in ${slow.connectMs} ms`);
    for (const name of ['everything-http', 'everything-sse']) {
      assert.ok(fleet.server(name).connectedAt! < slow.connectedAt!, `${name} waited for the slow server`);
    }
  });

  it('lists tools across pages, resources and prompts', () => {
    const slow = fleet.server('slow');
    assert.deepEqual(slow.tools.map((t) => t.name), ['tool_1', 'tool_2', 'tool_3', 'tool_4', 'tool_5']);
    assert.deepEqual(slow.resources, [{ uri: 'fixture://readme', name: 'readme', mimeType: 'text/plain' }]);
    assert.deepEqual(slow.prompts, [{ name: 'greet', description: 'Says hello' }]);
    const names = ['everything-stdio', 'everything-http', 'everything-sse'].map((n) => fleet.server(n).tools.map((t) => t.name).sort());
    assert.deepEqual(names[1], names[0]);
    assert.deepEqual(names[2], names[0]);
    for (const tool of ['echo', 'get-sum', 'trigger-long-running-operation']) assert.ok(names[0].includes(tool), tool);
    const everything = fleet.server('everything-http');
    assert.ok(everything.resources.length > 0 && everything.prompts.length > 0);
    assert.match(everything.serverVersion!, /everything/);
  });

  it('calls a tool over stdio, Streamable HTTP and SSE', async () => {
    for (const name of ['everything-stdio', 'everything-http', 'everything-sse']) {
      const result = await fleet.callTool(name, 'get-sum', { a: 2, b: 40 });
      assert.match(textOf(result), /42/, name);
    }
    assert.equal(textOf(await fleet.callTool('slow', 'tool_4', { text: 'hi' })), 'tool_4: hi');
  });

  it('reports the progress of a long-running tool over stdio and HTTP', async () => {
    for (const name of ['everything-stdio', 'everything-http']) {
      const progress: Array<{ progress: number; total?: number }> = [];
      const result = await fleet.callTool(name, 'trigger-long-running-operation', { duration: 1, steps: 4 }, { onProgress: (p) => progress.push(p) });
      assert.match(textOf(result), /Long running operation completed/);
      assert.ok(progress.length >= 3, `${name}: ${JSON.stringify(progress)}`);
      assert.ok(progress.every((p, i) => p.total === 4 && (i === 0 || p.progress > progress[i - 1].progress)), JSON.stringify(progress));
    }
  });

  it('cancels a running tool call and keeps the server healthy', async () => {
    const abort = new AbortController();
    const call = fleet.callTool('everything-http', 'trigger-long-running-operation', { duration: 10, steps: 10 }, { signal: abort.signal, onProgress: () => abort.abort() });
    await assert.rejects(call, (e: McpFleetError) => e.code === 'cancelled');
    assert.equal(fleet.server('everything-http').status, 'connected');
    assert.ok((await fleet.ping('everything-http', 5000)).latencyMs >= 0);
  });

  it('refuses calls to unknown servers and tools, and to servers that are not connected', async () => {
    await assert.rejects(fleet.callTool('nope', 'echo', {}), (e: McpFleetError) => e.code === 'server_not_found');
    await assert.rejects(fleet.callTool('everything-http', 'nope', {}), (e: McpFleetError) => e.code === 'tool_not_found');
    await assert.rejects(fleet.callTool('broken', 'x', {}), (e: McpFleetError) => e.code === 'not_connected' && /command not found/.test(e.message));
    await assert.rejects(fleet.ping('crash', 1000), /"crash" is error/);
  });

  it('counts every tool definition\'s tokens, per server and for the fleet', () => {
    const servers = fleet.servers();
    for (const s of servers.filter((x) => x.status === 'connected')) {
      assert.ok(s.tools.every((t) => t.tokens > 0), s.name);
      assert.equal(s.toolTokens, s.tools.reduce((sum, t) => sum + t.tokens, 0), s.name);
    }
    assert.equal(fleet.server('everything-stdio').toolTokens, fleet.server('everything-http').toolTokens);
    const tokens = fleet.tokens();
    assert.equal(tokens.total, servers.reduce((sum, s) => sum + s.toolTokens, 0));
    assert.equal(tokens.label, `${tokens.total.toLocaleString('en-US')} tokens`);
    assert.ok(events.some((e) => e.name === 'tokens'));
  });

  it('leaves disabled tools out of the counts and refuses to call them', async () => {
    const before = fleet.server('everything-stdio');
    const echo = before.tools.find((t) => t.name === 'echo')!;
    fleet.configure({ ...SETTINGS, disabledTools: { 'everything-stdio': ['echo'] } });
    try {
      const after = fleet.server('everything-stdio');
      assert.equal(after.toolTokens, before.toolTokens - echo.tokens);
      assert.equal(after.tools.find((t) => t.name === 'echo')!.disabled, true);
      await assert.rejects(fleet.callTool('everything-stdio', 'echo', { message: 'x' }), (e: McpFleetError) => e.code === 'tool_disabled');
      assert.match(textOf(await fleet.callTool('everything-http', 'echo', { message: 'still fine' })), /still fine/);
    } finally {
      fleet.configure(SETTINGS);
    }
  });

  it('recounts with cl100k_base when the encoding changes', async () => {
    const o200k = fleet.server('everything-http').toolTokens;
    fleet.configure({ ...SETTINGS, encoding: 'cl100k_base' });
    try {
      const cl100k = await settled(fleet, 'everything-http', (s) => s.tokensCounted);
      assert.ok(cl100k.toolTokens > 0 && cl100k.toolTokens !== o200k, `${cl100k.toolTokens} vs ${o200k}`);
      assert.equal(fleet.tokens().encoding, 'cl100k_base');
    } finally {
      fleet.configure(SETTINGS);
    }
    await settled(fleet, 'everything-http', (s) => s.toolTokens === o200k);
  });

  it('warns once when the fleet crosses its token budget, and again when it drops below', async () => {
    const total = fleet.tokens().total;
    const crossings = () => events.filter((e) => e.name === 'budget').map((e) => (e.payload as { overBudget: boolean }).overBudget);
    const seen = crossings().length;
    fleet.configure({ ...SETTINGS, tokenBudget: total - 1 });
    fleet.configure({ ...SETTINGS, tokenBudget: total - 2 });
    assert.equal(fleet.tokens().overBudget, true);
    fleet.configure({ ...SETTINGS, tokenBudget: total + 1 });
    fleet.configure(SETTINGS);
    assert.deepEqual(crossings().slice(seen), [true, false]);
  });

  it('restarts one server without touching the others; a restart gives an errored server a fresh round', async () => {
    const before = new Map(fleet.servers().map((s) => [s.name, s.connectedAt]));
    await fleet.restart('everything-stdio');
    const restarted = await settled(fleet, 'everything-stdio');
    assert.equal(restarted.status, 'connected');
    assert.ok(restarted.connectedAt! > before.get('everything-stdio')!);
    for (const name of ['everything-http', 'everything-sse', 'slow']) assert.equal(fleet.server(name).connectedAt, before.get(name), name);

    const crashLog = fleet.logs('crash').length;
    await fleet.restart('crash');
    const crash = await settled(fleet, 'crash', (s) => s.status === 'error');
    assert.equal(crash.status, 'error');
    assert.equal(crash.attempts, 3);
    assert.equal(fleet.logs('crash').slice(crashLog).filter((l) => l.text.startsWith('connecting (attempt')).length, 3);
  });

  it('stops a server on request and starts it again', async () => {
    await fleet.stop('slow');
    assert.equal(fleet.server('slow').status, 'stopped');
    assert.deepEqual(fleet.server('slow').tools, []);
    await fleet.restart('slow');
    assert.equal((await settled(fleet, 'slow')).status, 'connected');
  });
});

describe('MCP fleet reload, trust and inputs', function () {
  this.timeout(60_000);
  const fleets: McpFleet[] = [];
  const track = (f: McpFleet) => (fleets.push(f), f);

  afterEach(async () => {
    await Promise.all(fleets.splice(0).map((f) => f.dispose()));
  });

  it('on reload restarts only changed servers, starts new ones and stops removed ones', async () => {
    const fleet = track(newFleet());
    const events: McpEvent[] = [];
    fleet.onEvent((e) => events.push(e));
    const a = fixtureServer('slow-start', { TOOL_COUNT: '1' });
    await fleet.start(parseSettingsServers({ keep: a, change: fixtureServer('slow-start', { TOOL_COUNT: '1' }), drop: fixtureServer('slow-start') }));
    const keepBefore = await settled(fleet, 'keep');
    await fleet.reload(parseSettingsServers({ keep: a, change: fixtureServer('slow-start', { TOOL_COUNT: '2' }), added: fixtureServer('slow-start') }));
    assert.deepEqual(fleet.servers().map((s) => s.name).sort(), ['added', 'change', 'keep']);
    assert.equal(fleet.server('keep').connectedAt, keepBefore.connectedAt, 'an unchanged server is not restarted');
    assert.equal((await settled(fleet, 'change')).tools.length, 2);
    assert.equal((await settled(fleet, 'added')).status, 'connected');
    assert.ok(events.some((e) => e.name === 'removed' && e.payload.name === 'drop'));
  });

  it('applies racing reloads one after another, leaving no orphaned server process', async () => {
    const marker = `race-${process.pid}-${Date.now()}`;
    const entry = fixtureServer('slow-start', { START_DELAY_MS: '300' });
    const config = parseSettingsServers({ x: { ...entry, args: [...(entry.args as string[]), marker] } });
    const fleet = track(newFleet());
    try {
      await Promise.all([fleet.reload(config), fleet.reload(config), fleet.reload(config)]);
      assert.equal((await settled(fleet, 'x')).status, 'connected');
      assert.equal(processesWith(marker).length, 1);
      await fleet.dispose();
      await waitFor('the server process to exit', async () => (processesWith(marker).length === 0 ? true : undefined));
    } finally {
      // An orphan (the bug this guards against) would outlive the fleet and keep mocha running.
      for (const pid of processesWith(marker)) process.kill(pid, 'SIGKILL');
    }
  });

  it('keeps the file\'s servers running while mcp.json has a syntax error', async () => {
    const fleet = track(newFleet());
    await fleet.start({ servers: parseSettingsServers({ a: fixtureServer('slow-start') }).servers.map((s) => ({ ...s, source: 'mcp.json' as const })), problems: [], fileUnreadable: false });
    const before = await settled(fleet, 'a');
    await fleet.reload({ servers: [], problems: [{ message: 'invalid JSON', source: 'mcp.json', line: 1, column: 1 }], fileUnreadable: true });
    assert.equal(fleet.server('a').connectedAt, before.connectedAt);
    assert.deepEqual(fleet.snapshot().problems.map((p) => p.message), ['invalid JSON']);
  });

  it('starts no server of an untrusted workspace, stdio or remote (a remote one would be sent its inputs); trusted, both start', async () => {
    const http = await startEverythingHttp('streamableHttp');
    try {
      const servers = parseSettingsServers({ local: fixtureServer('slow-start'), remote: { url: http.url } });
      const untrusted = track(newFleet({ trusted: false }));
      await untrusted.start(servers);
      for (const name of ['local', 'remote']) assert.deepEqual([untrusted.server(name).status, untrusted.server(name).error], ['disabled', 'workspace is not trusted'], name);
      // VS Code restarts the relay when the workspace is trusted: a fresh fleet, trusted.
      const trusted = track(newFleet());
      await trusted.start(servers);
      assert.equal((await settled(trusted, 'local')).status, 'connected');
      assert.equal((await settled(trusted, 'remote')).status, 'connected');
    } finally {
      await http.stop();
    }
  });

  it('copies a noisy server\'s stderr to the relay log at a bounded rate with a summary of what it left out, lines capped, while its own log keeps the latest lines', async () => {
    const relayLog: string[] = [];
    const logger = { ...silentLogger, info: (message: string) => void relayLog.push(message), warn: (message: string) => void relayLog.push(message) };
    const fleet = track(newFleet({ logger }));
    await fleet.start(parseSettingsServers({ noisy: fixtureServer('minimal-server', { STDERR_LINES: '20000', STDERR_LONG_LINE_BYTES: '100000' }) }));
    await waitFor('the server log to hold the last stderr line', async () => (fleet.logs('noisy').some((l) => l.text === 'stderr done') ? true : undefined));
    await waitFor('the summary of the lines left out', async () => relayLog.find((line) => /^\[mcp noisy\] \d+ stderr lines? or protocol errors not copied here/.test(line)));
    const copied = relayLog.filter((line) => line.startsWith('[mcp noisy] ') && !/not copied here/.test(line) && !/^\[mcp noisy\] (connect|connected)/.test(line));
    assert.ok(copied.length <= 100, `${copied.length} stderr lines reached the relay log`);
    assert.ok(copied.length > 0);
    assert.ok(relayLog.every((line) => line.length <= 1200), 'every line is capped');
    const kept = fleet.logs('noisy').filter((l) => l.stream === 'stderr');
    assert.ok(kept.length >= 400, `the server's own log keeps its latest lines (${kept.length})`);
  });

  it('leaves servers disabled in their configuration alone until enabled', async () => {
    const fleet = track(newFleet());
    await fleet.start(parseSettingsServers({ off: { ...fixtureServer('slow-start'), disabled: true } }));
    assert.deepEqual([fleet.server('off').status, fleet.server('off').error], ['disabled', 'disabled in its configuration']);
    await fleet.reload(parseSettingsServers({ off: { ...fixtureServer('slow-start'), disabled: false } }));
    assert.equal((await settled(fleet, 'off')).status, 'connected');
  });

  it('passes ${input:…} values from the host\'s resolver to the server, asking once per server and input', async () => {
    const asked: string[] = [];
    const resolver: InputResolver = { resolve: async (input, server) => (asked.push(`${input.id}@${server.name}`), 'value-from-the-user') };
    const fleet = track(newFleet({ inputResolver: resolver }));
    const inputs = [{ type: 'promptString', id: 'greeting', description: 'Greeting', password: true }];
    const entry = { ...everythingStdioServer(), env: { GREETING: '${input:greeting}' } };
    await fleet.start(parseMcpJson(JSON.stringify({ inputs, servers: { one: entry, two: entry } }), 'mcp.json'));
    await settled(fleet, 'one');
    const result = await fleet.callTool('one', 'get-env', {});
    assert.match(textOf(result), /"GREETING": "value-from-the-user"/);
    await settled(fleet, 'two');
    await fleet.restart('one');
    await settled(fleet, 'one');
    assert.deepEqual(asked.sort(), ['greeting@one', 'greeting@two'], 'one server\'s value is never handed to another; a restart does not ask again');
  });

  it('puts a server whose input has no value in error, saying which input', async () => {
    const fleet = track(newFleet());
    const text = JSON.stringify({ inputs: [{ type: 'promptString', id: 'token', description: 't' }], servers: { s: { ...fixtureServer('slow-start'), args: ['${input:token}'] } } });
    await fleet.start(parseMcpJson(text, 'mcp.json'));
    const s = await settled(fleet, 's');
    assert.deepEqual([s.status, s.error, s.attempts], ['error', 'no value for token', 1]);
  });

  it('shows an invalid entry in error without starting it, next to a healthy one', async () => {
    const fleet = track(newFleet());
    await fleet.start(parseSettingsServers({ bad: { type: 'http' }, good: fixtureServer('slow-start') }));
    assert.deepEqual([fleet.server('bad').status, fleet.server('bad').error], ['error', 'invalid configuration: an http server needs a "url"']);
    assert.equal((await settled(fleet, 'good')).status, 'connected');
  });
});
