import path from 'node:path';
import type { HealthBody } from '../../shared/api';
import type { ClientFrame, EventChannel, JsonValue } from '../../shared/protocol';
import type { Settings } from './config/settings';
import type { Logger } from './log';
import { registerDashboardRoutes } from './relay/dashboardRoutes';
import { Hub, type HubClient } from './relay/hub';
import { Router } from './relay/router';
import { RelayServer } from './relay/server';
import { FileStore } from './state/fileStore';
import { StateService } from './state/stateService';
import type { StateStore } from './state/store';

export const ENGINE_VERSION = '0.1.0';

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
}

/**
 * The host-agnostic core: relay, state, and (as they land) the MCP fleet, mesh and approvals.
 * VS Code and the headless CLI both build exactly this.
 */
export class Engine {
  readonly router = new Router();
  readonly hub: Hub;
  readonly state: StateService;
  private relay: RelayServer | undefined;
  private readonly snapshots = new Map<EventChannel, () => JsonValue>();

  private constructor(options: EngineOptions) {
    const store = options.store ?? new FileStore(path.join(options.dataDir, 'dashboard-state.json'));
    this.state = new StateService(store, options.logger);
    this.hub = new Hub(
      options.logger,
      (client, frame) => this.onFrame(client, frame),
      (client) => {
        client.send({ type: 'hello', deviceId: client.deviceId, serverVersion: ENGINE_VERSION });
        client.send({ type: 'state:full', ...this.fullState() });
      },
    );
    this.router.add('GET', '/health', () => this.health(), { isPublic: true });
    registerDashboardRoutes(this.router, options.token, options.extensionRoot);
  }

  static async start(options: EngineOptions): Promise<Engine> {
    const engine = new Engine(options);
    await engine.state.load();
    engine.relay = new RelayServer({
      host: options.settings['agentMesh.relay.host'],
      port: options.settings['agentMesh.relay.port'],
      token: options.token,
      router: engine.router,
      hub: engine.hub,
      logger: options.logger,
    });
    await engine.relay.listen();
    options.logger.info(`relay listening on ${engine.relay.url}`);
    return engine;
  }

  /**
   * Declares what a dashboard receives when it subscribes to a channel: an `event` named
   * `snapshot` with this payload, followed by the channel's live events.
   */
  provideSnapshot(channel: EventChannel, snapshot: () => JsonValue): void {
    this.snapshots.set(channel, snapshot);
  }

  /** Sends an event to every dashboard subscribed to the channel. */
  publish(channel: EventChannel, name: string, payload: JsonValue): void {
    this.hub.publish(channel, name, payload);
  }

  get url(): string {
    if (!this.relay) throw new Error('engine is not started');
    return this.relay.url;
  }

  health(): HealthBody {
    return {
      status: 'ok',
      store: this.state.storeKind,
      mcp: { connected: 0, total: 0 },
      mesh: { healthy: 0, total: 0 },
      approvals: { pending: 0 },
    };
  }

  async stop(): Promise<void> {
    await this.relay?.close();
    await this.state.flush();
  }

  private fullState() {
    const { state, version } = this.state.snapshot();
    return { state, version };
  }

  private async onFrame(client: HubClient, frame: ClientFrame): Promise<void> {
    switch (frame.type) {
      case 'subscribe': {
        client.channels.add(frame.channel);
        const snapshot = this.snapshots.get(frame.channel);
        if (snapshot) client.send({ type: 'event', channel: frame.channel, name: 'snapshot', payload: snapshot() });
        return;
      }
      case 'ack':
        return;
      case 'state:update': {
        const outcome = await this.state.update(frame.path, frame.value, {
          version: frame.version,
          timestamp: frame.timestamp,
          deviceId: client.deviceId,
        });
        if (outcome.accepted) {
          this.hub.broadcast(
            { type: 'state:sync', path: outcome.change.path, value: outcome.change.value, version: outcome.change.stamp.version, sourceDeviceId: client.deviceId },
            client.deviceId,
          );
          if (frame.id) client.send({ type: 'ack', id: frame.id, version: outcome.change.stamp.version });
        } else {
          client.send({
            type: 'error',
            code: 'conflict',
            message: `a newer write of ${frame.path.join('.')} exists (version ${outcome.current.stamp?.version ?? 0})`,
            ...(frame.id ? { id: frame.id } : {}),
          });
        }
        return;
      }
    }
  }
}
