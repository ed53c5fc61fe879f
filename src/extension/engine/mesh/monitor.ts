import type {
  MeshAgentConfig,
  MeshAgentStatus,
  MeshAgentSummary,
  MeshCheckResponse,
  MeshSnapshot,
  MeshTransition,
} from '../../../shared/mesh';
import type { Settings } from '../config/settings';
import type { Logger } from '../log';
import { CircuitBreaker, type CircuitOptions } from './circuit';
import { CheckHistory } from './history';
import { agentIds, displayName } from './naming';
import { probe, type McpPinger, type ProbeResult } from './probes';

export interface MeshOptions {
  agents: MeshAgentConfig[];
  intervalSeconds: number;
  /** Default per-check timeout; an agent's own `timeoutMs` wins. */
  timeoutMs: number;
  displayNames: Record<string, string>;
  failureThreshold: number;
  cooldownSeconds: number;
  historyHours: number;
}

export function meshOptions(settings: Settings): MeshOptions {
  return {
    agents: settings['agentMesh.mesh.agents'],
    intervalSeconds: settings['agentMesh.mesh.intervalSeconds'],
    timeoutMs: settings['agentMesh.mesh.timeoutMs'],
    displayNames: settings['agentMesh.mesh.displayNames'],
    failureThreshold: settings['agentMesh.mesh.circuit.failureThreshold'],
    cooldownSeconds: settings['agentMesh.mesh.circuit.cooldownSeconds'],
    historyHours: settings['agentMesh.mesh.historyHours'],
  };
}

export interface MeshDependencies {
  logger: Logger;
  mcp?: McpPinger;
  /** Wall clock in epoch ms (tests drive the circuit's cool-down with it). */
  now?: () => number;
}

/** Points of history sent to views for sparklines; the full ring stays in the engine. */
const RECENT_POINTS = 60;
const MAX_HISTORY_POINTS = 5000;
/** The doubled cool-down of an agent that keeps failing stops growing at this multiple. */
const MAX_COOLDOWN_FACTOR = 16;

interface AgentEntry {
  id: string;
  config: MeshAgentConfig;
  breaker: CircuitBreaker;
  history: CheckHistory;
  status: MeshAgentStatus;
  latencyMs?: number;
  checkedAt?: number;
  error?: string;
  card?: ProbeResult['card'];
  /** Seen healthy at least once: only then is a failure "went down" rather than "never came up". */
  everHealthy: boolean;
  inflight?: Promise<void>;
}

/**
 * Checks every configured agent in parallel, each bounded by its own timeout, on an interval and on
 * demand; keeps a circuit breaker and a bounded history per agent, and tells listeners about each
 * cycle and each status transition.
 */
export class MeshMonitor {
  private options: MeshOptions;
  private entries: AgentEntry[] = [];
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private lastCycle: { ms: number; at: number } | undefined;
  private readonly updateListeners = new Set<(snapshot: MeshSnapshot) => void>();
  private readonly transitionListeners = new Set<(transition: MeshTransition) => void>();
  private readonly now: () => number;

  constructor(
    options: MeshOptions,
    private readonly deps: MeshDependencies,
  ) {
    this.now = deps.now ?? Date.now;
    this.options = options;
    this.entries = this.buildEntries(options, []);
  }

  /** Starts the interval: the first cycle runs at once. */
  start(): void {
    if (this.running) return;
    this.running = true;
    void this.tick();
  }

