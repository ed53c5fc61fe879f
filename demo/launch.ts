/**
 * Starts the demo's long-running services as child processes and supervises them:
 *
 *   build-server  MCP over Streamable HTTP   base+1   (7801)
 *   Planner       A2A agent                  base+11  (7811)
 *   Reviewer      A2A agent, 120 ms latency  base+12  (7812)
 *   Researcher    A2A agent                  base+13  (7813)
 *
 * base = DEMO_BASE_PORT (default 7800). The bundled scripts are looked up next to this file
 * (dist/demo/). stdout carries only "demo: ..." status lines; children's logs go to stderr,
 * prefixed with their name. Nothing is ever restarted: a child that dies is reported and stays down.
 *
 * Exit codes: 0 after a clean SIGINT/SIGTERM, 1 when a service failed to start or died.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { createInterface } from 'node:readline';

const HOST = '127.0.0.1';
const START_TIMEOUT_MS = Number(process.env.DEMO_START_TIMEOUT_MS) || 15_000;
const STOP_TIMEOUT_MS = 5_000;
const STDERR_TAIL = 40;

interface ServiceSpec {
  name: string;
  script: string;
  args: string[];
  env: Record<string, string>;
  port: number;
  healthPath: string;
}

interface Service extends ServiceSpec {
  child?: ChildProcess;
  ready: boolean;
  exited: boolean;
  stopping: boolean;
  stderrTail: string[];
  /** Lines held back until the service is ready (shown in full if it fails to start). */
  pending: string[];
}

function status(line: string): void {
  process.stdout.write(`demo: ${line}\n`);
}

function problem(line: string): void {
  process.stderr.write(`demo: ${line}\n`);
}

function basePort(): number {
  const raw = process.env.DEMO_BASE_PORT?.trim();
  if (!raw) return 7800;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n + 13 > 65535) {
    problem(`DEMO_BASE_PORT="${raw}" is not a usable port base (1..65522)`);
    process.exit(2);
  }
  return n;
}

function specs(base: number): ServiceSpec[] {
  const agent = (name: string, offset: number, skills: string, latencyMs: number): ServiceSpec => ({
    name,
    script: 'a2a-agent.js',
    args: ['--name', name, '--port', String(base + offset), '--skills', skills, '--latency-ms', String(latencyMs)],
    env: {},
    port: base + offset,
    healthPath: '/health',
  });
  return [
    { name: 'build-server', script: 'build-server.js', args: [], env: { PORT: String(base + 1) }, port: base + 1, healthPath: '/health' },
    agent('Planner', 11, 'planning,task breakdown', 0),
    agent('Reviewer', 12, 'code review,risk assessment', 120),
    agent('Researcher', 13, 'research,summarization', 0),
  ];
}

const services: Service[] = specs(basePort()).map((s) => ({ ...s, ready: false, exited: false, stopping: false, stderrTail: [], pending: [] }));
let shuttingDown = false;
let failed = false;

function remember(service: Service, line: string): void {
  service.stderrTail.push(line);
  if (service.stderrTail.length > STDERR_TAIL) service.stderrTail.shift();
}

function forward(service: Service, line: string): void {
  // Services label their own log lines "[name] ..."; label the rest.
  const text = line.startsWith('[') ? `  ${line}` : `  [${service.name}] ${line}`;
  if (service.ready) process.stderr.write(`${text}\n`);
  else service.pending.push(text);
}

function showStderr(service: Service): void {
  const lines = service.stderrTail.length > 0 ? service.stderrTail : ['(no output on stderr)'];
  process.stderr.write(`---- ${service.name} stderr ----\n${lines.join('\n')}\n---- end of ${service.name} stderr ----\n`);
}

