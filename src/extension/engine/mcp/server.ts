// One configured MCP server: connects (stdio, or Streamable HTTP falling back to SSE), lists what it
// offers, keeps its stderr and protocol errors, and reconnects with capped exponential backoff up to
// a limit — after which it stays in `error` until someone restarts it. Never a restart loop.
import { existsSync } from 'node:fs';
import { UnauthorizedError } from '@modelcontextprotocol/sdk/client/auth.js';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { SSEClientTransport, SseError } from '@modelcontextprotocol/sdk/client/sse.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport, StreamableHTTPError } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import {
  ErrorCode,
  McpError,
  PromptListChangedNotificationSchema,
  ResourceListChangedNotificationSchema,
  ToolListChangedNotificationSchema,
  type CallToolResult,
  type ClientCapabilities,
  type Tool,
} from '@modelcontextprotocol/sdk/types.js';
import type { McpLogLine, McpPromptInfo, McpResourceInfo, McpServerStatus, McpTransportKind } from '../../../shared/mcp';
import type { Logger } from '../log';
import type { McpServerConfig } from './config';
import type { McpOAuth, ServerSignIn } from './oauth';
import type { ResolvedLaunch } from './variables';
import { TokenBucket } from '../tokenBucket';
import { ENGINE_VERSION } from '../version';

const CLIENT_INFO = { name: 'agent-mesh', version: ENGINE_VERSION };
const MAX_LIST_PAGES = 100;
const LAST_STDERR_IN_ERROR = 3;
/** A server's stderr and protocol errors reach the relay's own log in bursts of this many lines, then at the rate below. */
const STDERR_BURST_LINES = 50;
const STDERR_LINES_PER_SECOND = 5;
/** How often the count of lines left out of the relay's log is written there. */
const STDERR_SUMMARY_MS = 2000;
const MAX_RELAY_LOG_LINE = 1000;

/**
 * Copies one server's stderr lines and protocol errors to the relay's log through a token bucket,
 * each line capped; the lines it leaves out are counted and summarised in one line. The server's own
 * log keeps them all.
 */
class ServerLogCopy {
  private readonly bucket = new TokenBucket(STDERR_BURST_LINES, STDERR_LINES_PER_SECOND);
  private leftOut = 0;
  private summaryTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly write: (line: string, level: 'info' | 'warn') => void,
    private readonly keptLines: number,
  ) {}

  offer(line: string, level: 'info' | 'warn' = 'info'): void {
    if (this.bucket.take()) {
      this.write(line.length > MAX_RELAY_LOG_LINE ? `${line.slice(0, MAX_RELAY_LOG_LINE)}… (${line.length - MAX_RELAY_LOG_LINE} more characters)` : line, level);
      return;
    }
    this.leftOut++;
    this.summaryTimer ??= setTimeout(() => this.summarise(), STDERR_SUMMARY_MS).unref();
  }

  /** Writes the count of lines left out so far, if any. */
  summarise(): void {
    clearTimeout(this.summaryTimer);
    this.summaryTimer = undefined;
    if (this.leftOut === 0) return;
    this.write(`${this.leftOut} stderr line${this.leftOut === 1 ? '' : 's'} or protocol errors not copied here (over ${STDERR_LINES_PER_SECOND} lines/s); the server's log keeps its last ${this.keptLines} lines`, 'warn');
    this.leftOut = 0;
  }
}

export interface RetryPolicy {
  /** Attempts in a row (the first included) before the server stays in error. */
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** A connection that stayed up this long resets the attempt count. */
  stableMs: number;
}

export interface ServerRunnerOptions {
  config: McpServerConfig;
  timeoutMs: number;
  retry: RetryPolicy;
  logLines: number;
  resolve(config: McpServerConfig): Promise<ResolvedLaunch>;
  logger: Logger;
  onChange(): void;
  /** Sign-in for remote servers that answer 401; without it a 401 is an error. */
  oauth?: McpOAuth;
  /** What the client declares and answers beyond tools (elicitation, sampling, roots). */
  clientCapabilities?: { declared: ClientCapabilities; install(client: Client, server: string): void };
}

