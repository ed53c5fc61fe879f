// The MCP fleet: every configured server connected in parallel, each on its own clock, so one slow
// or broken server never delays or breaks another. Host-agnostic: VS Code and `agent-mesh serve`
// drive the same object (reload on config changes, restart/stop from the tree or the HTTP API).
import type {
  McpConfigProblem,
  McpEvent,
  McpLogLine,
  McpServerInfo,
  McpSnapshot,
  McpTokenSummary,
  McpToolInfo,
  ModelFamily,
  TokenEncodingName,
} from '../../../shared/mcp';
import type { JsonObject } from '../../../shared/protocol';
import type { Logger } from '../log';
import { isExactFor, tokenLabel, TokenCounter } from '../tokens/tokenCounter';
import type { McpConfig, McpInputDefinition, McpServerConfig } from './config';
import type { McpOAuth } from './oauth';
import { connectionModeOf, OnDemandConnection, type ConnectionModeSettings } from './connectionMode';
import { ServerRunner, type CallOptions, type RetryPolicy, type ServerRunnerOptions } from './server';
import { resolveLaunch, type InputResolver } from './variables';

export interface McpFleetSettings extends ConnectionModeSettings {
  connectTimeoutMs: number;
  toolTimeoutMs: number;
  maxAttempts: number;
  retryDelayMs: number;
  tokenBudget: number;
  disabledTools: Record<string, string[]>;
  encoding: TokenEncodingName;
  modelFamily: ModelFamily;
  /** How long an inspected server stays connected after its last request. */
  idleDisconnectMs: number;
}

export interface McpFleetOptions {
  settings: McpFleetSettings;
  /**
   * Untrusted workspaces start no server: a stdio one runs a command of the workspace, an http/sse
   * one would be sent the inputs and headers the workspace asks for.
   */
  trusted: boolean;
  inputResolver: InputResolver;
  logger: Logger;
  workspaceDir?: string;
  env?: NodeJS.ProcessEnv;
  /** Tuning for tests and benches; defaults suit people. */
  maxRetryDelayMs?: number;
  stableMs?: number;
  logLines?: number;
  tokenCounter?: TokenCounter;
  /** Sign-in for remote servers that ask for it (MCP authorization); without it a 401 is an error. */
  oauth?: McpOAuth;
  clientCapabilities?: ServerRunnerOptions['clientCapabilities'];
}

export type McpFleetErrorCode =
  | 'server_not_found'
  | 'tool_not_found'
  | 'tool_disabled'
  | 'not_connected'
  | 'tool_call_failed'
  | 'tool_call_timeout'
  | 'cancelled'
  | 'too_many_calls';

export class McpFleetError extends Error {
  constructor(
    readonly code: McpFleetErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'McpFleetError';
  }
}

const UNTRUSTED_REASON = 'workspace is not trusted';
const DISABLED_REASON = 'disabled in its configuration';

interface ToolCounts {
  encoding: TokenEncodingName;
  tools: readonly unknown[];
  perTool: Map<string, number>;
}

export class McpFleet {
  private readonly runners = new Map<string, ServerRunner>();
  private readonly connections = new Map<string, OnDemandConnection>();
  private readonly listeners = new Set<(event: McpEvent) => void>();
  private readonly counts = new Map<string, ToolCounts>();
  private readonly inputValues = new Map<string, Promise<string>>();
  private readonly tokenCounter: TokenCounter;
  private settings: McpFleetSettings;
  private readonly trusted: boolean;
  private problems: McpConfigProblem[] = [];
  private overBudget = false;
  private lastTotal = -1;
  private stopped = false;
  private reloads: Promise<void> = Promise.resolve();

  constructor(private readonly options: McpFleetOptions) {
    this.settings = options.settings;
    this.trusted = options.trusted;
    this.tokenCounter = options.tokenCounter ?? new TokenCounter();
  }

