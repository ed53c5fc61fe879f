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

const running = new Set<RedisServer>();

/** The path of redis-server, or a clear error telling how to install it. */
function redisBinary(): string {
  const probe = spawnSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' });
  const binary = probe.stdout.trim();
  if (!binary) throw new Error('redis-server is not installed (Debian: apt-get install -y redis-server); the integration tier needs a real Redis');
  return binary;
}

/** A real redis-server on a free loopback port, without persistence, in its own temp dir. */
export async function startRedis(): Promise<RedisServer> {
  const binary = redisBinary();
  const port = await freePort();
  const dir = mkdtempSync(path.join(tmpdir(), 'am-redis-'));
  let child: ChildProcess | undefined;
  const launch = async () => {
    child = spawn(binary, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], { stdio: 'ignore' });
    await waitFor(`redis-server on ${port}`, async () => {
      const client = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
      client.on('error', () => undefined); // a refused probe is the answer "not yet", not news
      try {
        await client.connect();
        return (await client.ping()) === 'PONG' ? true : undefined;
      } finally {
        client.disconnect();
      }
    });
  };
  const kill = async () => {
    const c = child;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    const exited = new Promise((r) => c.once('exit', r));
    c.kill('SIGKILL');
    await exited;
  };
  await launch();
  const server: RedisServer = {
    url: `redis://127.0.0.1:${port}`,
    port,
    kill,
    restart: launch,
    async stop() {
      await kill();
      running.delete(server);
      rmSync(dir, { recursive: true, force: true });
    },
  };
  running.add(server);
  return server;
}

export async function stopAllRedis(): Promise<void> {
  await Promise.all([...running].map((s) => s.stop()));
}