export interface CallOptions {
  signal?: AbortSignal;
  onProgress?: (progress: { progress: number; total?: number; message?: string }) => void;
  timeoutMs: number;
}

/** A failure that retrying cannot fix (missing command, bad variable, missing input, refused authorization). */
class PermanentFailure extends Error {}

/** The HTTP transports, which can trade an authorization code for tokens. */
type SignInTransport = Transport & { finishAuth(code: string): Promise<void> };

/** The server wants a sign-in and the browser was sent to its authorization server. */
class SignInPending extends Error {
  constructor(
    readonly signIn: ServerSignIn,
    private readonly transport: SignInTransport,
  ) {
    super(`sign-in required: finish signing in to "${signIn.serverName}" in the browser`);
  }

  /** Waits for the browser to come back, then trades the code for tokens (kept in the store). */
  async complete(): Promise<void> {
    await this.signIn.finish((code) => this.transport.finishAuth(code));
  }
}

function hasAuthorizationHeader(headers: Record<string, string> | undefined): boolean {
  return Object.keys(headers ?? {}).some((name) => name.toLowerCase() === 'authorization');
}

export class ServerRunner {
  readonly config: McpServerConfig;
  status: McpServerStatus = 'stopped';
  error: string | undefined;
  transport: McpTransportKind;
  connectMs: number | undefined;
  connectedAt: number | undefined;
  retryAt: number | undefined;
  attempts = 0;
  serverVersion: string | undefined;
  tools: Tool[] = [];
  resources: McpResourceInfo[] = [];
  prompts: McpPromptInfo[] = [];

  private readonly log: McpLogLine[] = [];
  private client: Client | undefined;
  /** Bumped by every connect and stop, so callbacks of an older connection are ignored. */
  private generation = 0;
  private retryTimer: NodeJS.Timeout | undefined;
  private stableTimer: NodeJS.Timeout | undefined;
  private stderrRest = '';
  /** stderr of the current attempt only, quoted in its error. */
  private attemptStderr: string[] = [];
  /** Aborts the attempt in flight (closing its transport) when the server is stopped or restarted. */
  private cancelAttempt: (() => void) | undefined;
  private readonly logCopy: ServerLogCopy;
  /** The sign-in waiting for the browser, cancelled when the server is stopped or restarted. */
  private pendingSignIn: ServerSignIn | undefined;
  /** The sign-in of the current connection, when the server signed in. */
  private signIn: ServerSignIn | undefined;
  /** The connection closed mid-session to sign in again: its calls all fail with that sign-in's error. */
  private closedForSignIn: { client: Client; pending: SignInPending } | undefined;

  constructor(private readonly options: ServerRunnerOptions) {
    this.config = options.config;
    this.transport = options.config.type;
    this.logCopy = new ServerLogCopy((line, level) => options.logger[level](`[mcp ${this.name}] ${line}`), options.logLines);
  }

  get name(): string {
    return this.config.name;
  }

  logs(): McpLogLine[] {
    return [...this.log];
  }

  /** Connects now with a fresh attempt count; resolves once this attempt has settled. */
  async start(reason?: string): Promise<void> {
    if (reason) this.event(reason);
    this.cancelTimers();
    this.generation++; // the cancelled attempt must not count as a failure of this one
    this.attempts = 0;
    await this.closeClient();
    await this.connect();
  }

  /** Closes the connection and shows the server as not running, with the reason (user, disabled, untrusted, invalid). */
  async stop(status: 'stopped' | 'disabled' | 'error' = 'stopped', reason?: string): Promise<void> {
    this.cancelTimers();
    this.generation++;
    await this.closeClient();
    this.clearLists();
    this.set({ status, error: reason, retryAt: undefined, connectedAt: undefined });
    this.event(reason ?? status);
  }

  /** Whether a connection (for stdio: the server process) is open now. */
  get connectionOpen(): boolean {
    return this.client !== undefined;
  }

