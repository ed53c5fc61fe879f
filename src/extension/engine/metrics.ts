// The engine's Prometheus registry (GET /metrics). Capabilities register their own metrics on
// `registry`; the relay and state metrics live here.
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];
const REDIS_UP = 'agent_mesh_state_redis_up';

export class Metrics {
  readonly registry = new Registry();

  readonly connectedClients = new Gauge({ name: 'agent_mesh_relay_connected_clients', help: 'Dashboards and agents connected to the relay WebSocket', registers: [this.registry] });
  readonly framesIn = new Counter({ name: 'agent_mesh_relay_frames_in_total', help: 'WebSocket frames received', registers: [this.registry] });
  readonly framesOut = new Counter({ name: 'agent_mesh_relay_frames_out_total', help: 'WebSocket frames sent', registers: [this.registry] });
  readonly refusedFrames = new Counter({
    name: 'agent_mesh_relay_refused_frames_total',
    help: 'Inbound frames refused with an error frame, by reason',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });
  readonly slowClientsDropped = new Counter({
    name: 'agent_mesh_relay_slow_clients_dropped_total',
    help: 'Connections cut because the client stopped reading and its unsent frames passed the limit',
    registers: [this.registry],
  });
  readonly updateLatency = new Histogram({
    name: 'agent_mesh_state_update_seconds',
    help: 'From a state:update frame arriving to its ack (the write is durable)',
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });
  readonly storeWriteLatency = new Histogram({
    name: 'agent_mesh_state_store_write_seconds',
    help: 'Duration of one (coalesced) state store write',
    labelNames: ['store', 'outcome'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });
  /** Registered on first use, so a relay without Redis exposes no Redis gauge at all. */
  private redisUp: Gauge | undefined;

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'agent_mesh_' });
  }

  /** Whether the shared Redis state store is reachable and in sync; undefined (no Redis store, e.g. after a move to the file) drops the series. */
  setRedisUp(up: boolean | undefined): void {
    if (up === undefined) {
      if (this.redisUp) this.registry.removeSingleMetric(REDIS_UP);
      this.redisUp = undefined;
      return;
    }
    this.redisUp ??= new Gauge({
      name: REDIS_UP,
      help: '1 while the shared Redis state store is reachable and in sync, 0 while degraded',
      registers: [this.registry],
    });
    this.redisUp.set(up ? 1 : 0);
  }

  /** The Prometheus text exposition. */
  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
