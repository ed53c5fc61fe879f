/**
 * Demo MCP server over Streamable HTTP (stateful sessions) on http://127.0.0.1:$PORT/mcp.
 *
 *   PORT / --port       TCP port (default 7801)
 *   DEMO_WORKSPACE      folder that relative run_checks targets resolve against (default: cwd)
 *
 * Also answers GET /health with 200 JSON. SIGINT/SIGTERM close every MCP session, then the server.
 */
import { randomUUID } from 'node:crypto';
import type { Dirent } from 'node:fs';
import { open, readdir, stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { isInitializeRequest, type CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import * as z from 'zod';
import { installShutdown, isLoopbackHost, listen, LOOPBACK, parsePort, readBody, sendJson, sleep } from '../lib/service';

const SERVICE = 'build-server';
const VERSION = '0.1.0';
const MAX_BODY = 4 * 1024 * 1024;
const MAX_SESSIONS = 100;
const SESSION_IDLE_MS = 30 * 60_000;

function log(message: string): void {
  process.stderr.write(`[${SERVICE}] ${message}\n`);
}

const port = ((): number => {
  try {
    const { values } = parseArgs({ options: { port: { type: 'string' } }, strict: true });
    return parsePort(values.port ?? process.env.PORT, 7801, 'build-server port');
  } catch (err) {
    log(`usage: build-server [--port N]  (${(err as Error).message})`);
    return process.exit(2);
  }
})();
const workspace = path.resolve(process.env.DEMO_WORKSPACE?.trim() || process.cwd());
const startedAt = Date.now();

// ---------------------------------------------------------------------------------------------
// run_checks: real work on a directory tree

const SKIP_DIRS = new Set(['node_modules', 'dist', 'out', 'build', 'coverage', '__pycache__', 'target']);
/** JSON-with-comments files that must not be judged by JSON.parse. */
const JSONC = /^(tsconfig|jsconfig)(\..*)?\.json$|^devcontainer\.json$|\.jsonc$/i;
const MAX_FILES = 20_000;
const MAX_READ = 1024 * 1024;
const STEPS = 10;
const MIN_STEP_MS = 200;

type CheckStatus = 'pass' | 'warn' | 'fail';
interface CheckResult {
  name: string;
  status: CheckStatus;
  detail: string;
}
interface ExtStats {
  ext: string;
  files: number;
  lines: number;
  bytes: number;
}
interface RunReport {
  runId: string;
  target: string;
  status: 'passed' | 'failed' | 'cancelled' | 'error';
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  files: number;
  lines: number;
  bytes: number;
  truncated: boolean;
  byExtension: ExtStats[];
  checks: CheckResult[];
}
interface ActiveRun {
  runId: string;
  target: string;
  startedAt: string;
  step: number;
  total: number;
  message: string;
}

const activeRuns = new Map<string, ActiveRun>();
const history: RunReport[] = [];
let totalRuns = 0;

interface FileFacts {
  rel: string;
  ext: string;
  bytes: number;
  lines: number;
  binary: boolean;
  skippedLarge: boolean;
  todos: number;
  conflictMarkers: number;
  jsonError?: string;
}

async function listFiles(root: string, signal: AbortSignal): Promise<{ files: string[]; truncated: boolean }> {
  const files: string[] = [];
  const pending: string[] = [root];
  while (pending.length > 0) {
    if (signal.aborted) throw new Error('cancelled');
    const dir = pending.pop() as string;
    let entries: Dirent[];
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch {
      continue; // unreadable folder: skip, like a linter would
    }
    for (const entry of entries) {
      if (entry.name.startsWith('.')) continue;
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        if (!SKIP_DIRS.has(entry.name)) pending.push(full);
      } else if (entry.isFile()) {
        files.push(full);
        if (files.length >= MAX_FILES) return { files, truncated: true };
      }
    }
  }
  return { files, truncated: false };
}

async function inspectFile(root: string, file: string): Promise<FileFacts> {
  const rel = path.relative(root, file) || path.basename(file);
  const ext = path.extname(file).toLowerCase() || '(none)';
  const facts: FileFacts = { rel, ext, bytes: 0, lines: 0, binary: false, skippedLarge: false, todos: 0, conflictMarkers: 0 };
  try {
    facts.bytes = (await stat(file)).size;
    if (facts.bytes > MAX_READ) {
      facts.skippedLarge = true;
      return facts;
    }
    const handle = await open(file, 'r');
    let buf: Buffer;
    try {
      buf = await handle.readFile();
    } finally {
      await handle.close();
    }
    if (buf.subarray(0, 8000).includes(0)) {
      facts.binary = true;
      return facts;
    }
    const text = buf.toString('utf8');
    facts.lines = text.length === 0 ? 0 : text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
    facts.todos = (text.match(/\b(TODO|FIXME|XXX)\b/g) ?? []).length;
    facts.conflictMarkers = (text.match(/^(<{7}|>{7})(?: |$)/gm) ?? []).length;
    if (ext === '.json' && !JSONC.test(path.basename(file))) {
      try {
        JSON.parse(text);
      } catch (err) {
        facts.jsonError = (err as Error).message;
      }
    }
  } catch {
    // vanished or unreadable between listing and reading: count it with zero lines
  }
  return facts;
}

function summarize(facts: FileFacts[]): { byExtension: ExtStats[]; checks: CheckResult[] } {
  const byExt = new Map<string, ExtStats>();
  for (const f of facts) {
    const s = byExt.get(f.ext) ?? { ext: f.ext, files: 0, lines: 0, bytes: 0 };
    s.files += 1;
    s.lines += f.lines;
    s.bytes += f.bytes;
    byExt.set(f.ext, s);
  }
  const byExtension = [...byExt.values()].sort((a, b) => b.lines - a.lines || b.files - a.files).slice(0, 12);

  const sample = (list: FileFacts[]): string => list.slice(0, 5).map((f) => f.rel).join(', ') + (list.length > 5 ? ', …' : '');
  const conflicts = facts.filter((f) => f.conflictMarkers > 0);
  const badJson = facts.filter((f) => f.jsonError !== undefined);
  const large = facts.filter((f) => f.skippedLarge);
  const todos = facts.reduce((n, f) => n + f.todos, 0);
  const checks: CheckResult[] = [
    conflicts.length > 0
      ? { name: 'merge-conflicts', status: 'fail', detail: `conflict markers in ${conflicts.length} file(s): ${sample(conflicts)}` }
      : { name: 'merge-conflicts', status: 'pass', detail: 'no conflict markers' },
    badJson.length > 0
      ? {
          name: 'json-syntax',
          status: 'fail',
          detail: `${badJson.length} invalid JSON file(s): ${badJson.slice(0, 3).map((f) => `${f.rel} (${f.jsonError})`).join('; ')}`,
        }
      : { name: 'json-syntax', status: 'pass', detail: `${facts.filter((f) => f.ext === '.json').length} JSON file(s) checked` },
    large.length > 0
      ? { name: 'large-files', status: 'warn', detail: `${large.length} file(s) over 1 MiB: ${sample(large)}` }
      : { name: 'large-files', status: 'pass', detail: 'no file over 1 MiB' },
    { name: 'todo-markers', status: todos > 50 ? 'warn' : 'pass', detail: `${todos} TODO/FIXME/XXX marker(s)` },
  ];
  return { byExtension, checks };
}

function resolveTarget(target: string): string {
  return path.resolve(workspace, target);
}

async function runChecks(
  target: string,
  signal: AbortSignal,
  progress: (step: number, message: string) => Promise<void>,
): Promise<RunReport> {
  const runId = randomUUID().slice(0, 8);
  const root = resolveTarget(target);
  const started = Date.now();
  const active: ActiveRun = { runId, target: root, startedAt: new Date(started).toISOString(), step: 0, total: STEPS, message: 'starting' };
  activeRuns.set(runId, active);
  totalRuns += 1;
  let lastStep = Date.now();
  const step = async (n: number, message: string): Promise<void> => {
    // Pace the steps so a client sees a believable progress bar (~2 s) even on a small tree.
    const wait = MIN_STEP_MS - (Date.now() - lastStep);
    if (wait > 0) await sleep(wait, signal);
    lastStep = Date.now();
    active.step = n;
    active.message = message;
    await progress(n, message);
  };

  const report = (status: RunReport['status'], facts: FileFacts[], truncated: boolean, extra: CheckResult[] = []): RunReport => {
    const { byExtension, checks } = summarize(facts);
    const r: RunReport = {
      runId,
      target: root,
      status,
      startedAt: active.startedAt,
      finishedAt: new Date().toISOString(),
      durationMs: Date.now() - started,
      files: facts.length,
      lines: facts.reduce((n, f) => n + f.lines, 0),
      bytes: facts.reduce((n, f) => n + f.bytes, 0),
      truncated,
      byExtension,
      checks: [...extra, ...(facts.length > 0 ? checks : [])],
    };
    history.unshift(r);
    history.length = Math.min(history.length, 20);
    return r;
  };

  try {
    await step(1, `scanning ${root}`);
    let info;
    try {
      info = await stat(root);
    } catch {
      return report('error', [], false, [{ name: 'target', status: 'fail', detail: `${root} does not exist` }]);
    }
    if (!info.isDirectory()) {
      return report('error', [], false, [{ name: 'target', status: 'fail', detail: `${root} is not a directory` }]);
    }
    const { files, truncated } = await listFiles(root, signal);
    const facts: FileFacts[] = [];
    const batches = STEPS - 2;
    for (let b = 0; b < batches; b++) {
      const slice = files.slice(Math.floor((b * files.length) / batches), Math.floor(((b + 1) * files.length) / batches));
      for (const file of slice) {
        if (signal.aborted) throw new Error('cancelled');
        facts.push(await inspectFile(root, file));
      }
      await step(2 + b, `inspected ${facts.length}/${files.length} files`);
    }
    await step(STEPS, 'summarizing');
    const r = report('passed', facts, truncated);
    if (r.checks.some((c) => c.status === 'fail')) r.status = 'failed';
    return r;
  } catch (err) {
    if (signal.aborted) return report('cancelled', [], false, [{ name: 'run', status: 'warn', detail: 'cancelled by the client' }]);
    throw err;
  } finally {
    activeRuns.delete(runId);
  }
}

function formatReport(r: RunReport): string {
  const icon: Record<CheckStatus, string> = { pass: 'PASS', warn: 'WARN', fail: 'FAIL' };
  const lines = [
    `run ${r.runId}: ${r.status.toUpperCase()} in ${r.durationMs} ms — ${r.target}`,
    `${r.files} files, ${r.lines} lines, ${(r.bytes / 1024).toFixed(1)} KiB${r.truncated ? ` (stopped at ${MAX_FILES} files)` : ''}`,
    ...r.checks.map((c) => `  ${icon[c.status]} ${c.name}: ${c.detail}`),
  ];
  if (r.byExtension.length > 0) {
    lines.push('by extension:', ...r.byExtension.map((e) => `  ${e.ext.padEnd(8)} ${String(e.files).padStart(5)} files ${String(e.lines).padStart(8)} lines`));
  }
  return lines.join('\n');
}

// ---------------------------------------------------------------------------------------------
// estimate_cost

/** Illustrative list prices in USD per million tokens, baked into the demo (not live pricing). */
const PRICES = {
  'claude-opus-4': { input: 15, output: 75 },
  'claude-sonnet-4': { input: 3, output: 15 },
  'claude-haiku-3.5': { input: 0.8, output: 4 },
  'gpt-4.1': { input: 2, output: 8 },
  'gpt-4o': { input: 2.5, output: 10 },
  'gpt-4o-mini': { input: 0.15, output: 0.6 },
  'gemini-2.5-pro': { input: 1.25, output: 10 },
  'gemini-2.5-flash': { input: 0.3, output: 2.5 },
  local: { input: 0, output: 0 },
} as const satisfies Record<string, { input: number; output: number }>;
type ModelId = keyof typeof PRICES;
const MODEL_IDS = Object.keys(PRICES) as [ModelId, ...ModelId[]];

const round6 = (n: number): number => Math.round(n * 1e6) / 1e6;

// ---------------------------------------------------------------------------------------------
// MCP server (one instance per session, shared build state)

const CheckOut = z.object({ name: z.string(), status: z.enum(['pass', 'warn', 'fail']), detail: z.string() });
const ReportOut = z.object({
  runId: z.string(),
  target: z.string(),
  status: z.enum(['passed', 'failed', 'cancelled', 'error']),
  startedAt: z.string(),
  finishedAt: z.string(),
  durationMs: z.number(),
  files: z.number(),
  lines: z.number(),
  bytes: z.number(),
  truncated: z.boolean(),
  byExtension: z.array(z.object({ ext: z.string(), files: z.number(), lines: z.number(), bytes: z.number() })),
  checks: z.array(CheckOut),
});

function createMcpServer(): McpServer {
  const server = new McpServer(
    { name: 'agent-mesh-demo-build', version: VERSION, title: 'Build checks (demo)' },
    { instructions: 'Runs quick repository checks and estimates model cost. run_checks reports progress when asked.' },
  );

  server.registerTool(
    'run_checks',
    {
      title: 'Run checks',
      description:
        'Scan a directory (relative paths resolve against the build server workspace) and run quick checks: ' +
        'merge-conflict markers, JSON syntax, files over 1 MiB and TODO markers; also counts files and lines per ' +
        'extension. Takes about 2 seconds and reports MCP progress notifications when the request carries a progressToken.',
      inputSchema: {
        target: z.string().trim().min(1).max(1024).describe('Directory to check, e.g. "." or "src"'),
      },
      outputSchema: { report: ReportOut },
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    async ({ target }, extra): Promise<CallToolResult> => {
      const token = extra._meta?.progressToken;
      const progress = async (step: number, message: string): Promise<void> => {
        if (token === undefined) return;
        await extra.sendNotification({
          method: 'notifications/progress',
          params: { progressToken: token, progress: step, total: STEPS, message },
        });
      };
      const report = await runChecks(target, extra.signal, progress);
      log(`run_checks ${report.runId} ${report.status} ${report.target} (${report.durationMs} ms)`);
      return {
        isError: report.status === 'error',
        content: [{ type: 'text', text: formatReport(report) }],
        structuredContent: { report },
      };
    },
  );

  server.registerTool(
    'get_build_status',
    {
      title: 'Get build status',
      description: 'Report the checks running right now (with their progress) and the results of the most recent runs.',
      inputSchema: {},
      outputSchema: {
        running: z.array(
          z.object({ runId: z.string(), target: z.string(), startedAt: z.string(), step: z.number(), total: z.number(), message: z.string() }),
        ),
        last: ReportOut.nullable(),
        recent: z.array(z.object({ runId: z.string(), target: z.string(), status: z.string(), finishedAt: z.string() })),
        totalRuns: z.number(),
        uptimeSeconds: z.number(),
      },
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    async (): Promise<CallToolResult> => {
      const running = [...activeRuns.values()].map((r) => ({ ...r }));
      const last = history[0] ?? null;
      const recent = history.slice(0, 5).map((r) => ({ runId: r.runId, target: r.target, status: r.status, finishedAt: r.finishedAt }));
      const text = [
        running.length > 0
          ? `${running.length} run(s) in progress: ${running.map((r) => `${r.runId} ${r.step}/${r.total} ${r.message}`).join('; ')}`
          : 'no run in progress',
        last ? `last run: ${last.runId} ${last.status.toUpperCase()} at ${last.finishedAt} — ${last.target}` : 'no run yet',
      ].join('\n');
      return {
        content: [{ type: 'text', text }],
        structuredContent: { running, last, recent, totalRuns, uptimeSeconds: Math.round((Date.now() - startedAt) / 1000) },
      };
    },
  );

  server.registerTool(
    'estimate_cost',
    {
      title: 'Estimate cost',
      description:
        'Estimate the USD cost of a model call from token counts, using the illustrative list prices built into ' +
        'this demo (USD per million tokens; not live pricing).',
      inputSchema: {
        inputTokens: z.number().int().min(0).max(1e9).describe('Prompt tokens'),
        outputTokens: z.number().int().min(0).max(1e9).describe('Completion tokens'),
        model: z.enum(MODEL_IDS).describe('Model id'),
      },
      outputSchema: {
        model: z.string(),
        inputTokens: z.number(),
        outputTokens: z.number(),
        inputUsd: z.number(),
        outputUsd: z.number(),
        totalUsd: z.number(),
        pricePerMillion: z.object({ input: z.number(), output: z.number() }),
      },
      annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: false },
    },
    async ({ inputTokens, outputTokens, model }): Promise<CallToolResult> => {
      const price = PRICES[model];
      const inputUsd = round6((inputTokens / 1e6) * price.input);
      const outputUsd = round6((outputTokens / 1e6) * price.output);
      const totalUsd = round6(inputUsd + outputUsd);
      return {
        content: [
          {
            type: 'text',
            text: `${model}: ${inputTokens} in × $${price.input}/M + ${outputTokens} out × $${price.output}/M = $${totalUsd.toFixed(4)}`,
          },
        ],
        structuredContent: { model, inputTokens, outputTokens, inputUsd, outputUsd, totalUsd, pricePerMillion: { ...price } },
      };
    },
  );

  return server;
}

// ---------------------------------------------------------------------------------------------
// HTTP plumbing

interface Session {
  transport: StreamableHTTPServerTransport;
  server: McpServer;
  lastActive: number;
  open: number;
}
const sessions = new Map<string, Session>();

function rpcError(res: ServerResponse, status: number, code: number, message: string): void {
  sendJson(res, status, { jsonrpc: '2.0', error: { code, message }, id: null });
}

function track(session: Session, res: ServerResponse): void {
  session.open += 1;
  session.lastActive = Date.now();
  res.on('close', () => {
    session.open -= 1;
    session.lastActive = Date.now();
  });
}

async function handleMcp(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const header = req.headers['mcp-session-id'];
  const sessionId = Array.isArray(header) ? header[0] : header;
  const session = sessionId ? sessions.get(sessionId) : undefined;

  if (req.method === 'POST') {
    let body: unknown;
    try {
      body = JSON.parse(await readBody(req, MAX_BODY));
    } catch (err) {
      const status = (err as { status?: number }).status === 413 ? 413 : 400;
      rpcError(res, status, -32700, status === 413 ? 'Request body too large' : 'Parse error: body is not JSON');
      return;
    }
    if (session) {
      track(session, res);
      await session.transport.handleRequest(req, res, body);
      return;
    }
    if (sessionId) {
      rpcError(res, 404, -32001, 'Session not found');
      return;
    }
    if (!isInitializeRequest(body)) {
      rpcError(res, 400, -32000, 'Bad Request: no valid session id provided');
      return;
    }
    if (sessions.size >= MAX_SESSIONS) {
      rpcError(res, 503, -32000, 'Too many open sessions');
      return;
    }
    const server = createMcpServer();
    const transport: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      onsessioninitialized: (id) => {
        sessions.set(id, { transport, server, lastActive: Date.now(), open: 0 });
        log(`session ${id} opened (${sessions.size} open)`);
      },
    });
    transport.onclose = () => {
      const id = transport.sessionId;
      if (id && sessions.delete(id)) log(`session ${id} closed (${sessions.size} open)`);
    };
    await server.connect(transport);
    await transport.handleRequest(req, res, body);
    return;
  }

  if (req.method === 'GET' || req.method === 'DELETE') {
    if (!sessionId) {
      rpcError(res, 400, -32000, 'Bad Request: missing Mcp-Session-Id header');
      return;
    }
    if (!session) {
      rpcError(res, 404, -32001, 'Session not found');
      return;
    }
    track(session, res);
    await session.transport.handleRequest(req, res);
    return;
  }

  res.setHeader('Allow', 'GET, POST, DELETE');
  rpcError(res, 405, -32000, 'Method not allowed');
}