  /** Closes the connection of a connected server but keeps its status and lists: an inspected server between requests. */
  async disconnect(reason: string): Promise<void> {
    if (this.status !== 'connected' || !this.client) return;
    this.cancelTimers();
    this.generation++;
    await this.closeClient();
    this.event(reason);
    this.options.onChange();
  }

  async callTool(tool: string, args: Record<string, unknown>, options: CallOptions): Promise<CallToolResult> {
    const client = this.requireClient();
    const result = await client
      .callTool({ name: tool, arguments: args }, undefined, {
        signal: options.signal,
        timeout: options.timeoutMs,
        resetTimeoutOnProgress: true,
        onprogress: options.onProgress ? (p) => options.onProgress!({ progress: p.progress, total: p.total, message: p.message }) : undefined,
      })
      .catch((error: Error) => {
        throw this.signInMidSession(client, error);
      });
    return result as CallToolResult;
  }

  /**
   * A connected server that stops accepting the tokens (revoked, or a tool that needs more scope)
   * and sent the browser to sign in: the connection is closed and the server waits for the sign-in.
   */
  private signInMidSession(client: Client, error: Error): Error {
    if (this.closedForSignIn?.client === client) return this.closedForSignIn.pending;
    const transport = client.transport as Partial<SignInTransport> | undefined;
    // A call refused together with the one that sent the browser may fail on the SDK's own loop guards.
    if (!(error instanceof UnauthorizedError || httpStatusOf(error) === 401 || httpStatusOf(error) === 403) || !this.signIn?.signInUnderWay || !transport?.finishAuth) return error;
    const pending = new SignInPending(this.signIn, transport as SignInTransport);
    this.generation++;
    this.client = undefined;
    this.cancelTimers();
    this.closedForSignIn = { client, pending };
    this.clearLists();
    void client.close().catch(() => undefined);
    this.waitForSignIn(pending);
    return pending;
  }

  async ping(timeoutMs: number): Promise<{ latencyMs: number }> {
    const client = this.requireClient();
    const started = performance.now();
    await client.ping({ timeout: timeoutMs });
    return { latencyMs: performance.now() - started };
  }

  private requireClient(): Client {
    if (this.status !== 'connected' || !this.client) throw new Error(`server "${this.name}" is ${this.status}${this.error ? `: ${this.error}` : ''}`);
    return this.client;
  }

