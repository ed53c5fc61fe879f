import path from 'node:path';
import type { HealthBody } from '../../shared/api';
import { eventFrame, type ChannelEvent, type ChannelEventMap, type ChannelEventName, type ChannelSnapshot } from '../../shared/channelEvents';
import type { ClientFrame, EventChannel } from '../../shared/protocol';
import type { Budgets } from '../../shared/costs';
import { ApprovalFrameIntake } from './approvals/intake';
import type { ApprovalQueue } from './approvals/queue';
import { registerApprovalRoutes } from './approvals/routes';
import { createApprovalQueue, createApprovalStore, thresholdsFrom } from './approvals/setup';
import type { ApprovalStore } from './approvals/store';
import type { Settings } from './config/settings';
import { HookIntake, type HookSettings } from './hooks/intake';
import { registerHookRoutes } from './hooks/routes';
import { registerCostRoutes } from './costs/routes';
import { AlertMonitor, scheduleEvaluations } from './alerts/monitor';
import { registerAlertRoutes } from './alerts/routes';
import { createHistoryStore } from './history/createStore';
import type { HistoryStore } from './history/store';
import { recordHistory } from './history/recorder';
import { registerHistoryRoutes } from './history/routes';
import { HistoryService } from './history/service';
import { LogCatalogue } from './logs/catalogue';
import { registerLogRoutes } from './logs/routes';
import { HookRules } from './hooks/rules';
import { SessionTracker } from './hooks/sessions';
import { createSessionStore } from './hooks/sessionStores';
import type { SessionStore } from './hooks/sessionStore';
import { registerBuiltInMcpServer, type BuiltInMcpServer } from './mcpServer/server';
import { TaskFrameIntake } from './tasks/intake';
import { registerTaskRoutes } from './tasks/routes';
import { taskLimitsFrom, TaskService } from './tasks/taskService';
import type { Logger } from './log';
import { McpClientCapabilities, workspaceRoots, type RootsSource, type Sampler } from './mcp/clientCapabilities';
import { McpFleet } from './mcp/fleet';
import { McpOAuth, printSignInAddress, type McpOAuthOptions } from './mcp/oauth';
import { FileSecretStore, type SecretStore } from './mcp/oauthTokens';
import { registerMcpRoutes } from './mcp/routes';
import { describeDevMode } from './mcp/config';
import { loadMcpConfig, mcpFleetSettings, mcpJsonPath, watchMcpJson, type McpSettingBlocks } from './mcp/sources';
import { ToolCallFrameIntake } from './mcp/toolCallFrames';
import { RunningToolCalls } from './mcp/toolCalls';
import { envInputResolver, type InputResolver } from './mcp/variables';
import { MeshMonitor, meshOptions } from './mesh/monitor';
import { registerMeshRoutes } from './mesh/routes';
import { registerDashboardRoutes } from './relay/dashboardRoutes';
import { Hub, type HubClient } from './relay/hub';
import { Router } from './relay/router';
import { RelayServer } from './relay/server';
import { Metrics } from './metrics';
import { registerOperationsMetrics } from './operationsMetrics';
import { RedisConnections } from './redis/connections';
import { createStateStore } from './state/createStore';
import { Recoveries } from './state/recoveries';
import { StateRelay } from './state/stateRelay';
import { registerStateRoutes } from './state/stateRoutes';
import { StateService } from './state/stateService';
import type { StateStore } from './state/store';
import { registerWidgetRoutes } from './widgets/routes';
import { ENGINE_VERSION } from './version';
import { WidgetService } from './widgets/service';

export { ENGINE_VERSION } from './version';

function hookSettingsFrom(settings: Settings): HookSettings {
  return {
    decisionTimeoutSeconds: settings['agentMesh.hooks.decisionTimeoutSeconds'],
    onTimeout: settings['agentMesh.hooks.onTimeout'],
    thresholds: thresholdsFrom(settings),
  };
}

