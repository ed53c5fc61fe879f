// How many MCP server processes Agent Mesh runs for a workspace of N stdio servers, in each
// connection mode, over time: once every server is listed, after one tool call, after a call to
// every server, and after the idle time. A real `agent-mesh serve` (dist/cli.js) with the servers
// in .vscode/mcp.json; its child processes counted with `ps` (and their resident memory summed).
// In VS Code these would be a second copy of every server VS Code already runs.
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { generateToken } from '../src/extension/engine/security/token';
import type { McpConnectionModeSetting, McpServerInfo } from '../src/shared/mcp';
import { fixtureServer } from '../test/fixtures/mcp';
import { waitFor } from '../test/helpers/net';
import { startServe } from '../test/helpers/serve';
import { mcpProcessFigures } from './mcpProcessFigures.cjs';
import type { Bench, BenchCase } from './run';

const SERVERS = 10;
const IDLE_MS = 2000;
const FIXTURE = 'minimal-server.mjs';

/** The serve process's children that run the fixture server, and their resident memory. */
function serverProcesses(servePid: number): { count: number; rssMb: number } {
  const children = execFileSync('ps', ['-eo', 'ppid=,rss=,args='], { encoding: 'utf8' })
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter(([ppid, , ...args]) => Number(ppid) === servePid && args.join(' ').includes(FIXTURE));
  const rssKb = children.reduce((sum, [, rss]) => sum + Number(rss), 0);
  return { count: children.length, rssMb: Math.round(rssKb / 102.4) / 10 };
}

async function measure(mode: McpConnectionModeSetting): Promise<BenchCase[]> {
  const workspace = await mkdtemp(path.join(tmpdir(), 'am-bench-processes-'));
  await mkdir(path.join(workspace, '.vscode'));
  const servers = Object.fromEntries(Array.from({ length: SERVERS }, (_, i) => [`s${i + 1}`, fixtureServer('minimal-server', { TOOL_COUNT: '3' })]));
  await writeFile(path.join(workspace, '.vscode', 'mcp.json'), JSON.stringify({ servers }));
  await writeFile(path.join(workspace, 'agent-mesh.config.json'), JSON.stringify({ 'agentMesh.mcp.connectionMode': mode, 'agentMesh.mcp.idleDisconnectMs': IDLE_MS }));
  const token = generateToken();
  const serve = await startServe(['--workspace', workspace, '--port', '0', '--token', token], { HOME: workspace });
  const api = async (method: string, route: string, body?: unknown) => {
    const res = await fetch(`${serve.url}${route}`, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
    if (!res.ok) throw new Error(`${method} ${route}: HTTP ${res.status}`);
    return res.json();
  };
  const call = (name: string) => api('POST', `/api/mcp/servers/${name}/tools/echo_1/call`, { arguments: { text: 'x' } });
  const pid = serve.child.pid!;
  const cases: BenchCase[] = [];
  const sample = (label: string) => cases.push({ label: `${mode}: ${label}`, metrics: { servers: SERVERS, ...serverProcesses(pid) } });
  try {
    // Every server listed and counted; an inspected one has closed its connection again.
    await waitFor(
      'every server to be listed',
      async () => {
        const list = (await api('GET', '/api/mcp/servers')) as McpServerInfo[];
        return list.length === SERVERS && list.every((s) => s.status === 'connected' && s.tokensCounted && (s.connectionMode === 'keep-connected' || !s.connectionOpen)) ? true : undefined;
      },
      30_000,
      100,
    );
    sample('every server listed');
    await call('s1');
    sample('after a call to one server');
    await Promise.all(Object.keys(servers).map(call));
    sample(`after a call to each of the ${SERVERS} servers`);
    await new Promise((resolve) => setTimeout(resolve, IDLE_MS + 1000));
    sample(`${IDLE_MS + 1000} ms later (idle time ${IDLE_MS} ms)`);
  } finally {
    await serve.stop();
    await rm(workspace, { recursive: true, force: true });
  }
  return cases;
}

const bench: Bench = {
  name: 'mcp-processes',
  async run() {
    const cases = [...(await measure('auto')), ...(await measure('keep-connected'))];
    return {
      name: 'mcp-processes',
      description:
        `Server processes that agent-mesh serve runs (its child processes, and their resident memory in MB) for a workspace of ${SERVERS} stdio servers in .vscode/mcp.json, ` +
        `with agentMesh.mcp.connectionMode auto (stdio servers inspected) and keep-connected, idle time ${IDLE_MS} ms.`,
      cases,
      ratios: {},
      figures: mcpProcessFigures(cases, IDLE_MS),
    };
  },
};

export default bench;
