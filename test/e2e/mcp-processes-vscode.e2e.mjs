// How many stdio MCP server processes Agent Mesh runs with the workspace open in a real VS Code
// (code-server), in each connection mode: the servers of .vscode/mcp.json that are descendants of
// code-server's extension host, counted with `ps` once every server is listed, after a call to one,
// after a call to each, and after the idle time. A measurement, written to
// bench/results/mcp-processes-vscode.json; it asserts only what cannot flake: keep-connected runs
// every server, and inspect (auto) runs none once its connections have closed.
// Run alone: npx mocha --timeout 120000 test/e2e/mcp-processes-vscode.e2e.mjs (after node esbuild.mjs).

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { mcpProcessFigures } from '../../bench/mcpProcessFigures.cjs';
import { relayFromClipboard, relayRequest, reportFailures, ROOT, startSession, waitFor } from './harness.mjs';

const SERVERS = 5;
const IDLE_MS = 2000;
const FIXTURE = path.join(ROOT, 'test', 'fixtures', 'mcp', 'minimal-server.mjs');
const RESULTS_FILE = path.join(ROOT, 'bench', 'results', 'mcp-processes-vscode.json');
const serverNames = Array.from({ length: SERVERS }, (_, i) => `s${i + 1}`);

/** The fixture server processes among the descendants of `rootPid`, and their resident memory (MB). */
function fixtureProcessesUnder(rootPid) {
  const rows = execFileSync('ps', ['-eo', 'pid=,ppid=,rss=,args='], { encoding: 'utf8' })
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      const [pid, ppid, rss, ...args] = line.trim().split(/\s+/);
      return { pid: Number(pid), ppid: Number(ppid), rssKb: Number(rss), args: args.join(' ') };
    });
  const descendants = [];
  const queue = [rootPid];
  while (queue.length > 0) {
    const parent = queue.shift();
    for (const row of rows.filter((r) => r.ppid === parent)) {
      descendants.push(row);
      queue.push(row.pid);
    }
  }
  return { descendants, servers: descendants.filter((row) => row.args.includes(FIXTURE)) };
}

/** Counts the fixture servers under code-server's extension host (and under code-server as a whole). */
function countServers(codeServerPid) {
  const { descendants, servers } = fixtureProcessesUnder(codeServerPid);
  const extensionHost = descendants.find((row) => row.args.includes('--type=extensionHost'));
  assert.ok(extensionHost, `no extension host among code-server's descendants:\n${descendants.map((r) => r.args).join('\n')}`);
  const underHost = fixtureProcessesUnder(extensionHost.pid).servers;
  const rssKb = underHost.reduce((sum, row) => sum + row.rssKb, 0);
  return { count: underHost.length, rssMb: Math.round(rssKb / 102.4) / 10, underCodeServer: servers.length };
}

/** Opens a workspace of SERVERS stdio servers in `mode` and samples the process count as it goes. */
async function measure(mode, cases) {
  const servers = Object.fromEntries(serverNames.map((name) => [name, { type: 'stdio', command: process.execPath, args: [FIXTURE], env: { TOOL_COUNT: '3' } }]));
  const session = await startSession({
    workspaceFiles: {
      '.vscode/mcp.json': JSON.stringify({ servers }, null, 2),
      '.vscode/settings.json': JSON.stringify({ 'agentMesh.mcp.connectionMode': mode, 'agentMesh.mcp.idleDisconnectMs': IDLE_MS }, null, 2),
    },
  });
  const samples = {};
  try {
    await session.openAgentMesh();
    const relay = await relayFromClipboard(session);
    const api = async (method, route, body) => {
      const { status, body: answer } = await relayRequest(relay, method, route, body);
      assert.ok(status < 400, `${method} ${route}: HTTP ${status} ${JSON.stringify(answer)}`);
      return answer;
    };
    const codeServerPid = session.server.process.pid;
    const sample = (label) => {
      samples[label] = countServers(codeServerPid);
      cases.push({ label: `${mode}: ${label}`, metrics: { servers: SERVERS, ...samples[label] } });
      console.log(`    ${mode}: ${label}: ${JSON.stringify(samples[label])}`);
    };
    const call = (name) => api('POST', `/api/mcp/servers/${name}/tools/echo_1/call`, { arguments: { text: 'x' } });
    const allClosedOrKept = (list) => list.every((s) => s.connectionMode === 'keep-connected' || !s.connectionOpen);

    await waitFor(async () => {
      const list = await api('GET', '/api/mcp/servers');
      return list.length === SERVERS && list.every((s) => s.status === 'connected' && s.tokensCounted) && allClosedOrKept(list);
    }, { timeoutMs: 60_000, what: `the ${SERVERS} servers to be listed` });
    sample('every server listed');
    await call('s1');
    sample('after a call to one server');
    await Promise.all(serverNames.map(call));
    sample(`after a call to each of the ${SERVERS} servers`);
    await sleep(IDLE_MS + 1000);
    sample(`${IDLE_MS + 1000} ms later (idle time ${IDLE_MS} ms)`);
    return { samples, session, codeServerPid };
  } catch (error) {
    await session.dispose();
    throw error;
  }
}

describe('MCP server processes with the workspace open in a real VS Code (code-server), per connection mode', function () {
  this.timeout(180_000);
  const cases = [];
  let current;

  reportFailures(() => current?.session);

  afterEach(async function () {
    this.timeout(30_000);
    await current?.session.dispose();
    current = undefined;
  });

  after(async function () {
    const results = {
      name: 'mcp-processes-vscode',
      description:
        `Stdio MCP server processes under code-server's extension host (and their resident memory in MB) with a workspace of ${SERVERS} stdio servers in .vscode/mcp.json open in VS Code 1.100.3 (code-server), ` +
        `with agentMesh.mcp.connectionMode auto (stdio servers inspected) and keep-connected, idle time ${IDLE_MS} ms; underCodeServer counts them under all of code-server (VS Code's own MCP support starts none without a chat extension).`,
      cases,
      ratios: {},
      figures: mcpProcessFigures(cases, IDLE_MS),
    };
    if (cases.length === 0) return;
    const machine = { node: process.version, cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model ?? 'unknown', platform: `${os.platform()} ${os.arch()}` };
    await fsp.writeFile(RESULTS_FILE, JSON.stringify({ ...results, machine, at: new Date().toISOString() }, null, 2) + '\n');
    console.log(`    wrote ${path.relative(ROOT, RESULTS_FILE)}`);
  });

  it('keep-connected runs every server the whole time', async function () {
    current = await measure('keep-connected', cases);
    for (const [label, { count }] of Object.entries(current.samples)) assert.equal(count, SERVERS, label);
  });

  it('auto inspects stdio servers: none keeps running after the idle time', async function () {
    current = await measure('auto', cases);
    // A closed connection's process may take a moment to exit: wait for it rather than race it.
    await waitFor(() => countServers(current.codeServerPid).count === 0, { timeoutMs: 20_000, what: 'the inspected servers to exit' });
  });
});