function start(service: Service, dir: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const script = path.join(dir, service.script);
    const child = spawn(process.execPath, [script, ...service.args], {
      cwd: process.cwd(),
      env: { ...process.env, ...service.env, DEMO_EXIT_ON_STDIN_EOF: '1' },
      // stdin stays an open pipe we never write to: if this launcher dies, the children see EOF and exit.
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    service.child = child;
    let listening = false;
    let settled = false;
    const settle = (err?: Error): void => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      if (err) reject(err);
      else resolve();
    };
    const deadline = setTimeout(
      () => settle(new Error(`did not answer ${service.healthPath} within ${START_TIMEOUT_MS} ms`)),
      START_TIMEOUT_MS,
    );

    createInterface({ input: child.stdout! }).on('line', (line) => {
      forward(service, line);
      if (!listening && /\blistening http:\/\//.test(line)) {
        // Only now is the port ours; poll health so that we report a service that really answers.
        listening = true;
        void waitHealthy(service, () => settled).then(
          () => settle(),
          (err: Error) => settle(err),
        );
      }
    });
    createInterface({ input: child.stderr! }).on('line', (line) => {
      remember(service, line);
      forward(service, line);
    });
    child.stdin!.on('error', () => undefined);

    child.on('error', (err) => settle(new Error(`could not be spawned: ${err.message}`)));
    child.on('exit', () => {
      service.exited = true;
    });
    // 'close' comes after the child's stdout/stderr are drained, so its last words are in stderrTail.
    child.on('close', (code, signal) => {
      service.exited = true;
      const how = signal ? `signal ${signal}` : `code ${code}`;
      if (!settled) {
        settle(new Error(`exited with ${how} before it was ready`));
        return;
      }
      if (!service.stopping && !shuttingDown) {
        failed = true;
        problem(`${service.name} exited unexpectedly (${how}); it is not restarted`);
        showStderr(service);
        if (services.every((s) => s.exited)) void stopAll('all services are down');
      }
    });
  });
}

async function waitHealthy(service: Service, cancelled: () => boolean): Promise<void> {
  const url = `http://${HOST}:${service.port}${service.healthPath}`;
  while (!cancelled()) {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2_000) });
      await res.arrayBuffer();
      if (res.ok) return;
    } catch {
      // not answering yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

function markReady(service: Service): void {
  service.ready = true;
  for (const line of service.pending) process.stderr.write(`${line}\n`);
  service.pending = [];
  status(`${service.name} listening http://${HOST}:${service.port}`);
}

async function stopAll(reason: string, signal: NodeJS.Signals = 'SIGTERM'): Promise<never> {
  if (!shuttingDown) {
    shuttingDown = true;
    problem(`stopping (${reason})`);
  }
  const alive = services.filter((s) => s.child && !s.exited);
  for (const s of alive) {
    s.stopping = true;
    s.child!.kill(signal);
  }
  const exits = alive.map((s) => new Promise<void>((r) => (s.exited ? r() : s.child!.once('exit', () => r()))));
  const timedOut = await Promise.race([
    Promise.all(exits).then(() => false),
    new Promise<boolean>((r) => setTimeout(() => r(true), STOP_TIMEOUT_MS).unref()),
  ]);
  if (timedOut) {
    for (const s of services.filter((x) => x.child && !x.exited)) {
      problem(`${s.name} did not stop within ${STOP_TIMEOUT_MS} ms; killing it`);
      s.child!.kill('SIGKILL');
    }
  }
  process.exit(failed ? 1 : 0);
}

function installSignals(): void {
  let count = 0;
  const onSignal = (signal: NodeJS.Signals): void => {
    count += 1;
    if (count > 1) {
      problem(`${signal} again: killing every service now`);
      for (const s of services) if (s.child && !s.exited) s.child.kill('SIGKILL');
      process.exit(failed ? 1 : 130);
    }
    void stopAll(signal, signal);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('SIGHUP', onSignal);
}

async function main(): Promise<void> {
  const dir = __dirname;
  const missing = [...new Set(services.map((s) => s.script))].filter((f) => !existsSync(path.join(dir, f)));
  if (missing.length > 0) {
    problem(`cannot find ${missing.join(', ')} in ${dir}; build the demo first (npm run build) and run dist/demo/launch.js`);
    process.exit(1);
  }
  installSignals();

  const errors = new Map<Service, Error>();
  const starts = services.map((s) =>
    start(s, dir).then(
      () => {
        if (!shuttingDown) markReady(s);
      },
      (err: Error) => {
        errors.set(s, err);
        throw err;
      },
    ),
  );
  try {
    await Promise.all(starts);
  } catch {
    // Give siblings that fail for the same reason (say, every port taken) a moment to report too.
    await Promise.race([Promise.allSettled(starts), new Promise((r) => setTimeout(r, 500))]);
    if (shuttingDown) return;
    failed = true;
    for (const [s, err] of errors) {
      problem(`${s.name} failed to start: ${err.message}`);
      showStderr(s);
    }
    await stopAll('a service failed to start');
    return;
  }
  if (shuttingDown) return; // a signal arrived while starting; stopAll owns the exit
  status('ready');
}

main().catch((err: unknown) => {
  problem(`launcher error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  failed = true;
  void stopAll('launcher error');
});