/** `agentMesh.logs.directories` as absolute folders; a relative one needs a workspace folder. */
function logDirectoriesFrom(settings: Settings, workspaceDir: string | undefined): string[] {
  return settings['agentMesh.logs.directories'].flatMap((folder) => (path.isAbsolute(folder) ? [folder] : workspaceDir ? [path.resolve(workspaceDir, folder)] : []));
}

/** The stores the settings choose, sharing one set of Redis connections when a Redis URL is set. */
interface Stores {
  redis: RedisConnections | undefined;
  state: StateStore;
  approvals: ApprovalStore;
  sessions: SessionStore;
  history: HistoryStore;
}

export interface EngineOptions {
  settings: Settings;
  /** The relay token; never logged. */
  token: string;
  /** Where the embedded store keeps its files. */
  dataDir: string;
  /** The extension's root folder (dist/ and media/ beneath it), for the browser dashboard. */
  extensionRoot: string;
  /** The workspace folder (where `.vscode/mcp.json` lives); absent when none is open. */
  workspaceDir?: string;
  logger: Logger;
  /** Overrides the store chosen from the settings (tests). */
  store?: StateStore;
  mcp?: {
    /** Workspace trust (default true): untrusted workspaces start no MCP server. */
    trusted?: boolean;
    /** Supplies `${input:id}` values (default: `AGENT_MESH_INPUT_<ID>` environment variables). */
    inputResolver?: InputResolver;
    /** Poll the mcp.json files and reload on change (headless; VS Code uses its own watcher). */
    watchConfig?: boolean;
    /** Where sign-ins to remote servers are kept (default: `mcp-oauth.json` in the data dir, mode 0600). */
    secrets?: SecretStore;
    /** How the person is sent to sign in (default: the address printed in the log). */
    openBrowser?: McpOAuthOptions['openBrowser'];
    /** Answers servers' sampling requests once the person approves them (VS Code: its language models); absent, they are declined. */
    sampler?: Sampler;
    /** The roots servers are told about (default: the workspace folder). */
    roots?: RootsSource;
    /** The user profile's mcp.json, read after the workspace's servers. */
    userConfigFile?: string;
    /** VS Code's `mcp` setting at the workspace and user scopes (read at every reload). */
    mcpSetting?: () => McpSettingBlocks;
  };
}

/**
 * The host-agnostic core: relay, dashboard state, MCP fleet, mesh health, approvals, tasks and
 * widgets. VS Code and the headless CLI both build exactly this.
 */
export class Engine {
  readonly router = new Router();
  readonly hub: Hub;
  readonly state: StateService;
  /** The Prometheus registry behind GET /metrics; capabilities may register their own metrics on it. */
  readonly metrics = new Metrics();
  private readonly stateRelay: StateRelay;
  readonly mesh: MeshMonitor;
  readonly widgets: WidgetService;
  readonly mcp: McpFleet;
  private readonly toolCalls: RunningToolCalls;
  private readonly toolCallFrames: ToolCallFrameIntake;
  readonly approvals: ApprovalQueue;
  readonly tasks: TaskService;
  readonly hookRules: HookRules;
  readonly hooks: HookIntake;
  readonly sessions: SessionTracker;
  private costBudgets: Budgets;
  private logDirectories: string[];
  readonly alerts = new AlertMonitor();
  private readonly stopAlerts: () => void;
  readonly history: HistoryService;
  private readonly stopHistory: () => void;
  private readonly approvalFrames: ApprovalFrameIntake;
  private readonly builtInMcp: BuiltInMcpServer;
  private readonly taskFrames: TaskFrameIntake;
  private mcpSettings: Settings;
  private readonly mcpCapabilities: McpClientCapabilities;
  private stopWatchingMcp: (() => void) | undefined;
  private relay: RelayServer | undefined;
  /** Why the relay is not listening (its new address could not be bound); undefined while it listens. */
  private relayProblem: string | undefined;
  private readonly relayProblemListeners = new Set<() => void>();
  private readonly snapshots = new Map<EventChannel, () => ChannelSnapshot<EventChannel>>();
  /** The damaged data files found at start and set aside. */
  private readonly recoveries = new Recoveries();
  private readonly stopOperationsMetrics: () => void;
  /** The Redis connections of every store, when `agentMesh.state.redisUrl` is set. */
  private redis: RedisConnections | undefined;
  private metricsRequireAuth: boolean;

