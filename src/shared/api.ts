// HTTP API types shared by the relay, the CLI, tests and the dashboard page.

export interface ApiErrorBody {
  error: { code: string; message: string };
}

export interface RedisHealth {
  topology: 'server' | 'cluster' | 'sentinel';
  /** `reconnecting` while any connection of this relay is down (it is retried). */
  status: 'connecting' | 'connected' | 'reconnecting';
  /** How often the primary serving this relay changed (Sentinel promoted a replica, Cluster masters changed). */
  failovers: number;
  lastFailoverAt?: number;
}

export interface HealthBody {
  status: 'ok' | 'degraded';
  store: 'file' | 'redis';
  mcp: { connected: number; total: number };
  mesh: { healthy: number; total: number };
  approvals: { pending: number };
  /** With Redis: its topology, whether every connection is up, and the failovers seen (a survived one leaves `status` ok). */
  redis?: RedisHealth;
  /**
   * Damaged data files the relay set aside at start (it is healthy again), one sentence each naming
   * only the file's name; absent when there were none.
   */
  recovered?: string[];
}

/** The line `agent-mesh serve` prints once it listens; tests and scripts wait for it. */
export const LISTENING_LINE_PREFIX = 'agent-mesh listening ';
