import type { EventChannel, JsonValue } from '../../shared/protocol';
import { RelayConnection, type SocketFactory } from './connection';
import type { DashboardStore } from './store';

export interface SyncSessionOptions {
  store: DashboardStore;
  deviceId: string;
  direct: SocketFactory;
  fallback?: SocketFactory;
  /** Event channels to (re)subscribe on every connection. */
  channels: EventChannel[];
}

/** What the dashboard writes shared state with. */
export interface StateWriter {
  write(path: string, value: JsonValue): void;
}

/**
 * Keeps a dashboard in sync: every (re)connection starts with `hello` (subscribe again) and
 * `state:full` (then the local writes still unacknowledged are sent again, same ids); local writes
 * are applied at once and sent when the socket is open, else on the next connection.
 */
export function startSync(options: SyncSessionOptions): StateWriter & { connection: RelayConnection } {
  const { store } = options;
  const connection = new RelayConnection({
    direct: options.direct,
    fallback: options.fallback,
    deviceId: options.deviceId,
    onFrame: (frame) => {
      store.apply(frame);
      if (frame.type === 'hello') for (const channel of options.channels) connection.send({ type: 'subscribe', channel });
      if (frame.type === 'state:full') for (const update of store.pendingFrames()) connection.send(update);
    },
    onStatus: (status, detail) => store.setStatus(status, detail),
  });
  connection.open();
  return {
    connection,
    write: (path, value) => {
      connection.send(store.write(path, value));
    },
  };
}