  private constructor(private readonly options: EngineOptions) {
    const stores = this.openStores(options.settings, options.store);
    this.redis = stores.redis;
    this.metricsRequireAuth = options.settings['agentMesh.metrics.requireAuth'];
    this.state = new StateService(stores.state, options.logger, {
      observeSave: (seconds, ok) => this.metrics.storeWriteLatency.observe({ store: this.state.storeKind, outcome: ok ? 'ok' : 'error' }, seconds),
    });
    this.hub = new Hub(
      options.logger,
      (client, frame) => this.onFrame(client, frame),
      (client) => {
        client.send({ type: 'hello', deviceId: client.deviceId, serverVersion: ENGINE_VERSION });
        this.stateRelay.greet(client);
      },
      this.metrics,
    );
    this.stateRelay = new StateRelay(this.state, this.hub, this.metrics);
    this.router.add('GET', '/health', () => this.health(), { isPublic: true });
    this.router.add(
      'GET',
      '/metrics',
      async ({ res }) => {
        const { contentType, body } = await this.metrics.render();
        res.writeHead(200, { 'content-type': contentType, 'cache-control': 'no-store' });
        res.end(body);
      },
      { isPublic: () => !this.metricsRequireAuth },
    );
    registerStateRoutes(this.router, this.state);
    registerDashboardRoutes(this.router, options.token, options.extensionRoot);

    // MCP agents of the mesh are pinged through the fleet (built below; called only once the mesh runs).
    this.mesh = new MeshMonitor(meshOptions(options.settings), { logger: options.logger, mcp: { ping: (name, timeoutMs) => this.mcp.ping(name, timeoutMs) } });
    this.provideSnapshot('mesh', () => this.mesh.snapshot());
    this.mesh.onUpdate((snapshot) => this.publish('mesh', 'update', snapshot));
    this.mesh.onTransition((transition) => this.publish('mesh', 'transition', transition));
    registerMeshRoutes(this.router, this.mesh);

    this.widgets = new WidgetService(
      path.join(options.dataDir, 'widgets.json'),
      options.logger,
      (event) => this.publishEvent('widgets', event),
      this.recoveries,
    );
    this.provideSnapshot('widgets', () => this.widgets.snapshot());
    registerWidgetRoutes(this.router, this.widgets);

    this.mcpSettings = options.settings;
    this.mcpCapabilities = new McpClientCapabilities({
      queue: () => this.approvals,
      logger: options.logger,
      roots: options.mcp?.roots ?? workspaceRoots(options.workspaceDir),
      sampler: options.mcp?.sampler,
      timeoutMs: () => this.mcpSettings['agentMesh.mcp.elicitationTimeoutSeconds'] * 1000,
    });
    this.mcp = new McpFleet({
      clientCapabilities: this.mcpCapabilities,
      settings: mcpFleetSettings(options.settings),
      trusted: options.mcp?.trusted ?? true,
      inputResolver: options.mcp?.inputResolver ?? envInputResolver(),
      logger: options.logger,
      workspaceDir: options.workspaceDir,
      oauth: new McpOAuth({
        secrets: options.mcp?.secrets ?? new FileSecretStore(path.join(options.dataDir, 'mcp-oauth.json')),
        logger: options.logger,
        openBrowser: options.mcp?.openBrowser ?? printSignInAddress(options.logger),
        clientIds: () => this.mcpSettings['agentMesh.mcp.oauthClientIds'],
        clientMetadataUrl: () => this.mcpSettings['agentMesh.mcp.oauthClientMetadataUrl'],
      }),
    });
    this.provideSnapshot('mcp', () => this.mcp.snapshot());
    this.mcp.onEvent((event) => this.publishEvent('mcp', event));
    this.toolCalls = new RunningToolCalls(this.mcp);
    this.toolCallFrames = new ToolCallFrameIntake(this.toolCalls);
    registerMcpRoutes(this.router, this.mcp, this.toolCalls);

    this.approvals = createApprovalQueue({ ...options, store: stores.approvals });
    this.approvals.onChange((approval) => this.publish('approvals', 'upsert', approval));
    this.approvals.onRulesChange((rules) => this.publish('approvals', 'rules', rules));
    this.provideSnapshot('approvals', () => this.approvals.snapshot());
    registerApprovalRoutes(this.router, this.approvals);
    this.approvalFrames = new ApprovalFrameIntake(this.approvals, options.logger);

    this.tasks = new TaskService({
      maxActivePerAgent: options.settings['agentMesh.tasks.maxActivePerAgent'],
      limits: taskLimitsFrom(options.settings),
      persist: { file: path.join(options.dataDir, 'tasks.json'), logger: options.logger, recoveries: this.recoveries },
    });
    this.tasks.onEvent((event) =>
      event.kind === 'upsert' ? this.publish('tasks', 'upsert', event.task) : this.publish('tasks', 'removed', { id: event.id }),
    );
    this.provideSnapshot('tasks', () => this.tasks.snapshot());
    registerTaskRoutes(this.router, this.tasks);
    this.taskFrames = new TaskFrameIntake(this.tasks, options.logger);

    this.hookRules = new HookRules(path.join(options.dataDir, 'hook-rules.json'), options.logger, options.workspaceDir);
    this.hookRules.onChange((rules) => this.publish('approvals', 'hook-rules', rules));
    this.sessions = new SessionTracker(stores.sessions, options.logger, options.settings['agentMesh.hooks.sessionRetentionDays']);
    this.sessions.onChange((session) => this.publish('sessions', 'upsert', session));
    this.provideSnapshot('sessions', () => ({ sessions: this.sessions.list() }));
    this.stopOperationsMetrics = registerOperationsMetrics(this.metrics.registry, { approvals: this.approvals, sessions: this.sessions, mcp: this.mcp, mesh: this.mesh });
    this.hooks = new HookIntake({
      queue: this.approvals,
      rules: this.hookRules,
      sessions: this.sessions,
      logger: options.logger,
      settings: hookSettingsFrom(options.settings),
      workspaceDir: options.workspaceDir,
      trusted: options.mcp?.trusted ?? true,
      mcpHints: (server, tool) => this.mcp.toolHints(server, tool),
    });
    registerHookRoutes(this.router, this.hooks, this.hookRules, this.sessions);
    this.costBudgets = options.settings['agentMesh.costs.budgets'];
    registerCostRoutes(this.router, this.sessions, () => this.costBudgets);
    const evaluateAlerts = (): void => void this.alerts.evaluate({ sessions: this.sessions.list(), budgets: this.costBudgets, tasks: this.tasks.list(), now: Date.now() });
    this.alerts.onEvent(({ kind, alert }) => this.publish('alerts', kind, alert));
    this.provideSnapshot('alerts', () => ({ alerts: this.alerts.list() }));
    registerAlertRoutes(this.router, this.alerts, evaluateAlerts);
    this.logDirectories = logDirectoriesFrom(options.settings, options.workspaceDir);
    registerLogRoutes(this.router, new LogCatalogue({ sessions: () => this.sessions.list(), directories: () => this.logDirectories }));
    this.stopAlerts = scheduleEvaluations(evaluateAlerts, (listener) => {
      const stopSessions = this.sessions.onChange(listener);
      const stopTasks = this.tasks.onEvent(listener);
      return () => {
        stopSessions();
        stopTasks();
      };
    });

    this.history = new HistoryService(stores.history, options.logger, options.settings['agentMesh.history.retentionDays']);
    this.history.onRecorded((record) => this.publish('history', 'recorded', record));
    this.provideSnapshot('history', () => ({ store: this.history.kind }));
    registerHistoryRoutes(this.router, this.history);
    this.stopHistory = recordHistory(
      this.history,
      {
        tasks: (listener) => this.tasks.onEvent(listener),
        approvals: (listener) => this.approvals.onChange(listener),
        sessions: (listener) => this.sessions.onChange(listener),
        alerts: (listener) => this.alerts.onEvent(listener),
      },
      options.logger,
    );

    this.builtInMcp = registerBuiltInMcpServer(this.router, { approvals: this.approvals, tasks: this.tasks, widgets: this.widgets, logger: options.logger, version: ENGINE_VERSION });
  }