function health(res: ServerResponse): void {
  const last = history[0];
  sendJson(res, 200, {
    status: 'ok',
    service: SERVICE,
    version: VERSION,
    uptimeSeconds: Math.round((Date.now() - startedAt) / 1000),
    mcpUrl: `http://${LOOPBACK}:${port}/mcp`,
    sessions: sessions.size,
    runningChecks: activeRuns.size,
    lastRun: last ? { runId: last.runId, status: last.status, target: last.target, finishedAt: last.finishedAt } : null,
  });
}

const httpServer = createServer((req, res) => {
  void (async () => {
    try {
      if (!isLoopbackHost(req.headers.host, port)) {
        sendJson(res, 403, { error: 'forbidden: Host must be a loopback name for this port' });
        return;
      }
      const { pathname } = new URL(req.url ?? '/', `http://${LOOPBACK}:${port}`);
      if (pathname === '/health') {
        if (req.method === 'GET' || req.method === 'HEAD') health(res);
        else {
          res.setHeader('Allow', 'GET, HEAD');
          sendJson(res, 405, { error: 'method not allowed' });
        }
        return;
      }
      if (pathname === '/mcp') {
        await handleMcp(req, res);
        return;
      }
      sendJson(res, 404, { error: 'not found', routes: ['/mcp', '/health'] });
    } catch (err) {
      log(`request failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
      if (!res.headersSent) rpcError(res, 500, -32603, 'Internal server error');
      else res.end();
    }
  })();
});

setInterval(() => {
  const cutoff = Date.now() - SESSION_IDLE_MS;
  for (const s of sessions.values()) {
    if (s.open === 0 && s.lastActive < cutoff) void s.transport.close().catch(() => undefined);
  }
}, 60_000).unref();

async function main(): Promise<void> {
  installShutdown(httpServer, {
    name: SERVICE,
    beforeClose: async () => {
      await Promise.allSettled([...sessions.values()].map((s) => s.server.close()));
    },
  });
  await listen(httpServer, port);
  process.stdout.write(`${SERVICE} listening http://${LOOPBACK}:${port}/mcp (workspace ${workspace})\n`);
}

main().catch((err: unknown) => {
  const code = (err as NodeJS.ErrnoException).code;
  log(code === 'EADDRINUSE' ? `port ${port} on ${LOOPBACK} is already in use` : `fatal: ${String(err)}`);
  process.exit(1);
});
