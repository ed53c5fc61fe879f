/**
 * Runs the demo's agents (see demo/lib/activity.ts) against the relay of the demo workspace:
 *
 *   node dist/demo/demo-agents.js --workspace demo
 *
 * The relay is AGENT_MESH_URL + AGENT_MESH_TOKEN when set, else the one the workspace's discovery
 * file names (written by the extension or `agent-mesh serve`), waited for until it appears.
 * DEMO_INTERVAL_MS (default 30000) paces the rounds; DEMO_BASE_PORT locates the demo services.
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { findRelay } from '../../src/extension/engine/hooks/discovery';
import { runDemoAgents } from '../lib/activity';

const log = (line: string) => process.stderr.write(`[demo agents] ${line}\n`);

async function answers(url: string): Promise<boolean> {
  return fetch(`${url}/health`, { signal: AbortSignal.timeout(2000) }).then(
    (res) => res.ok,
    () => false,
  );
}

/** The relay to drive, once it answers. */
async function relay(workspace: string, signal: AbortSignal): Promise<{ url: string; token: string }> {
  const { AGENT_MESH_URL: url, AGENT_MESH_TOKEN: token } = process.env;
  if (url && token) {
    while (!signal.aborted && !(await answers(url))) await new Promise((r) => setTimeout(r, 500));
    return { url, token };
  }
  log(`waiting for the relay of ${workspace} (open it in VS Code or run agent-mesh serve there)`);
  while (!signal.aborted) {
    const found = await findRelay(workspace);
    if (found && found.workspace === workspace && (await answers(found.url))) return found;
    await new Promise((r) => setTimeout(r, 1000));
  }
  throw new Error('stopped');
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { workspace: { type: 'string' } } });
  const workspace = path.resolve(values.workspace ?? process.cwd());
  const intervalMs = Number(process.env.DEMO_INTERVAL_MS) || 30_000;
  const base = Number(process.env.DEMO_BASE_PORT) || 7800;
  const stop = new AbortController();
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => stop.abort());
  if (process.env.DEMO_EXIT_ON_STDIN_EOF === '1') process.stdin.on('end', () => stop.abort()).resume();

  const { url, token } = await relay(workspace, stop.signal);
  log(`driving ${url} every ~${Math.round(intervalMs / 1000)} s`);
  await runDemoAgents({
    url,
    token,
    workspace,
    dataDir: path.join(workspace, '.agent-mesh'),
    intervalMs,
    services: {
      'build-server': `http://127.0.0.1:${base + 1}/health`,
      Planner: `http://127.0.0.1:${base + 11}/health`,
      Reviewer: `http://127.0.0.1:${base + 12}/health`,
      Researcher: `http://127.0.0.1:${base + 13}/health`,
    },
    signal: stop.signal,
    log,
  });
}

main().catch((error: Error) => {
  log(error.message);
  process.exit(1);
});