  stop(): void {
    this.running = false;
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  /**
   * Applies new settings. Agents whose id, kind and URL are unchanged keep their state, circuit and
   * history; the others start fresh. The next cycle runs at once when the monitor is running.
   */
  configure(options: MeshOptions): void {
    this.options = options;
    this.entries = this.buildEntries(options, this.entries);
    this.emitUpdate();
    if (this.running) {
      clearTimeout(this.timer);
      void this.tick();
    }
  }

  list(): MeshAgentSummary[] {
    return this.entries.map((e) => this.summarize(e));
  }

  get(id: string): MeshAgentSummary | undefined {
    const entry = this.entries.find((e) => e.id === id);
    return entry && this.summarize(entry);
  }

  /** The agent card as the agent served it (after the SDK's normalisation), for "open card". */
  card(id: string): unknown {
    return this.entries.find((e) => e.id === id)?.card?.raw;
  }

  has(id: string): boolean {
    return this.entries.some((e) => e.id === id);
  }

  counts(): { healthy: number; total: number } {
    return { healthy: this.entries.filter((e) => e.status === 'healthy').length, total: this.entries.length };
  }

  snapshot(): MeshSnapshot {
    return {
      agents: this.list(),
      ...(this.lastCycle ? { cycleMs: this.lastCycle.ms, cycleAt: new Date(this.lastCycle.at).toISOString() } : {}),
    };
  }

  onUpdate(listener: (snapshot: MeshSnapshot) => void): () => void {
    this.updateListeners.add(listener);
    return () => this.updateListeners.delete(listener);
  }

  onTransition(listener: (transition: MeshTransition) => void): () => void {
    this.transitionListeners.add(listener);
    return () => this.transitionListeners.delete(listener);
  }

  /**
   * Checks now, in parallel: every agent, or those named. A person asked, so agents whose circuit
   * is open get their half-open trial at once.
   */
  async checkNow(ids?: string[]): Promise<MeshCheckResponse> {
    const chosen = ids ? this.entries.filter((e) => ids.includes(e.id)) : this.entries;
    const cycleMs = await this.cycle(chosen, true);
    return { cycleMs, agents: chosen.map((e) => this.summarize(e)) };
  }

  /** The interval's cycle: every agent whose circuit allows a check now. */
  async checkDue(): Promise<MeshCheckResponse> {
    const entries = this.entries;
    const cycleMs = await this.cycle(entries, false);
    return { cycleMs, agents: entries.map((e) => this.summarize(e)) };
  }

  private async tick(): Promise<void> {
    const started = this.now();
    await this.checkDue();
    if (!this.running) return;
    const wait = Math.max(0, this.options.intervalSeconds * 1000 - (this.now() - started));
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.tick(), wait);
    this.timer.unref();
  }

  private async cycle(entries: AgentEntry[], force: boolean): Promise<number> {
    const started = performance.now();
    await Promise.all(entries.map((e) => this.check(e, force)));
    const ms = Math.round(performance.now() - started);
    this.lastCycle = { ms, at: this.now() };
    this.emitUpdate();
    return ms;
  }

  /** One agent's check; a check already in flight for it is shared rather than doubled. */
  private check(entry: AgentEntry, force: boolean): Promise<void> {
    if (entry.inflight) return entry.inflight;
    if (!entry.breaker.allows(this.now(), force)) return Promise.resolve();
    const timeoutMs = entry.config.timeoutMs ?? this.options.timeoutMs;
    entry.inflight = probe(entry.config, timeoutMs, this.deps.mcp)
      .then(
        (result) => this.record(entry, result, undefined),
        (error: unknown) => this.record(entry, undefined, error instanceof Error ? error.message : String(error)),
      )
      .finally(() => {
        entry.inflight = undefined;
      });
    return entry.inflight;
  }