  /** The stores these settings choose, on new Redis connections (or none); opens nothing yet. Throws for a Redis URL the connections refuse. */
  private openStores(settings: Settings, stateStore?: StateStore): Stores {
    const redisUrl = settings['agentMesh.state.redisUrl'];
    const redis = redisUrl ? new RedisConnections(redisUrl, this.options.logger) : undefined;
    const from = { ...this.options, settings, recoveries: this.recoveries, redis };
    return { redis, state: stateStore ?? createStateStore(from), approvals: createApprovalStore(from), sessions: createSessionStore(from), history: createHistoryStore(from) };
  }

  /**
   * Moves every store (dashboard state, approvals, sessions, history) to what these settings choose
   * — another Redis URL, workspace id, user or TTL — inside this engine: the relay keeps listening,
   * MCP servers keep their connections, and views stay attached to the same services, whose open
   * dashboards get fresh snapshots. Each service carries what it holds into its new store as its
   * `replaceStore` says. A Redis that does not answer leaves the stores degraded, as an outage
   * does, with `condition()` and /health saying why; a store that fails to open is reported after
   * the others have moved.
   */
  async restartStores(settings: Settings): Promise<void> {
    const stores = this.openStores(settings);
    const failures: string[] = [];
    const move = async (what: string, replace: () => Promise<void>) =>
      replace().catch((error: unknown) => {
        failures.push(`${what}: ${(error as Error).message}`);
      });
    await move('dashboard state', () => this.state.replaceStore(stores.state));
    await move('approvals', () => this.approvals.replaceStore(stores.approvals));
    await move('sessions', () => this.sessions.replaceStore(stores.sessions));
    await move('history', () => this.history.replaceStore(stores.history));
    // The old connections' clients were closed by the stores that opened them.
    this.redis = stores.redis;
    for (const channel of ['approvals', 'sessions', 'history'] as const) this.publishSnapshot(channel);
    if (failures.length > 0) throw new Error(`some stores could not move: ${failures.join('; ')}`);
  }

