// Real Redis topologies for the integration tier: a Cluster of masters and a Sentinel setup
// (master, replica, three sentinels), each on loopback in its own temp dir, stopped (processes
// killed, dirs removed) by the test or at the end of the tier.
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { freePort, waitFor } from './net';
import { onNode, redisBinary, redisProcess, stopAtEnd, type RedisProcess } from './redis';

const run = promisify(execFile);

export interface RedisCluster {
  /** The setting's URL: `redis-cluster://127.0.0.1:p1,…`. */
  url: string;
  nodes: RedisProcess[];
  stop(): Promise<void>;
}

export interface RedisSentinelSetup {
  /** The setting's URL: `redis-sentinel://127.0.0.1:s1,…#<master name>`. */
  url: string;
  masterName: string;
  master: RedisProcess;
  replica: RedisProcess;
  sentinels: RedisProcess[];
  stop(): Promise<void>;
}

const listenable = (port: number) =>
  new Promise<boolean>((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });

/** A free port whose cluster bus port (port + 10000) is free and valid too. */
async function freeClusterPort(): Promise<number> {
  for (;;) {
    const port = await freePort();
    if (port + 10_000 <= 65_535 && (await listenable(port + 10_000))) return port;
  }
}

const ask = (port: number, ...command: [string, ...string[]]) => onNode(port, async (client) => String(await client.call(...command)));

const field = (info: string, name: string) => new RegExp(`^${name}:(\\S*)`, 'm').exec(info)?.[1];

async function stopAll(processes: RedisProcess[], root: string): Promise<void> {
  await Promise.all(processes.map((p) => p.kill()));
  rmSync(root, { recursive: true, force: true });
}

/**
 * `masters` cluster-enabled servers, each with `replicasPerMaster` replicas, joined by `redis-cli
 * --cluster create`, once every node knows every other, says the cluster is ok, and every replica
 * is in sync with its master.
 */
export async function startRedisCluster(masters = 3, replicasPerMaster = 0): Promise<RedisCluster> {
  const root = mkdtempSync(path.join(tmpdir(), 'am-redis-cluster-'));
  const nodes: RedisProcess[] = [];
  const cluster = stopAtEnd({ url: '', nodes, stop: () => stopAll(nodes, root) });
  // Short enough for a failover in a few seconds; without replicas a slow machine must not fail the cluster.
  const nodeTimeoutMs = replicasPerMaster > 0 ? 1000 : 2000;
  for (let i = 0; i < masters * (1 + replicasPerMaster); i += 1) {
    const port = await freeClusterPort();
    const dir = path.join(root, String(port));
    mkdirSync(dir);
    const node = redisProcess(port, dir, { args: ['--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf', '--cluster-node-timeout', String(nodeTimeoutMs)] });
    nodes.push(node);
    await node.restart();
  }
  const addresses = nodes.map((n) => `127.0.0.1:${n.port}`);
  await run(redisBinary('redis-cli'), ['--cluster', 'create', ...addresses, '--cluster-replicas', String(replicasPerMaster), '--cluster-yes']);
  for (const node of nodes) {
    await waitFor(
      `cluster state ok on ${node.port}, every node known`,
      async () => {
        const info = await ask(node.port, 'CLUSTER', 'INFO');
        return field(info, 'cluster_state') === 'ok' && field(info, 'cluster_known_nodes') === String(nodes.length) ? true : undefined;
      },
      20_000,
      100,
    );
  }
  for (const node of nodes) {
    await waitFor(
      `node ${node.port} to be a master or a replica in sync`,
      async () => {
        const replication = await ask(node.port, 'INFO', 'replication');
        return field(replication, 'role') === 'master' || field(replication, 'master_link_status') === 'up' ? true : undefined;
      },
      20_000,
      100,
    );
  }
  cluster.url = `redis-cluster://${addresses.join(',')}`;
  return cluster;
}

/** The master a surviving node (`askPort`) gives for the slot of `key`, and that master's replicas, by port. */
export async function clusterSlotOwner(askPort: number, key: string): Promise<{ master: number; replicas: number[] }> {
  const slot = Number(await ask(askPort, 'CLUSTER', 'KEYSLOT', key));
  // CLUSTER NODES lines: id address flags master-id ping pong epoch link slot-ranges…
  const lines = (await ask(askPort, 'CLUSTER', 'NODES')).trim().split('\n').map((line) => line.split(' '));
  const portOf = (address: string) => Number(/:(\d+)@/.exec(address)?.[1]);
  const servesSlot = (ranges: string[]) =>
    ranges.some((range) => {
      const [first, last = first] = range.split('-').map(Number);
      return slot >= first && slot <= last;
    });
  const owner = lines.find(([, , flags, , , , , , ...ranges]) => flags.split(',').includes('master') && !flags.split(',').includes('fail') && servesSlot(ranges));
  if (!owner) throw new Error(`no live master serves slot ${slot} according to ${askPort}`);
  return { master: portOf(owner[1]), replicas: lines.filter((line) => line[3] === owner[0]).map((line) => portOf(line[1])) };
}

