import type { EventChannel, JsonObject, JsonValue, ServerFrame } from '../../shared/protocol';
import { reduceChannel } from './channels';
import type { ConnectionStatus } from './connection';

export interface DashboardState {
  status: ConnectionStatus;
  statusDetail?: string;
  deviceId?: string;
  version: number;
  state: JsonObject;
  /** The latest copy of every subscribed event channel (approvals, tasks, mesh, mcp, widgets). */
  channels: Partial<Record<EventChannel, JsonValue>>;
  lastError?: string;
}

type Listener = (state: DashboardState) => void;

/** The webview's copy of the relay state; `state:full` replaces it, `state:sync` patches one path. */
export class DashboardStore {
  private current: DashboardState = { status: 'connecting', version: 0, state: {}, channels: {} };
  private readonly listeners = new Set<Listener>();

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

  apply(frame: ServerFrame): void {
    switch (frame.type) {
      case 'hello':
        this.set({ ...this.current, deviceId: frame.deviceId });
        return;
      case 'state:full':
        this.set({ ...this.current, state: frame.state, version: frame.version });
        return;
      case 'state:sync':
        this.set({ ...this.current, state: withValueAt(this.current.state, frame.path.split('.'), frame.value) });
        return;
      case 'event':
        this.set({ ...this.current, channels: { ...this.current.channels, [frame.channel]: reduceChannel(frame.channel, this.current.channels[frame.channel], frame.name, frame.payload) } });
        return;
      case 'error':
        this.set({ ...this.current, lastError: `${frame.code}: ${frame.message}` });
        return;
      default:
        return;
    }
  }

  private set(next: DashboardState): void {
    this.current = next;
    for (const listener of this.listeners) listener(next);
  }
}

/** An immutable set: copies the objects along the path, shares the rest. */
export function withValueAt(root: JsonObject, segments: string[], value: JsonValue): JsonObject {
  const [head, ...rest] = segments;
  if (rest.length === 0) return { ...root, [head]: value };
  const child = root[head];
  const childObject = typeof child === 'object' && child !== null && !Array.isArray(child) ? child : {};
  return { ...root, [head]: withValueAt(childObject, rest, value) };
}