  /** Applies `agentMesh.metrics.requireAuth` to the /metrics route from its next request. */
  configureMetrics(settings: Settings): void {
    this.metricsRequireAuth = settings['agentMesh.metrics.requireAuth'];
  }

  /** Applies changed approval and task settings without restarting the relay. */
  configureHumanLoop(settings: Settings): void {
    this.approvals.configure(thresholdsFrom(settings));
    this.tasks.configure(settings['agentMesh.tasks.maxActivePerAgent'], taskLimitsFrom(settings));
    this.hooks.configure(hookSettingsFrom(settings));
    this.sessions.configure(settings['agentMesh.hooks.sessionRetentionDays']);
    this.costBudgets = settings['agentMesh.costs.budgets'];
    this.logDirectories = logDirectoriesFrom(settings, this.options.workspaceDir);
    this.history.configure(settings['agentMesh.history.retentionDays']);
  }

  static async start(options: EngineOptions): Promise<Engine> {
    const engine = new Engine(options);
    await engine.state.load();
    await engine.widgets.load();
    await engine.tasks.load();
    await engine.approvals.load();
    await engine.hookRules.load();
    await engine.sessions.load();
    // A long history loads while the relay starts: records and queries wait for it.
    void engine.history.load();
    await engine.listen(options.settings);
    engine.mesh.start();
    // MCP servers connect in the background: the relay never waits for them.
    void engine.reloadMcp();
    if (options.mcp?.watchConfig) {
      const files = [options.workspaceDir && mcpJsonPath(options.workspaceDir), options.mcp.userConfigFile].filter((file): file is string => !!file);
      const stops = files.map((file) => watchMcpJson(file, () => void engine.reloadMcp()));
      engine.stopWatchingMcp = () => stops.forEach((stop) => stop());
    }
    return engine;
  }

