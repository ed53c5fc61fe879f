import * as z from 'zod';
import { jsonValueSchema, type JsonObject, type JsonValue, type ServerFrame } from '../../shared/protocol';
import { deleteStamp, getAt, nextVersion, pathsOverlap, planWrite, setStamp, type StateStamp } from '../../shared/state';
import type { ChannelSnapshots } from '../../shared/channelEvents';
import { reduceChannel } from './channels';
import type { ConnectionStatus } from './connection';
import type { StoredValue } from '../webStorage';

/** A local write sent (or waiting to be sent) to the relay and not acknowledged yet. */
export interface PendingUpdate {
  id: string;
  path: string;
  value: JsonValue;
  version: number;
  timestamp: number;
}

export type StateUpdateOut = { type: 'state:update' } & PendingUpdate;

const pendingUpdatesSchema = z.array(
  z.object({ id: z.string().min(1), path: z.string().min(1), value: jsonValueSchema, version: z.number().int().nonnegative(), timestamp: z.number().nonnegative() }),
);

/**
 * Where a dashboard keeps its unacknowledged writes so that they survive a reload of the page
 * (VS Code's webview state, a browser tab's sessionStorage). What it returns is validated.
 */
export interface PendingStorage {
  load(): StoredValue;
  /** Undefined once kept; else why they were not (the dashboard shows it and goes on). */
  save(pending: PendingUpdate[]): string | undefined;
}

/** The relay's state store health as last reported (`status` frame). */
export interface StoreStatus {
  store: 'file' | 'redis';
  status: 'ok' | 'degraded';
  detail?: string;
  notices: string[];
}

export interface DashboardState {
  status: ConnectionStatus;
  statusDetail?: string;
  deviceId?: string;
  version: number;
  /** What the dashboard shows: the relay's state with the unacknowledged local writes on top. */
  state: JsonObject;
  /** How many local writes await their ack. */
  pendingCount: number;
  storeStatus?: StoreStatus;
  /** The latest copy of every subscribed event channel (approvals, tasks, mesh, mcp, widgets). */
  channels: ChannelSnapshots;
  lastError?: string;
  /** Set while the writes in flight cannot be kept for a reload (a full browser storage). */
  storageProblem?: string;
}

type Listener = (state: DashboardState) => void;

/**
 * The webview's copy of the relay state. The relay's view (`state:full`, `state:sync`, acks) is
 * kept apart from the local writes still in flight, which are applied on top optimistically: an
 * ack folds a write into the relay's view, a refusal drops it (the rollback), and after a
 * reconnect — or a reload of the page, with a `PendingStorage` — the remaining ones are sent again
 * with the same ids, which the relay applies once.
 */
export class DashboardStore {
  private current: DashboardState = { status: 'connecting', version: 0, state: {}, pendingCount: 0, channels: {} };
  private confirmed: JsonObject = {};
  private stamps: Record<string, StateStamp> = {};
  private pending: PendingUpdate[] = [];
  private sequence = 0;
  private readonly listeners = new Set<Listener>();

  constructor(
    private readonly session = randomSession(),
    private readonly storage?: PendingStorage,
  ) {
    const stored = storage?.load() ?? { value: undefined };
    const saved = 'value' in stored ? pendingUpdatesSchema.safeParse(stored.value ?? []) : undefined;
    if (saved?.success) {
      this.pending = saved.data as PendingUpdate[];
    } else {
      const problem = 'problem' in stored ? stored.problem : 'they are not in the expected shape';
      this.current = { ...this.current, lastError: `Unsent changes kept for a reload could not be restored: ${problem}.` };
    }
    if (this.pending.length > 0) this.refresh();
  }

  get snapshot(): DashboardState {
    return this.current;
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    listener(this.current);
    return () => this.listeners.delete(listener);
  }

  setStatus(status: ConnectionStatus, detail?: string): void {
    this.set({ ...this.current, status, statusDetail: detail });
  }