/** Whether every node on `ports` says the cluster is ok. */
export async function clusterOkOn(ports: number[]): Promise<boolean> {
  for (const port of ports) if (field(await ask(port, 'CLUSTER', 'INFO'), 'cluster_state') !== 'ok') return false;
  return true;
}

/** Waits until `replicaPort` serves the slot of `key` as a master and every node on `survivors` says the cluster is ok. */
export async function promotion(survivors: number[], key: string, replicaPort: number): Promise<void> {
  await waitFor(
    'the replica to be promoted and the cluster ok again',
    async () => ((await clusterSlotOwner(survivors[0], key)).master === replicaPort && (await clusterOkOn(survivors)) ? true : undefined),
    60_000,
    200,
  );
}

/** A master, a replica of it and three sentinels (quorum 2, master down after 1 s), once the sentinels know each other and the replica. */
export async function startRedisSentinel(masterName = 'mymaster'): Promise<RedisSentinelSetup> {
  const root = mkdtempSync(path.join(tmpdir(), 'am-redis-sentinel-'));
  const processes: RedisProcess[] = [];
  const setup = stopAtEnd({ stop: () => stopAll(processes, root) });
  const place = async (name: string) => {
    const port = await freePort();
    const dir = path.join(root, `${name}-${port}`);
    mkdirSync(dir);
    return { port, dir };
  };

  const masterPlace = await place('master');
  const master = redisProcess(masterPlace.port, masterPlace.dir);
  processes.push(master);
  await master.restart();
  const replicaPlace = await place('replica');
  const replica = redisProcess(replicaPlace.port, replicaPlace.dir, { args: ['--replicaof', '127.0.0.1', String(master.port)] });
  processes.push(replica);
  await replica.restart();
  await waitFor('the replica to sync', async () => (field(await ask(replica.port, 'INFO', 'replication'), 'master_link_status') === 'up' ? true : undefined), 20_000, 100);

  const sentinels: RedisProcess[] = [];
  for (let i = 0; i < 3; i += 1) {
    const { port, dir } = await place('sentinel');
    const configFile = path.join(dir, 'sentinel.conf');
    writeFileSync(
      configFile,
      [
        `sentinel monitor ${masterName} 127.0.0.1 ${master.port} 2`,
        `sentinel down-after-milliseconds ${masterName} 1000`,
        `sentinel failover-timeout ${masterName} 5000`,
        `sentinel parallel-syncs ${masterName} 1`,
        '',
      ].join('\n'),
    );
    const sentinel = redisProcess(port, dir, { configFile, args: ['--sentinel'] });
    processes.push(sentinel);
    sentinels.push(sentinel);
    await sentinel.restart();
  }
  for (const sentinel of sentinels) {
    await waitFor(
      `sentinel ${sentinel.port} to know the other sentinels and the replica`,
      async () => {
        const reply = await sentinelMaster(sentinel.port, masterName);
        return reply['num-other-sentinels'] === '2' && reply['num-slaves'] === '1' ? true : undefined;
      },
      30_000,
      200,
    );
  }
  return Object.assign(setup, { url: `redis-sentinel://${sentinels.map((s) => `127.0.0.1:${s.port}`).join(',')}#${masterName}`, masterName, master, replica, sentinels });
}

/** SENTINEL MASTER as a record of its fields. */
async function sentinelMaster(port: number, masterName: string): Promise<Record<string, string>> {
  const flat = await onNode(port, async (client) => (await client.call('SENTINEL', 'MASTER', masterName)) as string[]);
  return Object.fromEntries(flat.flatMap((value, i) => (i % 2 === 0 ? [[value, flat[i + 1]]] : [])));
}

/** The port the sentinels now give for the master. */
export async function currentMasterPort(setup: RedisSentinelSetup): Promise<number> {
  return Number((await sentinelMaster(setup.sentinels[0].port, setup.masterName)).port);
}

/**
 * Stops replication from the master to its replica (by port) without the sentinels or the cluster
 * noticing the master is down: the replica is given a wrong master password and dropped, so it
 * cannot sync again; writes from now on live on the master alone.
 */
export async function cutReplication(masterPort: number, replicaPort: number): Promise<void> {
  await ask(replicaPort, 'CONFIG', 'SET', 'masterauth', 'not-the-password');
  await ask(masterPort, 'CLIENT', 'KILL', 'TYPE', 'replica');
  await waitFor('the replica to lose its master', async () => (field(await ask(replicaPort, 'INFO', 'replication'), 'master_link_status') === 'down' ? true : undefined), 20_000, 100);
}
