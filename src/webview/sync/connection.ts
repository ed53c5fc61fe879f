import type { ServerFrame } from '../../shared/protocol';
import { APP_SUBPROTOCOL, credentialSubprotocol, type RelayCredential } from '../../shared/relayAuth';

export type ConnectionStatus = 'connecting' | 'connected' | 'reconnecting' | 'unauthorized' | 'offline';

/** The little of a WebSocket the connection uses, so the postMessage bridge can stand in for one. */
export interface FrameSocket {
  readonly isOpen: boolean;
  send(data: string): void;
  close(): void;
  onopen: (() => void) | null;
  onmessage: ((data: string) => void) | null;
  onclose: (() => void) | null;
}

/** Opens a socket to the relay as `deviceId`. */
export type SocketFactory = (deviceId: string) => FrameSocket;

export interface ConnectionOptions {
  /** The direct WebSocket to the relay. */
  direct: SocketFactory;
  /** Used instead once the direct socket failed to open a few times (VS Code: through the extension host). */
  fallback?: SocketFactory;
  deviceId: string;
  onFrame(frame: ServerFrame): void;
  onStatus(status: ConnectionStatus, detail?: string): void;
}

const BASE_DELAY_MS = 250;
const MAX_DELAY_MS = 10_000;
/** Failed opens of the direct socket before the fallback is tried. */
const FALLBACK_AFTER = 2;

/** Capped exponential backoff with full jitter, so many dashboards do not reconnect in lockstep. */
export function reconnectDelay(attempt: number, random = Math.random): number {
  const ceiling = Math.min(MAX_DELAY_MS, BASE_DELAY_MS * 2 ** attempt);
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

/**
 * A browser WebSocket to `wsUrl`, offering the credential as a `bearer.<token>` or
 * `session.<secret>` subprotocol when there is one (the relay never echoes it back). `open` creates the socket (tests under Node hand in one of the `ws` package, which has the
 * same browser-style API).
 */
export function directSocket(wsUrl: string, credential?: RelayCredential, open = (url: string, protocols: string[]): WebSocket => new WebSocket(url, protocols)): SocketFactory {
  return (deviceId) => {
    const url = new URL(wsUrl);
    url.searchParams.set('deviceId', deviceId);
    const ws = open(url.toString(), [APP_SUBPROTOCOL, ...(credential ? [credentialSubprotocol(credential)] : [])]);
    const socket: FrameSocket = {
      get isOpen() {
        return ws.readyState === ws.OPEN;
      },
      send: (data) => ws.send(data),
      close: () => ws.close(),
      onopen: null,
      onmessage: null,
      onclose: null,
    };
    ws.onopen = () => socket.onopen?.();
    ws.onmessage = (event) => socket.onmessage?.(String(event.data));
    ws.onclose = () => socket.onclose?.();
    return socket;
  };
}

/** One connection to the relay that reconnects by itself until closed. */
export class RelayConnection {
  private socket: FrameSocket | undefined;
  private attempt = 0;
  private failedOpens = 0;
  private useFallback = false;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private closed = false;
  /** Set while a deflated frame is being inflated: the frames after it wait for it, in order. */
  private inbound: Promise<void> | undefined;

  constructor(private readonly options: ConnectionOptions) {}

  /** Whether frames go through the extension host instead of a direct socket. */
  get bridged(): boolean {
    return this.useFallback;
  }

  open(): void {
    this.closed = false;
    this.connect();
  }

  send(frame: object): boolean {
    if (!this.socket?.isOpen) return false;
    this.socket.send(JSON.stringify(frame));
    return true;
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
    this.socket?.close();
  }

  private connect(): void {
    const via = this.useFallback ? 'via the extension host' : undefined;
    this.options.onStatus(this.attempt === 0 ? 'connecting' : 'reconnecting', via);
    let opened = false;
    const socket = (this.useFallback ? this.options.fallback! : this.options.direct)(this.options.deviceId);
    this.socket = socket;
    socket.onopen = () => {
      opened = true;
      this.attempt = 0;
      this.failedOpens = 0;
      this.options.onStatus('connected', via);
    };
    socket.onmessage = (data) => {
      let frame: ServerFrame;
      try {
        frame = JSON.parse(data) as ServerFrame;
      } catch {
        return; // The relay only sends JSON; a garbled frame is dropped rather than breaking the app.
      }
      if (!this.inbound && frame.type !== 'state:full-deflated') {
        this.options.onFrame(frame);
        return;
      }
      const next = (this.inbound ?? Promise.resolve())
        .then(() => (frame.type === 'state:full-deflated' ? inflateFrame(frame) : frame))
        .then(
          (ready) => {
            if (this.socket === socket) this.options.onFrame(ready);
          },
          // Without its full state the dashboard cannot go on: reconnect and receive it again.
          () => socket.close(),
        )
        .finally(() => {
          if (this.inbound === next) this.inbound = undefined;
        });
      this.inbound = next;
    };
    socket.onclose = () => {
      if (this.socket !== socket || this.closed) return;
      this.attempt += 1;
      if (!opened && !this.useFallback && this.options.fallback && ++this.failedOpens >= FALLBACK_AFTER) {
        // The webview cannot reach the relay itself (a remote or locked-down setup): relay through the host.
        this.useFallback = true;
        this.attempt = 0;
      }
      // A socket refused before opening, on the first tries, is most likely a token problem.
      this.options.onStatus(opened || this.attempt < 3 ? 'reconnecting' : 'offline', opened ? undefined : 'the relay refused or is unreachable');
      this.timer = setTimeout(() => this.connect(), reconnectDelay(this.attempt));
    };
  }
}

/** The `state:full` a `state:full-deflated` frame carries (browsers and Node both have DecompressionStream). */
export async function inflateFrame(frame: Extract<ServerFrame, { type: 'state:full-deflated' }>): Promise<ServerFrame> {
  const binary = atob(frame.data);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  const text = await new Response(new Blob([bytes]).stream().pipeThrough(new DecompressionStream('deflate'))).text();
  if (text.length !== frame.length) throw new Error('the deflated state:full is damaged');
  const inflated = JSON.parse(text) as ServerFrame;
  if (inflated.type !== 'state:full') throw new Error('the deflated frame is not a state:full');
  return inflated;
}