  private async connect(): Promise<void> {
    const generation = ++this.generation;
    const { maxAttempts } = this.options.retry;
    this.set({ status: 'connecting', retryAt: undefined });
    this.event(`connecting (attempt ${this.attempts + 1} of ${maxAttempts})`);
    let launch: ResolvedLaunch;
    try {
      launch = await this.options.resolve(this.config);
    } catch (error) {
      if (generation === this.generation) this.failed(new PermanentFailure((error as Error).message));
      return;
    }
    if (generation !== this.generation) return;
    const timeoutMs = this.config.timeoutMs ?? this.options.timeoutMs;
    const started = performance.now();
    const abort = new AbortController();
    let opening: Transport | undefined;
    let timer: NodeJS.Timeout | undefined;
    this.stderrRest = '';
    this.attemptStderr = [];
    this.cancelAttempt = () => {
      abort.abort();
      void opening?.close().catch(() => undefined);
    };
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        reject(new Error(`no answer to initialize within ${timeoutMs} ms`));
        abort.abort();
        void opening?.close().catch(() => undefined);
      }, timeoutMs);
    });
    try {
      const client = await Promise.race([this.open(launch, generation, abort.signal, timeoutMs, (t) => (opening = t)), deadline]);
      if (generation !== this.generation) {
        await client.close().catch(() => undefined);
        return;
      }
      this.client = client;
      // A server may let initialize through and ask for a sign-in at the first list.
      const listed = this.refreshLists(client, abort.signal).catch((error: Error) => {
        throw authorizationFailure(error, this.signIn, client.transport as SignInTransport);
      });
      await Promise.race([listed, deadline]);
      if (generation !== this.generation) return;
      this.connectMs = Math.round(performance.now() - started);
      const version = client.getServerVersion();
      this.serverVersion = version ? `${version.name} ${version.version}` : undefined;
      this.options.oauth?.connected(this.name);
      this.set({ status: 'connected', error: undefined, connectedAt: Date.now() });
      this.event(`connected over ${this.transport} in ${this.connectMs} ms: ${this.tools.length} tools, ${this.resources.length} resources, ${this.prompts.length} prompts`);
      this.stableTimer = setTimeout(() => (this.attempts = 0), this.options.retry.stableMs).unref();
    } catch (error) {
      if (generation !== this.generation) return;
      abort.abort();
      await this.closeClient();
      this.failed(error as Error);
    } finally {
      clearTimeout(timer);
      if (generation === this.generation) this.cancelAttempt = undefined;
    }
  }

  /** Opens the transport and initializes; Streamable HTTP falls back to SSE on a 4xx answer. */
  private async open(launch: ResolvedLaunch, generation: number, signal: AbortSignal, timeoutMs: number, track: (t: Transport) => void): Promise<Client> {
    // The SDK's own request timeout stays above ours, so the clearer message above wins.
    const requestOptions = { signal, timeout: timeoutMs + 1000 };
    if (this.config.type === 'stdio') {
      if (launch.cwd && !existsSync(launch.cwd)) throw new PermanentFailure(`working directory ${launch.cwd} does not exist`);
      // `undefined` entries (variables the entry removed) override the SDK's defaults and are left out by spawn.
      const transport = new StdioClientTransport({ command: launch.command!, args: launch.args, env: launch.env as Record<string, string>, cwd: launch.cwd, stderr: 'pipe' });
      transport.stderr?.on('data', (chunk: Buffer) => this.onStderr(chunk, generation));
      track(transport);
      this.transport = 'stdio';
      return this.initialize(transport, generation, requestOptions).catch((error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT' || error.code === 'EACCES') {
          throw new PermanentFailure(`cannot run "${launch.command}": ${error.code === 'ENOENT' ? 'command not found' : 'permission denied'}`);
        }
        throw error;
      });
    }
    const url = new URL(launch.url!);
    const requestInit: RequestInit = { headers: launch.headers };
    // An entry that sets its own Authorization header signs in by itself.
    const authProvider = this.options.oauth && !hasAuthorizationHeader(launch.headers) ? await this.options.oauth.session(this.name, url.href) : undefined;
    this.signIn = authProvider;
    const fetch = authProvider?.fetch;
    const authorized = (transport: SignInTransport) =>
      this.initialize(transport, generation, requestOptions).catch((error: Error) => {
        throw authorizationFailure(error, authProvider, transport);
      });
    if (this.config.type === 'sse') {
      const transport = new SSEClientTransport(url, { requestInit, authProvider, fetch });
      track(transport);
      this.transport = 'sse';
      return authorized(transport);
    }
    const streamable = new StreamableHTTPClientTransport(url, { requestInit, authProvider, fetch });
    track(streamable);
    this.transport = 'http';
    try {
      return await authorized(streamable);
    } catch (error) {
      const status = error instanceof StreamableHTTPError ? error.code : undefined;
      if (status === undefined || status < 400 || status >= 500 || signal.aborted) throw error;
      this.event(`Streamable HTTP answered ${status}; trying the HTTP+SSE transport`);
      const sse = new SSEClientTransport(url, { requestInit, authProvider, fetch });
      track(sse);
      this.transport = 'sse';
      return authorized(sse);
    }
  }

  private async initialize(transport: Transport, generation: number, options: { signal: AbortSignal; timeout: number }): Promise<Client> {
    const client = new Client(CLIENT_INFO, { capabilities: this.options.clientCapabilities?.declared ?? {} });
    client.onerror = (error) => {
      if (generation !== this.generation) return;
      this.append('error', error.message);
      this.logCopy.offer(`protocol error: ${error.message}`, 'warn');
    };
    client.onclose = () => {
      if (generation === this.generation && this.status === 'connected') this.dropped();
    };
    this.options.clientCapabilities?.install(client, this.name);
    await client.connect(transport, options);
    for (const [schema, refresh] of [
      [ToolListChangedNotificationSchema, 'tools'],
      [ResourceListChangedNotificationSchema, 'resources'],
      [PromptListChangedNotificationSchema, 'prompts'],
    ] as const) {
      client.setNotificationHandler(schema, async () => {
        if (generation !== this.generation) return;
        try {
          await this.refreshLists(client, undefined, refresh);
          this.options.onChange();
        } catch (error) {
          this.append('error', `refreshing ${refresh} failed: ${(error as Error).message}`);
        }
      });
    }
    return client;
  }

  private async refreshLists(client: Client, signal: AbortSignal | undefined, only?: 'tools' | 'resources' | 'prompts'): Promise<void> {
    const capabilities = client.getServerCapabilities() ?? {};
    const options = signal ? { signal } : undefined;
    if ((!only || only === 'tools') && capabilities.tools) {
      this.tools = await paginate((cursor) => client.listTools({ cursor }, options), (page) => page.tools);
    }
    // Resources and prompts are informative: a server that fails to list them still works.
    if ((!only || only === 'resources') && capabilities.resources) {
      try {
        const resources = await paginate((cursor) => client.listResources({ cursor }, options), (page) => page.resources);
        this.resources = resources.map((r) => ({ uri: r.uri, name: r.name, ...(r.mimeType ? { mimeType: r.mimeType } : {}) }));
      } catch (error) {
        this.append('error', `resources/list failed: ${(error as Error).message}`);
      }
    }
    if ((!only || only === 'prompts') && capabilities.prompts) {
      try {
        const prompts = await paginate((cursor) => client.listPrompts({ cursor }, options), (page) => page.prompts);
        this.prompts = prompts.map((p) => ({ name: p.name, ...(p.description ? { description: p.description } : {}) }));
      } catch (error) {
        this.append('error', `prompts/list failed: ${(error as Error).message}`);
      }
    }
  }

  /** The connection of a connected server closed without being asked to. */
  private dropped(): void {
    this.generation++;
    this.client = undefined;
    this.cancelTimers();
    this.clearLists();
    this.failed(new Error(this.config.type === 'stdio' ? 'the server process exited' : 'the connection closed'));
  }

  private failed(error: Error): void {
    if (error instanceof SignInPending) return this.waitForSignIn(error);
    this.attempts++;
    const message = this.describe(error);
    const { maxAttempts, baseDelayMs, maxDelayMs } = this.options.retry;
    this.connectedAt = undefined;
    if (error instanceof PermanentFailure || this.attempts >= maxAttempts) {
      const final = error instanceof PermanentFailure ? message : `${message} (gave up after ${this.attempts} attempts; restart the server to try again)`;
      this.set({ status: 'error', error: final, retryAt: undefined });
      this.event(final, 'error');
      this.options.logger.error(`[mcp ${this.name}] ${final}`);
      return;
    }
    const delay = Math.min(baseDelayMs * 2 ** (this.attempts - 1), maxDelayMs);
    this.set({ status: 'error', error: message, retryAt: Date.now() + delay });
    this.event(`${message}; retrying in ${delay} ms`, 'error');
    this.options.logger.warn(`[mcp ${this.name}] ${message}; retrying in ${delay} ms (attempt ${this.attempts} of ${maxAttempts} failed)`);
    const generation = this.generation;
    this.retryTimer = setTimeout(() => {
      if (generation === this.generation) void this.connect();
    }, delay);
    this.retryTimer.unref();
  }

  /** Shows the server as waiting for the person to sign in, and connects once they have. */
  private waitForSignIn(pending: SignInPending): void {
    const generation = this.generation;
    this.pendingSignIn = pending.signIn;
    this.set({ status: 'error', error: pending.message, retryAt: undefined, connectedAt: undefined });
    this.event(pending.message);
    pending.complete().then(
      () => {
        if (generation === this.generation) void this.start('signed in');
      },
      (error: Error) => {
        if (generation !== this.generation) return;
        const message = `sign-in failed: ${error.message}`;
        this.set({ status: 'error', error: message });
        this.event(message, 'error');
        this.options.logger.error(`[mcp ${this.name}] ${message}`);
      },
    );
  }

  private describe(error: Error): string {
    let message = error.message;
    if (error instanceof McpError && error.code === ErrorCode.ConnectionClosed) {
      message = this.config.type === 'stdio' ? 'the server process exited before answering initialize' : 'the connection closed during initialize';
    }
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    if (cause && (cause.code || cause.message) && !message.includes(cause.code ?? cause.message!)) message += ` (${cause.code ?? cause.message})`;
    const stderr = this.attemptStderr.slice(-LAST_STDERR_IN_ERROR);
    if (stderr.length > 0) message += ` — stderr: ${stderr.join(' | ')}`;
    return message;
  }

  private onStderr(chunk: Buffer, generation: number): void {
    const text = this.stderrRest + chunk.toString('utf8');
    const lines = text.split(/\r?\n/);
    this.stderrRest = lines.pop() ?? '';
    if (this.stderrRest.length > 4096) {
      lines.push(this.stderrRest);
      this.stderrRest = '';
    }
    for (const line of lines) {
      if (line.trim() === '') continue;
      this.append('stderr', line);
      if (generation !== this.generation) continue;
      this.attemptStderr.push(line);
      if (this.attemptStderr.length > LAST_STDERR_IN_ERROR) this.attemptStderr.shift();
      this.logCopy.offer(line);
    }
  }

  private event(text: string, stream: 'event' | 'error' = 'event'): void {
    this.append(stream, text);
  }

  private append(stream: McpLogLine['stream'], text: string): void {
    this.log.push({ t: Date.now(), stream, text });
    if (this.log.length > this.options.logLines) this.log.splice(0, this.log.length - this.options.logLines);
  }

  private set(patch: Partial<Pick<ServerRunner, 'status' | 'error' | 'retryAt' | 'connectedAt'>>): void {
    Object.assign(this, patch);
    this.options.onChange();
  }

  private clearLists(): void {
    this.tools = [];
    this.resources = [];
    this.prompts = [];
  }

  private cancelTimers(): void {
    this.pendingSignIn?.cancel();
    this.pendingSignIn = undefined;
    this.closedForSignIn = undefined;
    this.logCopy.summarise();
    this.cancelAttempt?.();
    this.cancelAttempt = undefined;
    clearTimeout(this.retryTimer);
    clearTimeout(this.stableTimer);
    this.retryTimer = undefined;
    this.stableTimer = undefined;
  }

  private async closeClient(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    if (client) await client.close().catch(() => undefined);
  }
}

