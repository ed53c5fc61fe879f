// HTTP API types shared by the relay, the CLI, tests and the dashboard page.

export interface ApiErrorBody {
  error: { code: string; message: string };
}

export interface HealthBody {
  status: 'ok' | 'degraded';
  store: 'file' | 'redis';
  mcp: { connected: number; total: number };
  mesh: { healthy: number; total: number };
  approvals: { pending: number };
}

/** The line `agent-mesh serve` prints once it listens; tests and scripts wait for it. */
export const LISTENING_LINE_PREFIX = 'agent-mesh listening ';
