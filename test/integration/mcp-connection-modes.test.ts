// Connection modes of the MCP fleet against real stdio server processes: `inspect` (connect, list,
// count, disconnect; reconnect on demand for a call or a ping; disconnect again when idle) and
// `keep-connected`, counted as the server processes that are actually running. Plus progress and
// cancellation of a tool call reaching the server process.
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseSettingsServers } from '../../src/extension/engine/mcp/config';
import { McpFleet, McpFleetError, type McpFleetSettings } from '../../src/extension/engine/mcp/fleet';
import { silentLogger } from '../../src/extension/engine/log';
import type { McpServerInfo } from '../../src/shared/mcp';
import { fixtureServer } from '../fixtures/mcp';
import { waitFor } from '../helpers/net';

const IDLE_MS = 400;
const SETTINGS: McpFleetSettings = {
  connectTimeoutMs: 20_000,
  toolTimeoutMs: 30_000,
  maxAttempts: 2,
  retryDelayMs: 100,
  tokenBudget: 0,
  disabledTools: {},
  encoding: 'o200k_base',
  modelFamily: 'openai',
  connectionMode: 'auto',
  connectionModes: {},
  idleDisconnectMs: IDLE_MS,
};

/** The pids of running processes with `marker` in their command line. */
function processesWith(marker: string): number[] {
  return execFileSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' })
    .split('\n')
    .filter((line) => line.includes(marker) && !line.includes(' ps '))
    .map((line) => Number(line.trim().split(/\s+/)[0]));
}

const processCount = (marker: string) => processesWith(marker).length;
const untilProcesses = (marker: string, count: number) =>
  waitFor(`${count} processes with ${marker}`, async () => (processCount(marker) === count ? true : undefined), 10_000);

