import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Redis from 'ioredis';
import { freePort, waitFor } from './net';

export interface RedisServer {
  url: string;
  port: number;
  /** Kills the server (SIGKILL: nothing flushed), e.g. to test a Redis outage. */
  kill(): Promise<void>;
  /** Starts it again on the same port. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

/** Anything a test started that must not outlive the tier. */
interface Stoppable {
  stop(): Promise<void>;
}

const running = new Set<Stoppable>();

/** Stops it when the tier ends, if the test did not. */
export function stopAtEnd<T extends Stoppable>(started: T): T {
  const stop = started.stop.bind(started);
  started.stop = async () => {
    running.delete(started);
    await stop();
  };
  running.add(started);
  return started;
}

/** The path of a Redis binary, or a clear error telling how to install it. */
export function redisBinary(name: 'redis-server' | 'redis-cli' = 'redis-server'): string {
  const probe = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
  const binary = probe.stdout.trim();
  if (!binary) throw new Error(`${name} is not installed (Debian: apt-get install -y redis-server); the integration tier needs a real Redis`);
  return binary;
}

/** Runs `use` on a fresh connection to the server on loopback `port` (a dead server is just an error). */
export async function onNode<T>(port: number, use: (client: Redis) => Promise<T>): Promise<T> {
  const client = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  client.on('error', () => undefined); // a refused connection is the answer, not news
  try {
    await client.connect();
    return await use(client);
  } finally {
    client.disconnect();
  }
}

/** Resolves once the server on `port` answers PING. */
export async function waitForPong(port: number, timeoutMs = 10_000): Promise<void> {
  await waitFor(`redis-server on ${port}`, async () => ((await onNode(port, (c) => c.ping())) === 'PONG' ? true : undefined), timeoutMs);
}

export type RedisProcess = Pick<RedisServer, 'port' | 'kill' | 'restart'>;

/**
 * A redis-server process on loopback `port` in `dir`, without persistence, with `options.args`
 * (after `options.configFile`, which a sentinel needs); `restart` also starts it the first time.
 */
export function redisProcess(port: number, dir: string, options: { configFile?: string; args?: string[] } = {}): RedisProcess {
  const binary = redisBinary();
  let child: ChildProcess | undefined;
  const restart = async () => {
    const args = [...(options.configFile ? [options.configFile] : []), '--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, ...(options.args ?? [])];
    child = spawn(binary, args, { stdio: 'ignore' });
    await waitForPong(port);
  };
  const kill = async () => {
    const c = child;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    const exited = new Promise((r) => c.once('exit', r));
    c.kill('SIGKILL');
    await exited;
  };
  return { port, kill, restart };
}

/** A real redis-server on a free loopback port, without persistence, in its own temp dir. */
export async function startRedis(): Promise<RedisServer> {
  const port = await freePort();
  const dir = mkdtempSync(path.join(tmpdir(), 'am-redis-'));
  const server = redisProcess(port, dir);
  await server.restart();
  return stopAtEnd({
    ...server,
    url: `redis://127.0.0.1:${port}`,
    async stop() {
      await server.kill();
      rmSync(dir, { recursive: true, force: true });
    },
  });
}

export async function stopAllRedis(): Promise<void> {
  await Promise.all([...running].map((s) => s.stop()));
}