  private record(entry: AgentEntry, result: ProbeResult | undefined, error: string | undefined): void {
    const at = this.now();
    const previous = entry.status;
    const wasEverHealthy = entry.everHealthy;
    entry.checkedAt = at;
    if (result) {
      entry.breaker.recordSuccess();
      entry.status = 'healthy';
      entry.everHealthy = true;
      entry.latencyMs = result.latencyMs;
      entry.error = undefined;
      if (result.card) entry.card = result.card;
      entry.history.push({ at, ok: true, latencyMs: result.latencyMs });
    } else {
      entry.breaker.recordFailure(at);
      entry.status = 'unhealthy';
      entry.latencyMs = undefined;
      entry.error = error;
      entry.history.push({ at, ok: false });
      this.deps.logger.debug(`mesh: ${entry.id} check failed: ${error}`);
    }
    // A person hears about an agent going down and coming back, not about one that is still
    // starting up when the mesh first looks (an MCP server connecting, a demo agent booting).
    const worthTelling = entry.status === 'unhealthy' ? previous === 'healthy' : previous === 'unhealthy' && wasEverHealthy;
    if (!worthTelling) return;
    const transition: MeshTransition = {
      id: entry.id,
      name: this.nameOf(entry),
      from: previous,
      to: entry.status,
      at: new Date(at).toISOString(),
      ...(entry.error ? { error: entry.error } : {}),
    };
    this.deps.logger.info(`mesh: ${transition.name} ${previous} → ${entry.status}${entry.error ? ` (${entry.error})` : ''}`);
    for (const listener of this.transitionListeners) listener(transition);
  }

  private emitUpdate(): void {
    if (this.updateListeners.size === 0) return;
    const snapshot = this.snapshot();
    for (const listener of this.updateListeners) listener(snapshot);
  }

  private nameOf(entry: AgentEntry): string {
    return displayName(entry.config, entry.id, entry.card?.name, this.options.displayNames);
  }

  private summarize(entry: AgentEntry): MeshAgentSummary {
    const retryAt = entry.breaker.retryAt;
    const summary: MeshAgentSummary = {
      id: entry.id,
      name: this.nameOf(entry),
      url: entry.config.url,
      kind: entry.config.kind,
      status: entry.status,
      circuit: entry.breaker.state,
      consecutiveFailures: entry.breaker.consecutiveFailures,
      stats: entry.history.stats(this.now() - this.options.historyHours * 3_600_000),
      recent: entry.history.latest(RECENT_POINTS),
    };
    if (entry.latencyMs !== undefined) summary.latencyMs = entry.latencyMs;
    if (entry.checkedAt !== undefined) summary.checkedAt = new Date(entry.checkedAt).toISOString();
    if (entry.error !== undefined) summary.error = entry.error;
    if (retryAt !== undefined) summary.retryAt = new Date(retryAt).toISOString();
    if (entry.card) {
      summary.cardName = entry.card.name;
      if (entry.card.description) summary.description = entry.card.description;
      summary.skills = entry.card.skills;
    }
    return summary;
  }

  private buildEntries(options: MeshOptions, previous: AgentEntry[]): AgentEntry[] {
    const ids = agentIds(options.agents);
    const capacity = Math.min(MAX_HISTORY_POINTS, Math.max(10, Math.ceil((options.historyHours * 3600) / options.intervalSeconds)));
    const circuit: CircuitOptions = {
      failureThreshold: options.failureThreshold,
      cooldownMs: options.cooldownSeconds * 1000,
      maxCooldownMs: options.cooldownSeconds * 1000 * MAX_COOLDOWN_FACTOR,
    };
    return options.agents.map((config, i) => {
      const id = ids[i];
      const kept = previous.find((e) => e.id === id && e.config.url === config.url && e.config.kind === config.kind);
      if (!kept) return { id, config, breaker: new CircuitBreaker(circuit), history: new CheckHistory(capacity), status: 'unknown' as const, everHealthy: false };
      // Kept in place (not copied): a check in flight records into this same object.
      kept.config = config;
      if (!sameCircuitOptions(kept.breaker.options, circuit)) kept.breaker = new CircuitBreaker(circuit);
      if (kept.history.capacity !== capacity) {
        const history = new CheckHistory(capacity);
        for (const point of kept.history.latest(capacity)) history.push(point);
        kept.history = history;
      }
      return kept;
    });
  }
}

function sameCircuitOptions(a: CircuitOptions, b: CircuitOptions): boolean {
  return a.failureThreshold === b.failureThreshold && a.cooldownMs === b.cooldownMs && a.maxCooldownMs === b.maxCooldownMs;
}