describe('MCP connection modes (real server processes)', function () {
  this.timeout(60_000);
  let dir: string;
  let eventsFile: string;
  const fleets: McpFleet[] = [];
  const markers: string[] = [];

  /** A progress-server entry whose command line carries a unique marker, so its processes can be counted. */
  function entry(label: string, extra: Record<string, unknown> = {}) {
    const marker = `modes-${label}-${process.pid}-${Date.now()}`;
    markers.push(marker);
    const base = fixtureServer('progress-server', { STEP_MS: '50', EVENTS_FILE: eventsFile });
    return { marker, entry: { ...base, args: [...(base.args as string[]), marker], ...extra } };
  }

  function newFleet(settings: Partial<McpFleetSettings> = {}): McpFleet {
    const fleet = new McpFleet({ settings: { ...SETTINGS, ...settings }, trusted: true, inputResolver: { resolve: async () => '' }, logger: silentLogger });
    fleets.push(fleet);
    return fleet;
  }

  const settledInfo = (fleet: McpFleet, name: string, check: (s: McpServerInfo) => boolean) =>
    waitFor(`${name} to settle`, async () => {
      const s = fleet.server(name);
      return s.tokensCounted && check(s) ? s : undefined;
    });

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'am-mcp-modes-'));
    eventsFile = path.join(dir, 'events.ndjson');
  });

  afterEach(async () => {
    await Promise.all(fleets.splice(0).map((f) => f.dispose()));
    // An orphan would outlive the fleet and keep mocha running.
    for (const pid of markers.splice(0).flatMap(processesWith)) process.kill(pid, 'SIGKILL');
  });

  after(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('inspects a stdio server by default: lists and counts its tools, then leaves no process running', async () => {
    const a = entry('inspect');
    const fleet = newFleet();
    await fleet.start(parseSettingsServers({ a: a.entry }));
    const info = await settledInfo(fleet, 'a', (s) => !s.connectionOpen);
    assert.equal(info.status, 'connected');
    assert.equal(info.connectionMode, 'inspect');
    assert.deepEqual(info.tools.map((t) => t.name), ['count']);
    assert.ok(info.toolTokens > 0);
    await untilProcesses(a.marker, 0);
    assert.deepEqual(fleet.counters(), { connected: 1, total: 1 });
  });

  it('reconnects an inspected server for a call, then disconnects it again after the idle time', async () => {
    const a = entry('call');
    const fleet = newFleet();
    await fleet.start(parseSettingsServers({ a: a.entry }));
    await settledInfo(fleet, 'a', (s) => !s.connectionOpen);
    await untilProcesses(a.marker, 0);

    // Two calls at once share one reconnection.
    const [one, two] = await Promise.all([fleet.callTool('a', 'count', { steps: 2 }), fleet.callTool('a', 'count', { steps: 3 })]);
    assert.deepEqual([one.content, two.content], [[{ type: 'text', text: 'counted to 2' }], [{ type: 'text', text: 'counted to 3' }]]);
    assert.equal(processCount(a.marker), 1, 'one process serves both calls');
    assert.equal(fleet.server('a').connectionOpen, true);

    await waitFor('the idle disconnect', async () => (fleet.server('a').connectionOpen ? undefined : true));
    await untilProcesses(a.marker, 0);
    assert.equal(fleet.server('a').status, 'connected', 'an inspected server stays callable');
    assert.deepEqual(fleet.server('a').tools.map((t) => t.name), ['count'], 'its lists are kept while disconnected');
  });

  it('reconnects an inspected server for a health check (ping)', async () => {
    const a = entry('ping');
    const fleet = newFleet();
    await fleet.start(parseSettingsServers({ a: a.entry }));
    await settledInfo(fleet, 'a', (s) => !s.connectionOpen);
    const { latencyMs } = await fleet.ping('a', 5000);
    assert.ok(latencyMs >= 0);
    assert.equal(processCount(a.marker), 1);
    await untilProcesses(a.marker, 0);
  });

  it('keeps a server connected when its override says so, and applies a changed mode at once', async () => {
    const kept = entry('kept');
    const inspected = entry('inspected');
    const fleet = newFleet({ connectionModes: { kept: 'keep-connected' } });
    await fleet.start(parseSettingsServers({ kept: kept.entry, inspected: inspected.entry }));
    assert.equal((await settledInfo(fleet, 'kept', (s) => s.status === 'connected')).connectionMode, 'keep-connected');
    await settledInfo(fleet, 'inspected', (s) => !s.connectionOpen);
    await untilProcesses(inspected.marker, 0);
    await fleet.callTool('kept', 'count', { steps: 1 });
    await new Promise((resolve) => setTimeout(resolve, IDLE_MS * 3));
    assert.equal(processCount(kept.marker), 1, 'a kept server is never disconnected for being idle');
    assert.equal(fleet.server('kept').connectionOpen, true);

    fleet.configure({ ...SETTINGS, connectionModes: { inspected: 'keep-connected' } });
    await untilProcesses(inspected.marker, 1);
    await untilProcesses(kept.marker, 0);
    assert.deepEqual(
      fleet.servers().map((s) => [s.name, s.connectionMode]),
      [
        ['kept', 'inspect'],
        ['inspected', 'keep-connected'],
      ],
    );
  });

  it('keeps every server connected under the global keep-connected mode', async () => {
    const a = entry('global');
    const fleet = newFleet({ connectionMode: 'keep-connected' });
    await fleet.start(parseSettingsServers({ a: a.entry }));
    assert.equal((await settledInfo(fleet, 'a', (s) => s.status === 'connected')).connectionMode, 'keep-connected');
    await new Promise((resolve) => setTimeout(resolve, IDLE_MS * 3));
    assert.equal(processCount(a.marker), 1);
  });

  it('reports progress of a call and sends notifications/cancelled to the server when it is cancelled', async () => {
    const a = entry('cancel');
    const fleet = newFleet();
    await fleet.start(parseSettingsServers({ a: a.entry }));
    await settledInfo(fleet, 'a', (s) => !s.connectionOpen);
    const abort = new AbortController();
    const progress: number[] = [];
    const call = fleet.callTool('a', 'count', { steps: 1000 }, {
      signal: abort.signal,
      onProgress: (p) => {
        progress.push(p.progress);
        if (p.progress === 3) abort.abort();
      },
    });
    await assert.rejects(call, (e: McpFleetError) => e.code === 'cancelled');
    assert.deepEqual(progress.slice(0, 3), [1, 2, 3]);
    const cancelled = await waitFor('the server to record the cancellation', async () => {
      const text = await readFile(eventsFile, 'utf8').catch(() => '');
      return text.trim() !== '' ? text : undefined;
    });
    assert.match(cancelled, /"cancelled":\d+/);
    await untilProcesses(a.marker, 0);
  });
});
