import { promisify } from 'node:util';
import { deflate } from 'node:zlib';
import { FULL_STATE_COMPRESS_BYTES, MAX_VERSION_LEAP, seedSyncFrameText, type ServerFrame, type StateUpdateFrame } from '../../../shared/protocol';
import type { Metrics } from '../metrics';
import type { Hub, HubClient } from '../relay/hub';
import type { StateService, StateStatus } from './stateService';

/**
 * How many acknowledged update ids the relay remembers (at least; up to twice as many) to answer
 * replays without applying them twice.
 */
const REMEMBERED_IDS = 10_000;

const deflateAsync = promisify(deflate);

/**
 * The state side of the WebSocket protocol: `state:full` and `status` on connect, `state:update`
 * answered with `ack` (once durable) or `error{code:'conflict'}`, `state:sync` to every other
 * device, and a fresh `state:full` to everyone when the document is replaced.
 */
export class StateRelay {
  /**
   * `deviceId \0 updateId` → the version acknowledged, in two generations: when the newer one is
   * full it becomes the older and the oldest is dropped whole (no per-update eviction).
   */
  private acknowledged = new Map<string, number>();
  private acknowledgedBefore = new Map<string, number>();

  constructor(
    private readonly state: StateService,
    private readonly hub: Hub,
    private readonly metrics?: Metrics,
  ) {
    // The connection that wrote a change gets its ack instead of an echo.
    state.onChange((change, sourceDeviceId, origin) =>
      hub.broadcast(
        {
          type: 'state:sync',
          path: change.path,
          value: change.value,
          version: change.stamp.version,
          timestamp: change.stamp.timestamp,
          sourceDeviceId,
          stateVersion: state.snapshot().version,
        },
        origin as HubClient | undefined,
        () => seedSyncFrameText(change.path, change.value, change.stamp.version, sourceDeviceId),
      ),
    );
    state.onReplace(() => hub.broadcastText(this.fullFrameText(), () => this.seedFullFrameText()));
    state.onStatus((status) => {
      this.observe(status);
      hub.broadcast(statusFrame(status));
    });
    this.observe(state.status());
  }

  /** What every (re)connecting client gets after `hello`. */
  greet(client: HubClient): void {
    client.sendText(client.dialect === 'seed' ? this.seedFullFrameText() : this.fullFrameText());
    client.send(statusFrame(this.state.status()));
  }

  async onUpdate(client: HubClient, frame: StateUpdateFrame): Promise<void> {
    const started = performance.now();
    const key = frame.id ? `${client.deviceId}\u0000${frame.id}` : undefined;
    const known = key ? (this.acknowledged.get(key) ?? this.acknowledgedBefore.get(key)) : undefined;
    if (known !== undefined) {
      client.send({ type: 'ack', id: frame.id!, version: known, stateVersion: this.state.snapshot().version });
      return;
    }
    if (frame.dialect) client.dialect = frame.dialect;
    const outcome = await this.state.update(frame.path, frame.value, { version: frame.version, timestamp: frame.timestamp, deviceId: client.deviceId }, client);
    if (!outcome.accepted) {
      switch (outcome.reason) {
        case 'conflict': {
          const { path, stamp } = outcome.current;
          this.hub.refuse(client, 'conflict', `a newer write of ${path} exists (version ${stamp.version} by ${stamp.deviceId})`, frame.id);
          // The seed's rule is "server state wins" with no conflict frame of its own: its client converges on this sync.
          if (frame.dialect === 'seed') client.sendText(seedSyncFrameText(frame.path.join('.'), outcome.current.value ?? null, stamp.version, stamp.deviceId));
          return;
        }
        case 'version_too_high':
          this.hub.refuse(client, 'invalid_frame', `version ${frame.version} is more than ${MAX_VERSION_LEAP} above the highest version around this path (${outcome.highest})`, frame.id);
          return;
        case 'not_saved':
          this.hub.refuse(client, 'store_unavailable', `the write was not stored and was undone: ${outcome.detail}`, frame.id);
          return;
      }
    }
    this.metrics?.updateLatency.observe((performance.now() - started) / 1000);
    if (!frame.id) return;
    this.remember(key!, outcome.change.stamp.version);
    client.send({ type: 'ack', id: frame.id, version: outcome.change.stamp.version, stateVersion: this.state.snapshot().version });
  }

  /**
   * The `state:full` frame as JSON text. Above FULL_STATE_COMPRESS_BYTES it is deflated off the
   * event loop and sent as `state:full-deflated`, whose `data` inflates to the plain frame's text
   * (see README, WebSocket).
   */
  private fullFrameText(): string | Promise<string> {
    const { version } = this.state.snapshot();
    const json = `{"type":"state:full","version":${version},"stamps":${JSON.stringify(this.state.stamps())},"state":${this.state.stateJson()}}`;
    if (json.length <= FULL_STATE_COMPRESS_BYTES) return json;
    return deflateAsync(json, { level: 1 }).then((deflated) =>
      JSON.stringify({ type: 'state:full-deflated', version, length: json.length, data: deflated.toString('base64') } satisfies ServerFrame),
    );
  }

  /** The seed's DM-11.2 `state:full { payload: { state, version } }`, never compressed (the seed has no such frame). */
  private seedFullFrameText(): string {
    return `{"type":"state:full","payload":{"state":${this.state.stateJson()},"version":${this.state.snapshot().version}}}`;
  }

  private remember(key: string, version: number): void {
    if (this.acknowledged.size >= REMEMBERED_IDS) {
      this.acknowledgedBefore = this.acknowledged;
      this.acknowledged = new Map();
    }
    this.acknowledged.set(key, version);
  }

  private observe(status: StateStatus): void {
    this.metrics?.setRedisUp(status.redis === undefined ? undefined : status.redis === 'up');
  }
}

function statusFrame(status: StateStatus): ServerFrame {
  return { type: 'status', store: status.store, status: status.status, ...(status.detail ? { detail: status.detail } : {}), notices: status.notices };
}