  /**
   * Moves the relay to the address in these settings (host, port, allowed hosts): dashboards and
   * agents reconnect, while the stores, MCP servers and every listener on the engine stay. When the
   * new address cannot be bound, the relay stays stopped and says so in `condition()`.
   */
  async restartRelay(settings: Settings): Promise<void> {
    await this.relay?.close();
    this.relay = undefined;
    await this.listen(settings);
  }

  private async listen(settings: Settings): Promise<void> {
    const host = settings['agentMesh.relay.host'];
    const port = settings['agentMesh.relay.port'];
    const relay = new RelayServer({
      host,
      port,
      allowedHosts: settings['agentMesh.relay.allowedHosts'],
      token: this.options.token,
      router: this.router,
      hub: this.hub,
      logger: this.options.logger,
    });
    try {
      await relay.listen();
    } catch (error) {
      this.setRelayProblem(`cannot listen on ${host}:${port} (${(error as Error).message})`);
      throw error;
    }
    this.relay = relay;
    this.setRelayProblem(undefined);
    this.options.logger.info(`relay listening on ${relay.url}`);
  }

  private setRelayProblem(problem: string | undefined): void {
    if (problem === this.relayProblem) return;
    this.relayProblem = problem;
    for (const listener of this.relayProblemListeners) listener();
  }

  /**
   * Declares what a dashboard receives when it subscribes to a channel: an `event` named
   * `snapshot` with this payload, followed by the channel's live events.
   */
  provideSnapshot<C extends EventChannel>(channel: C, snapshot: () => ChannelSnapshot<C>): void {
    this.snapshots.set(channel, snapshot);
  }

  /** Sends the channel's snapshot again to every dashboard subscribed to it, which replaces its copy. */
  private publishSnapshot(channel: EventChannel): void {
    const snapshot = this.snapshots.get(channel);
    if (snapshot) this.hub.publish(channel, 'snapshot', snapshot());
  }

  /** Sends an event to every dashboard subscribed to the channel. */
  publish<C extends EventChannel, N extends ChannelEventName<C>>(channel: C, name: N, payload: ChannelEventMap[C][N]): void {
    this.hub.publish(channel, name, payload);
  }

  /** Publishes an event a service emitted already in the channel's `{ name, payload }` shape. */
  private publishEvent<C extends EventChannel>(channel: C, event: ChannelEvent<C>): void {
    this.hub.publish(channel, event.name, event.payload);
  }

  /** Re-reads `.vscode/mcp.json` and the MCP settings; only servers whose entry changed restart. */
  async reloadMcp(settings: Settings = this.mcpSettings): Promise<void> {
    this.mcpSettings = settings;
    try {
      this.mcp.configure(mcpFleetSettings(settings));
      const config = await loadMcpConfig({
        workspaceDir: this.options.workspaceDir,
        userConfigFile: this.options.mcp?.userConfigFile,
        mcpSetting: this.options.mcp?.mcpSetting?.(),
        servers: settings['agentMesh.mcp.servers'],
        serverOptions: settings['agentMesh.mcp.serverOptions'],
      });
      for (const server of config.servers.filter((s) => s.dev)) {
        this.options.logger.info(`MCP server "${server.name}" asks for development mode (${describeDevMode(server.dev!)}), which VS Code applies; Agent Mesh runs it without watching or debugging`);
      }
      await this.mcp.reload(config);
    } catch (error) {
      this.options.logger.error(`reloading the MCP configuration failed: ${(error as Error).message}`);
    }
  }

  /** Whether the relay listens (false after its new address could not be bound). */
  get listening(): boolean {
    return this.relay !== undefined;
  }