  /** Applies a local write at once and returns the frame that sends it. */
  write(path: string, value: JsonValue, now = Date.now()): StateUpdateOut {
    // Above the confirmed stamps and the writes still in flight of this path, its ancestors and descendants.
    let version = nextVersion(this.stamps, path);
    for (const p of this.pending) if (pathsOverlap(p.path, path)) version = Math.max(version, p.version + 1);
    const update: PendingUpdate = { id: `${this.session}-${++this.sequence}`, path, value, version, timestamp: now };
    this.pending.push(update);
    this.refresh({ storageProblem: this.savePending() });
    return { type: 'state:update', ...update };
  }

  /** The frames to send again after a (re)connection, oldest first. */
  pendingFrames(): StateUpdateOut[] {
    return this.pending.map((update) => ({ type: 'state:update', ...update }));
  }

  apply(frame: ServerFrame): void {
    switch (frame.type) {
      case 'hello':
        this.set({ ...this.current, deviceId: frame.deviceId });
        return;
      case 'state:full':
        this.confirmed = frame.state;
        this.stamps = { ...frame.stamps };
        this.refresh({ version: frame.version });
        return;
      case 'state:sync':
        this.confirm(frame.path, frame.value, { version: frame.version, timestamp: frame.timestamp, deviceId: frame.sourceDeviceId });
        this.refresh({ version: frame.stateVersion });
        return;
      case 'ack': {
        const update = this.take(frame.id);
        if (update && this.current.deviceId) this.confirm(update.path, update.value, { version: update.version, timestamp: update.timestamp, deviceId: this.current.deviceId });
        this.refresh({ version: frame.stateVersion });
        return;
      }
      case 'status':
        this.set({ ...this.current, storeStatus: { store: frame.store, status: frame.status, detail: frame.detail, notices: frame.notices } });
        return;
      case 'event':
        this.set({ ...this.current, channels: reduceChannel(this.current.channels, frame.channel, frame.name, frame.payload) });
        return;
      case 'error': {
        // A refused write is rolled back; `internal` is the relay's fault, so the write stays queued.
        const rolledBack = frame.id && frame.code !== 'internal' ? this.take(frame.id) : undefined;
        const message = rolledBack ? `Your change to ${rolledBack.path} was undone: ${frame.message}` : `${frame.code}: ${frame.message}`;
        this.refresh({ lastError: message });
        return;
      }
      default:
        return;
    }
  }

  private take(id: string): PendingUpdate | undefined {
    const index = this.pending.findIndex((p) => p.id === id);
    if (index < 0) return undefined;
    const [update] = this.pending.splice(index, 1);
    this.current = { ...this.current, storageProblem: this.savePending() };
    return update;
  }

  /** Keeps the writes in flight for a reload; what to show when that failed. */
  private savePending(): string | undefined {
    const problem = this.storage?.save(this.pending);
    return problem ? `Unsent changes will not survive a reload of this page: ${problem}.` : undefined;
  }

  /** Folds an accepted write into the relay's view by the relay's own rule (`planWrite`). */
  private confirm(path: string, value: JsonValue, stamp: StateStamp): void {
    const plan = planWrite(this.stamps, path, stamp);
    if (!plan.accepted) return;
    const kept = plan.kept.map((p) => [p.split('.'), getAt(this.confirmed, p.split('.')) ?? null] as const);
    for (const p of plan.superseded) deleteStamp(this.stamps, p);
    setStamp(this.stamps, path, stamp);
    let confirmed = withValueAt(this.confirmed, path.split('.'), value);
    for (const [segments, keptValue] of kept) confirmed = withValueAt(confirmed, segments, keptValue);
    this.confirmed = confirmed;
  }

  private refresh(extra: Partial<DashboardState> = {}): void {
    let state = this.confirmed;
    for (const update of this.pending) state = withValueAt(state, update.path.split('.'), update.value);
    this.set({ ...this.current, ...extra, state, pendingCount: this.pending.length });
  }

  private set(next: DashboardState): void {
    this.current = next;
    for (const listener of this.listeners) listener(next);
  }
}

function randomSession(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(6));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** An immutable set: copies the objects along the path, shares the rest. */
export function withValueAt(root: JsonObject, segments: string[], value: JsonValue): JsonObject {
  const [head, ...rest] = segments;
  if (rest.length === 0) return { ...root, [head]: value };
  const child = root[head];
  const childObject = typeof child === 'object' && child !== null && !Array.isArray(child) ? child : {};
  return { ...root, [head]: withValueAt(childObject, rest, value) };
}