/**
 * What an authorization problem of a connect becomes: a sign-in to wait for, or an error that says
 * it is about authorization (never retried, and never a reason to try the SSE transport).
 */
function authorizationFailure(error: Error, signIn: ServerSignIn | undefined, transport: SignInTransport): Error {
  if (error instanceof UnauthorizedError && signIn?.signInUnderWay) return new SignInPending(signIn, transport);
  const status = httpStatusOf(error);
  if (status === 401 || error instanceof UnauthorizedError) {
    const how = signIn ? 'sign in again from the server\'s menu' : 'check the Authorization header of its entry';
    return new PermanentFailure(`authorization failed: the server answered 401 Unauthorized (${how})`);
  }
  if (status === 403) return new PermanentFailure('authorization failed: the server answered 403 Forbidden (the account or token lacks access)');
  if (signIn?.authorizing) return new PermanentFailure(`authorization failed: ${error.message}`);
  return error;
}

function httpStatusOf(error: Error): number | undefined {
  return error instanceof StreamableHTTPError || error instanceof SseError ? error.code : undefined;
}

async function paginate<P extends { nextCursor?: string }, T>(fetchPage: (cursor: string | undefined) => Promise<P>, items: (page: P) => T[]): Promise<T[]> {
  const all: T[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < MAX_LIST_PAGES; page++) {
    const result = await fetchPage(cursor);
    all.push(...items(result));
    cursor = result.nextCursor;
    if (!cursor) return all;
  }
  throw new Error(`more than ${MAX_LIST_PAGES} pages of results`);
}
