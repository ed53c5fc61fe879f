// Connection modes: VS Code (and Copilot) already run the servers of `.vscode/mcp.json`, so by default
// the fleet only inspects a stdio server (connect, list, count, disconnect) and opens it again on
// demand for a tool call or a health check, closing it once idle. `keep-connected` keeps it open.
import type { McpConnectionMode, McpConnectionModeSetting } from '../../../shared/mcp';
import type { McpServerConfig } from './config';
import type { ServerRunner } from './server';

export interface ConnectionModeSettings {
  connectionMode: McpConnectionModeSetting;
  /** Per-server overrides, by server name. */
  connectionModes: Record<string, McpConnectionMode>;
}

/** `auto` inspects stdio servers (a second process of each) and keeps remote ones connected (no process here). */
export function connectionModeOf(config: McpServerConfig, settings: ConnectionModeSettings): McpConnectionMode {
  const override = settings.connectionModes[config.name];
  if (override) return override;
  if (settings.connectionMode !== 'auto') return settings.connectionMode;
  return config.type === 'stdio' ? 'inspect' : 'keep-connected';
}

/** Opens an inspected server for the requests that need it and closes it once it has been idle long enough. */
export class OnDemandConnection {
  private inFlight = 0;
  private idleTimer: NodeJS.Timeout | undefined;
  private opening: Promise<void> | undefined;

  constructor(
    private readonly runner: ServerRunner,
    private mode: McpConnectionMode,
    private readonly idleMs: () => number,
  ) {}

  get connectionMode(): McpConnectionMode {
    return this.mode;
  }

  /** Runs `work` with the connection open, reconnecting a disconnected inspected server first (one reconnect for concurrent requests). */
  async use<T>(work: () => Promise<T>): Promise<T> {
    this.inFlight++;
    clearTimeout(this.idleTimer);
    try {
      if (this.opening || this.isDisconnected()) await this.open('reconnecting for a request');
      return await work();
    } finally {
      this.inFlight--;
      this.settle();
    }
  }

  /** After the first inspection (or a restart): an inspected server with nothing in flight disconnects at once. */
  async inspected(): Promise<void> {
    if (this.mode === 'inspect' && this.inFlight === 0 && !this.opening) await this.runner.disconnect('inspected; disconnected until a request needs it');
  }

  setMode(mode: McpConnectionMode): void {
    if (mode === this.mode) return;
    this.mode = mode;
    if (mode === 'keep-connected' && this.isDisconnected()) void this.open('keeping connected');
    this.settle();
  }

  /** (Re)arms the idle disconnect of an open inspected server with nothing in flight; called on every change of the server. */
  settle(): void {
    clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
    if (this.mode !== 'inspect' || this.inFlight > 0 || this.opening || !this.runner.connectionOpen || this.runner.status !== 'connected') return;
    this.idleTimer = setTimeout(() => {
      if (this.inFlight === 0 && !this.opening) void this.runner.disconnect(`idle for ${this.idleMs()} ms; disconnected until a request needs it`);
    }, this.idleMs()).unref();
  }

  dispose(): void {
    clearTimeout(this.idleTimer);
  }

  /** Connected as far as the fleet knows (lists kept, callable) but with no connection open. */
  private isDisconnected(): boolean {
    return this.runner.status === 'connected' && !this.runner.connectionOpen;
  }

  private open(reason: string): Promise<void> {
    this.opening ??= this.runner.start(reason).finally(() => {
      this.opening = undefined;
      this.settle();
    });
    return this.opening;
  }
}
