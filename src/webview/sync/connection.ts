import type { ServerFrame } from '../../shared/protocol';

export type ConnectionStatus = 'connecting' | 'connected' | 'reconnecting' | 'unauthorized' | 'offline';

export interface ConnectionOptions {
  wsUrl: string;
  /** Offered as a `bearer.<token>` subprotocol; absent in the browser page, which uses its cookie. */
  token?: string;
  deviceId: string;
  onFrame(frame: ServerFrame): void;
  onStatus(status: ConnectionStatus, detail?: string): void;
}

const BASE_DELAY_MS = 250;
const MAX_DELAY_MS = 10_000;

/** Capped exponential backoff with full jitter, so many dashboards do not reconnect in lockstep. */
export function reconnectDelay(attempt: number, random = Math.random): number {
  const ceiling = Math.min(MAX_DELAY_MS, BASE_DELAY_MS * 2 ** attempt);
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

/** One WebSocket to the relay that reconnects by itself until closed. */
export class RelayConnection {
  private socket: WebSocket | undefined;
  private attempt = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private closed = false;

  constructor(private readonly options: ConnectionOptions) {}

  open(): void {
    this.closed = false;
    this.connect();
  }

  send(frame: object): boolean {
    if (this.socket?.readyState !== WebSocket.OPEN) return false;
    this.socket.send(JSON.stringify(frame));
    return true;
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
    this.socket?.close();
  }

  private connect(): void {
    const protocols = ['agent-mesh.v1', ...(this.options.token ? [`bearer.${this.options.token}`] : [])];
    const url = new URL(this.options.wsUrl);
    url.searchParams.set('deviceId', this.options.deviceId);
    this.options.onStatus(this.attempt === 0 ? 'connecting' : 'reconnecting');
    let opened = false;
    const socket = new WebSocket(url.toString(), protocols);
    this.socket = socket;
    socket.onopen = () => {
      opened = true;
      this.attempt = 0;
      this.options.onStatus('connected');
    };
    socket.onmessage = (event) => {
      try {
        this.options.onFrame(JSON.parse(String(event.data)) as ServerFrame);
      } catch {
        // The relay only sends JSON; a garbled frame is dropped rather than breaking the app.
      }
    };
    socket.onclose = () => {
      if (this.socket !== socket || this.closed) return;
      this.attempt += 1;
      // A socket refused before opening, on the first tries, is most likely a token problem.
      this.options.onStatus(opened || this.attempt < 3 ? 'reconnecting' : 'offline', opened ? undefined : 'the relay refused or is unreachable');
      this.timer = setTimeout(() => this.connect(), reconnectDelay(this.attempt));
    };
  }
}