  get url(): string {
    if (!this.relay) throw new Error(`the relay is not listening${this.relayProblem ? `: ${this.relayProblem}` : ''}`);
    return this.relay.url;
  }

  /** Lets the relay answer under `hostname` too, e.g. the name asExternalUri maps it to. */
  allowHost(hostname: string): void {
    this.relay?.allowHost(hostname);
  }

  /**
   * Whether the relay is degraded and why, in words for the people running it (not on public
   * /health); `recovered` (on /health too) lists the damaged files set aside at start, which leave it healthy.
   */
  condition(): { status: 'ok' | 'degraded'; problems: string[]; recovered: string[] } {
    const state = this.state.status();
    const problems = [
      ...(this.relayProblem ? [`relay: ${this.relayProblem}`] : []),
      ...(state.status === 'degraded' ? [`state store: ${state.detail}`] : []),
      ...[this.approvals.problem, this.widgets.storeProblem, this.tasks.storeProblem, this.hookRules.problem, this.sessions.problem, this.history.problem].filter((problem) => problem !== undefined),
    ];
    return { status: problems.length > 0 ? 'degraded' : 'ok', problems, recovered: this.recoveries.list() };
  }

  /** Follows `condition()`: the state store's health, the approvals store's, the widgets and tasks files. */
  onConditionChange(listener: () => void): () => void {
    const stopState = this.state.onStatus(() => listener());
    const stopApprovals = this.approvals.onConditionChange(listener);
    const stopWidgets = this.widgets.onStoreProblemChange(listener);
    const stopTasks = this.tasks.onStoreProblemChange(listener);
    const stopHookRules = this.hookRules.onProblemChange(listener);
    const stopSessions = this.sessions.onProblemChange(listener);
    this.relayProblemListeners.add(listener);
    const stopHistory = this.history.onProblemChange(listener);
    return () => {
      this.relayProblemListeners.delete(listener);
      stopHistory();
      stopSessions();
      stopHookRules();
      stopState();
      stopApprovals();
      stopWidgets();
      stopTasks();
    };
  }

  health(): HealthBody {
    const { status, recovered } = this.condition();
    return {
      status,
      store: this.state.storeKind,
      mcp: this.mcp.counters(),
      mesh: this.mesh.counts(),
      approvals: { pending: this.approvals.pendingCount },
      ...(this.redis ? { redis: this.redis.health() } : {}),
      ...(recovered.length > 0 ? { recovered } : {}),
    };
  }

  async stop(): Promise<void> {
    this.stopAlerts();
    this.stopOperationsMetrics();
    this.mesh.stop();
    this.stopWatchingMcp?.();
    this.toolCalls.cancelAll();
    await this.mcp.dispose();
    // Agents waiting on an approval get an answer (still pending, with the id to resume) before the sockets close.
    await this.builtInMcp.shutdown();
    this.mcpCapabilities.dispose();
    await this.relay?.close();
    this.hub.dispose();
    this.tasks.close();
    await this.tasks.flush();
    await this.approvals.close();
    await this.state.close();
    await this.widgets.flush();
    await this.hookRules.flush();
    await this.sessions.close();
    this.stopHistory();
    await this.history.close();
  }

  private async onFrame(client: HubClient, frame: ClientFrame): Promise<void> {
    switch (frame.type) {
      case 'subscribe': {
        client.channels.add(frame.channel);
        const snapshot = this.snapshots.get(frame.channel);
        if (snapshot) client.send(eventFrame(frame.channel, 'snapshot', snapshot()));
        return;
      }
      case 'ack':
        return;
      case 'approval:request':
      case 'approval:decide':
      case 'approval:cancel':
      case 'approval:watch':
        return this.approvalFrames.handle(client, frame);
      case 'task:start':
      case 'task:report':
        return this.taskFrames.handle(client, frame);
      case 'state:update':
        return this.stateRelay.onUpdate(client, frame);
      case 'mcp:call':
      case 'mcp:cancel':
        return this.toolCallFrames.handle(client, frame);
    }
  }
}
