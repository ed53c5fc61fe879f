// The only place that opens Redis connections: one target (server, Cluster or Sentinel) read from
// the URL setting, the stores' scripts defined on every connection, and one health for them all.
import Redis, { Cluster } from 'ioredis';
import type { RedisHealth } from '../../../shared/api';
import type { Logger } from '../log';
import { defineScripts } from './scripts';
import { parseRedisUrl, type RedisTarget } from './url';

export type RedisClient = Redis | Cluster;

export interface ConnectionOptions {
  /** Queue commands while disconnected (true), or fail them at once so the caller can fall back (false). */
  offlineQueue: boolean;
  /** How often a command is retried over reconnects before it fails; null: until it succeeds. */
  maxRetriesPerRequest: number | null;
  connectTimeoutMs?: number;
}

/** Commands wait through a short outage (queued, two retries), then fail. */
export const THROUGH_SHORT_OUTAGES: ConnectionOptions = { offlineQueue: true, maxRetriesPerRequest: 2 };

/** Reconnects after 200, 400, 800 ms …, then every 2 s, for as long as it takes. */
const retryDelay = (attempt: number) => Math.min(100 * 2 ** attempt, 2000);

/** How often a Cluster connection reloads the slot map, so even an idle one learns of a promoted replica. */
const SLOT_MAP_REFRESH_MS = 2000;

export class RedisConnections {
  readonly target: RedisTarget;
  private readonly clients = new Set<RedisClient>();
  private readonly everReady = new WeakSet<RedisClient>();
  /** Per Cluster connection: the masters whose connection it lost while they still held slots. */
  private readonly lostMasters = new WeakMap<RedisClient, Set<string>>();
  /** The primary (Sentinel) or the set of masters (Cluster) the connections last found. */
  private primary: string | undefined;
  private failovers = 0;
  private lastFailoverAt: number | undefined;
  private readonly failoverListeners = new Set<() => void>();

  constructor(
    url: string,
    private readonly logger: Logger,
  ) {
    const parsed = parseRedisUrl(url);
    if ('error' in parsed) throw new Error(`agentMesh.state.redisUrl ${parsed.error}`);
    this.target = parsed.target;
  }

  /** Where the data lives, for messages: hosts and ports, never a password. */
  get where(): string {
    return this.target.where;
  }

  /** A new connection (not yet connected: `connect()` or the first command opens it). */
  open(options: ConnectionOptions): RedisClient {
    const client = this.create(options);
    defineScripts(client);
    this.clients.add(client);
    client.on('ready', () => {
      this.everReady.add(client);
      this.notePrimary(client);
    });
    if (client instanceof Cluster) this.watchMasters(client);
    client.on('end', () => this.clients.delete(client));
    return client;
  }

  /**
   * Called after each failover: replication is asynchronous, so the new primary may lack the last
   * writes the old one acknowledged; each store puts back what it holds.
   */
  onFailover(listener: () => void): () => void {
    this.failoverListeners.add(listener);
    return () => this.failoverListeners.delete(listener);
  }

  health(): RedisHealth {
    const live = [...this.clients];
    // A connection that was ready and is not is a lost one; one still opening (a store loading in the background) is not.
    const lost = live.some((c) => this.everReady.has(c) && (c.status !== 'ready' || (this.lostMasters.get(c)?.size ?? 0) > 0));
    const opening = live.some((c) => !this.everReady.has(c) && c.status !== 'wait');
    const status = lost ? 'reconnecting' : opening || !live.some((c) => this.everReady.has(c)) ? 'connecting' : 'connected';
    return { topology: this.target.topology, status, failovers: this.failovers, ...(this.lastFailoverAt !== undefined ? { lastFailoverAt: this.lastFailoverAt } : {}) };
  }

  private create(options: ConnectionOptions): RedisClient {
    const target = this.target;
    const common = { lazyConnect: true, enableOfflineQueue: options.offlineQueue, maxRetriesPerRequest: options.maxRetriesPerRequest, connectTimeout: options.connectTimeoutMs ?? 2000 };
    if (target.topology === 'server') return new Redis(target.url, { ...common, retryStrategy: retryDelay });
    const auth = { username: target.username, password: target.password, ...(target.tls ? { tls: {} } : {}) };
    if (target.topology === 'cluster') {
      return new Cluster(target.nodes, {
        lazyConnect: true,
        enableOfflineQueue: options.offlineQueue,
        clusterRetryStrategy: retryDelay,
        slotsRefreshInterval: SLOT_MAP_REFRESH_MS,
        redisOptions: { ...auth, maxRetriesPerRequest: options.maxRetriesPerRequest, connectTimeout: common.connectTimeout },
      });
    }
    return new Redis({
      ...common,
      ...auth,
      sentinels: target.sentinels,
      name: target.master,
      db: target.db,
      enableTLSForSentinelMode: target.tls,
      retryStrategy: retryDelay,
      sentinelRetryStrategy: retryDelay,
      // Hears +switch-master from the sentinels and moves to the new master at once.
      failoverDetector: true,
    });
  }

  /**
   * A Cluster connection stays ready through a failover, with the slots of the lost master
   * unserved until a replica is promoted: it is reconnecting from losing that master until a
   * reloaded slot map no longer names it (or it answers again), and the reload that shows the
   * promoted replica is the failover.
   */
  private watchMasters(cluster: Cluster): void {
    const lost = new Set<string>();
    this.lostMasters.set(cluster, lost);
    const ownsSlots = (key: string) => cluster.slots.some((owners) => owners?.[0] === key);
    cluster.on('-node', (node: Redis) => {
      if (ownsSlots(nodeKey(node))) lost.add(nodeKey(node));
    });
    cluster.on('+node', (node: Redis) => node.on('ready', () => lost.delete(nodeKey(node))));
    cluster.on('refresh', () => {
      for (const key of lost) if (!ownsSlots(key)) lost.delete(key);
      // A lost master still holding slots may be back (restarted, not replaced), and this connection
      // may have no command for it: try it, so it is ready or lost again.
      for (const node of cluster.nodes('master')) if (lost.has(nodeKey(node)) && node.status === 'wait') node.connect().catch(() => undefined);
      this.notePrimary(cluster);
    });
  }

  /** A connection became ready: a different primary than the last one seen is a failover. */
  private notePrimary(client: RedisClient): void {
    const primary = client instanceof Cluster ? mastersOf(client) : this.target.topology === 'sentinel' ? `${client.stream.remoteAddress}:${client.stream.remotePort}` : undefined;
    if (primary === undefined || primary === this.primary) return;
    if (this.primary !== undefined) {
      this.failovers += 1;
      this.lastFailoverAt = Date.now();
      this.logger.warn(`${this.where}: failover seen, the primary moved from ${this.primary} to ${primary}`);
    }
    const failedOver = this.primary !== undefined;
    this.primary = primary;
    if (failedOver) for (const listener of this.failoverListeners) listener();
  }
}

/**
 * Lets the server finish what it was sent (QUIT), then closes everything the connection opened:
 * QUIT alone leaves a Sentinel connection's failover watchers reconnecting to the sentinels forever.
 */
export async function closeGracefully(client: RedisClient): Promise<void> {
  await client.quit().catch(() => undefined);
  client.disconnect();
}

const nodeKey = (node: Redis) => `${node.options.host}:${node.options.port}`;

function mastersOf(cluster: Cluster): string {
  return cluster.nodes('master').map(nodeKey).sort().join(',');
}