  /** Subscribes to changes; returns the unsubscribe function. */
  onEvent(listener: (event: McpEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Starts every server of the configuration; resolves once each first attempt has settled. */
  start(config: McpConfig): Promise<void> {
    return this.reload(config);
  }

  /**
   * Applies a new configuration: servers whose entry changed (by config hash) restart, new ones
   * start, removed ones stop; unchanged ones are not touched. Resolves once the started ones
   * settled their first attempt.
   */
  async reload(config: McpConfig): Promise<void> {
    // Reloads apply one after another (a file save and a settings change can race); the connects
    // they start are awaited outside the queue, so a slow server never holds up the next reload.
    const applied = this.reloads.then(() => this.apply(config));
    this.reloads = applied.then(
      () => undefined,
      () => undefined,
    );
    await Promise.all(await applied);
  }

  private async apply(config: McpConfig): Promise<Promise<void>[]> {
    if (this.stopped) return [];
    this.problems = config.problems;
    for (const problem of config.problems) {
      const at = problem.line !== undefined ? `:${problem.line}:${problem.column}` : '';
      this.options.logger.warn(`${problem.source}${at}: ${problem.message}`);
    }
    this.emit({ name: 'problems', payload: { problems: this.problems } });
    const wanted = new Map(config.servers.map((s) => [s.name, s]));
    const pending: Promise<void>[] = [];
    for (const [name, runner] of this.runners) {
      const next = wanted.get(name);
      const keep = next ? next.hash === runner.config.hash : config.fileUnreadable && runner.config.source === 'mcp.json';
      if (keep) {
        wanted.delete(name);
        continue;
      }
      this.runners.delete(name);
      this.counts.delete(name);
      this.connections.get(name)?.dispose();
      this.connections.delete(name);
      pending.push(runner.stop());
      if (!next) {
        this.options.logger.info(`[mcp ${name}] removed from the configuration`);
        this.emit({ name: 'removed', payload: { name } });
      } else {
        this.options.logger.info(`[mcp ${name}] configuration changed; restarting`);
      }
    }
    await Promise.all(pending);
    if (this.stopped) return [];
    return [...wanted.values()].map((serverConfig) => this.launch(this.createRunner(serverConfig)));
  }

  /** New settings take effect at once for tokens and disabled tools, and at the next connect for timeouts. */
  configure(settings: McpFleetSettings): void {
    this.settings = settings;
    for (const runner of this.runners.values()) {
      this.connection(runner).setMode(connectionModeOf(runner.config, settings));
      this.changed(runner);
    }
  }

  async restart(name: string): Promise<void> {
    const runner = this.runner(name);
    this.options.logger.info(`[mcp ${name}] restart requested`);
    await this.launch(runner, 'restart requested');
  }

  async stop(name: string): Promise<void> {
    await this.runner(name).stop('stopped', 'stopped by the user');
  }

  /** Asks the person to sign in to a remote server again (its tokens are forgotten first). */
  async signIn(name: string): Promise<void> {
    const runner = this.runner(name);
    await this.options.oauth?.forgetTokens(name);
    await this.launch(runner, 'sign-in requested');
  }

  /** Forgets the server's sign-in (tokens and client registration) and stops it. */
  async signOut(name: string): Promise<void> {
    const runner = this.runner(name);
    await this.options.oauth?.signOut(name);
    await runner.stop('stopped', 'signed out');
  }

  async callTool(
    name: string,
    tool: string,
    args: Record<string, unknown>,
    options: { signal?: AbortSignal; onProgress?: CallOptions['onProgress'] } = {},
  ): Promise<JsonObject> {
    const runner = this.runner(name);
    return this.connection(runner).use(() => this.callConnected(runner, tool, args, options));
  }

  private async callConnected(runner: ServerRunner, tool: string, args: Record<string, unknown>, options: { signal?: AbortSignal; onProgress?: CallOptions['onProgress'] }): Promise<JsonObject> {
    const { name } = runner;
    if (runner.status !== 'connected') throw new McpFleetError('not_connected', `server "${name}" is ${runner.status}${runner.error ? `: ${runner.error}` : ''}`);
    if (!runner.tools.some((t) => t.name === tool)) throw new McpFleetError('tool_not_found', `server "${name}" has no tool "${tool}"`);
    if (this.isToolDisabled(name, tool)) throw new McpFleetError('tool_disabled', `tool "${tool}" of "${name}" is disabled by agentMesh.mcp.disabledTools`);
    try {
      return (await runner.callTool(tool, args, { ...options, timeoutMs: this.settings.toolTimeoutMs })) as unknown as JsonObject;
    } catch (error) {
      const message = (error as Error).message;
      if (options.signal?.aborted) throw new McpFleetError('cancelled', `call of "${tool}" was cancelled`);
      if (/timed out/i.test(message)) throw new McpFleetError('tool_call_timeout', `"${tool}" did not answer within ${this.settings.toolTimeoutMs} ms`);
      throw new McpFleetError('tool_call_failed', `calling "${tool}" on "${name}" failed: ${message}`);
    }
  }

  /** MCP ping; rejects when the server is not connected or does not answer in time. */
  async ping(name: string, timeoutMs: number): Promise<{ latencyMs: number }> {
    const runner = this.runner(name);
    return this.connection(runner).use(() => runner.ping(timeoutMs));
  }

  servers(): McpServerInfo[] {
    return [...this.runners.values()].map((r) => this.info(r));
  }

  server(name: string): McpServerInfo {
    return this.info(this.runner(name));
  }

  config(name: string): McpServerConfig {
    return this.runner(name).config;
  }

  logs(name: string): McpLogLine[] {
    return this.runner(name).logs();
  }

  counters(): { connected: number; total: number } {
    const all = [...this.runners.values()];
    return { connected: all.filter((r) => r.status === 'connected').length, total: all.length };
  }

  tokens(): McpTokenSummary {
    const total = [...this.runners.values()].reduce((sum, r) => sum + this.toolTokens(r), 0);
    const { tokenBudget: budget, encoding, modelFamily } = this.settings;
    return { total, budget, overBudget: budget > 0 && total > budget, encoding, modelFamily, exact: isExactFor(modelFamily), label: tokenLabel(total, encoding, modelFamily) };
  }

  snapshot(): McpSnapshot {
    return { servers: this.servers(), tokens: this.tokens(), problems: this.problems, trusted: this.trusted };
  }

  /** Forgets cached `${input:…}` values (the next connect asks again). */
  forgetInputs(): void {
    this.inputValues.clear();
  }

  async dispose(): Promise<void> {
    this.stopped = true;
    await this.reloads;
    for (const connection of this.connections.values()) connection.dispose();
    await Promise.all([...this.runners.values()].map((r) => r.stop()));
    this.listeners.clear();
  }

  private runner(name: string): ServerRunner {
    const runner = this.runners.get(name);
    if (!runner) throw new McpFleetError('server_not_found', `no MCP server named "${name}"`);
    return runner;
  }

  private createRunner(config: McpServerConfig): ServerRunner {
    const retry: RetryPolicy = {
      maxAttempts: this.settings.maxAttempts,
      baseDelayMs: this.settings.retryDelayMs,
      maxDelayMs: this.options.maxRetryDelayMs ?? 30_000,
      stableMs: this.options.stableMs ?? 60_000,
    };
    const runner = new ServerRunner({
      config,
      timeoutMs: this.settings.connectTimeoutMs,
      retry,
      logLines: this.options.logLines ?? 500,
      logger: this.options.logger,
      resolve: (c) => resolveLaunch(c, { workspaceDir: this.options.workspaceDir, env: this.options.env ?? process.env, input: (d) => this.input(d, c) }),
      onChange: () => this.changed(runner),
      oauth: this.options.oauth,
      clientCapabilities: this.options.clientCapabilities,
    });
    this.runners.set(config.name, runner);
    this.connections.set(config.name, new OnDemandConnection(runner, connectionModeOf(config, this.settings), () => this.settings.idleDisconnectMs));
    return runner;
  }

  /** Starts a runner unless its entry, the trust state or its `disabled` flag says otherwise. */
  /** `restartReason` forces a fresh start of a server that is already running or retrying. */
  private launch(runner: ServerRunner, restartReason?: string): Promise<void> {
    const { config } = runner;
    if (config.invalid) return runner.stop('error', `invalid configuration: ${config.invalid}`);
    if (config.disabled) return runner.stop('disabled', DISABLED_REASON);
    if (!this.trusted) return runner.stop('disabled', UNTRUSTED_REASON);
    if (!restartReason && runner.status !== 'stopped' && runner.status !== 'disabled') return Promise.resolve();
    return runner.start(restartReason).then(() => this.connection(runner).inspected());
  }

  private connection(runner: ServerRunner): OnDemandConnection {
    return this.connections.get(runner.name)!;
  }

  /** A server's input value, asked once per server and input (one server's value never reaches another). */
  private input(definition: McpInputDefinition, server: McpServerConfig): Promise<string> {
    const key = JSON.stringify([server.name, definition.id]);
    let value = this.inputValues.get(key);
    if (!value) {
      value = this.options.inputResolver.resolve(definition, server);
      value.catch(() => this.inputValues.delete(key));
      this.inputValues.set(key, value);
    }
    return value;
  }

  /** A connected server's `readOnlyHint` / `destructiveHint` for a tool, when it declares them. */
  toolHints(server: string, tool: string): { readOnlyHint?: boolean; destructiveHint?: boolean } | undefined {
    return this.runners.get(server)?.tools.find((t) => t.name === tool)?.annotations;
  }

  private isToolDisabled(server: string, tool: string): boolean {
    return this.settings.disabledTools[server]?.includes(tool) ?? false;
  }

  private toolTokens(runner: ServerRunner): number {
    const counts = this.currentCounts(runner);
    if (!counts) return 0;
    return runner.tools.reduce((sum, t) => sum + (this.isToolDisabled(runner.name, t.name) ? 0 : (counts.perTool.get(t.name) ?? 0)), 0);
  }

  private currentCounts(runner: ServerRunner): ToolCounts | undefined {
    const counts = this.counts.get(runner.name);
    return counts && counts.tools === runner.tools && counts.encoding === this.settings.encoding ? counts : undefined;
  }

  private info(runner: ServerRunner): McpServerInfo {
    const counts = this.currentCounts(runner);
    const tools: McpToolInfo[] = runner.tools.map((t) => ({
      name: t.name,
      tokens: counts?.perTool.get(t.name) ?? 0,
      ...(t.description ? { description: t.description } : {}),
      inputSchema: t.inputSchema as JsonObject,
      disabled: this.isToolDisabled(runner.name, t.name),
    }));
    return {
      name: runner.name,
      transport: runner.transport,
      status: runner.status,
      ...(runner.error ? { error: runner.error } : {}),
      ...(runner.status === 'connected' && runner.connectMs !== undefined ? { connectMs: runner.connectMs } : {}),
      toolTokens: this.toolTokens(runner),
      tokensCounted: runner.tools.length === 0 || counts !== undefined,
      tools,
      resources: runner.resources,
      prompts: runner.prompts,
      source: runner.config.source,
      attempts: runner.attempts,
      ...(runner.retryAt !== undefined ? { retryAt: runner.retryAt } : {}),
      ...(runner.connectedAt !== undefined ? { connectedAt: runner.connectedAt } : {}),
      ...(runner.serverVersion ? { serverVersion: runner.serverVersion } : {}),
      connectionMode: this.connection(runner).connectionMode,
      connectionOpen: runner.connectionOpen,
    };
  }

  private changed(runner: ServerRunner): void {
    if (this.runners.get(runner.name) !== runner) return;
    this.connection(runner).settle();
    if (runner.tools.length > 0 && !this.currentCounts(runner)) void this.count(runner);
    this.emit({ name: 'server', payload: this.info(runner) });
    this.checkBudget();
  }

  /** Counts the tools' tokens off the connect path (the encoder loads on first use). */
  private async count(runner: ServerRunner): Promise<void> {
    const tools = runner.tools;
    const encoding = this.settings.encoding;
    try {
      const perTool = new Map<string, number>();
      for (const tool of tools) perTool.set(tool.name, await this.tokenCounter.countTool(tool, encoding));
      if (runner.tools !== tools || this.settings.encoding !== encoding || this.runners.get(runner.name) !== runner) return;
      this.counts.set(runner.name, { encoding, tools, perTool });
      this.emit({ name: 'server', payload: this.info(runner) });
      this.checkBudget();
    } catch (error) {
      this.options.logger.error(`[mcp ${runner.name}] counting tool tokens failed: ${(error as Error).message}`);
    }
  }

  private checkBudget(): void {
    const summary = this.tokens();
    if (summary.total === this.lastTotal && summary.overBudget === this.overBudget) return;
    this.lastTotal = summary.total;
    this.emit({ name: 'tokens', payload: summary });
    if (summary.overBudget === this.overBudget) return;
    this.overBudget = summary.overBudget;
    if (summary.overBudget) {
      this.options.logger.warn(`MCP tool definitions take ${summary.label}, over the budget of ${summary.budget} (agentMesh.mcp.tokenBudget); disable servers or tools to save context`);
    }
    this.emit({ name: 'budget', payload: summary });
  }

  private emit(event: McpEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (error) {
        this.options.logger.error(`MCP event listener failed: ${(error as Error).message}`);
      }
    }
  }
}
