import WebSocket from 'ws';
import type { HostToWebviewMessage, WebviewToHostMessage } from '../../shared/protocol';

/** Where the extension host reaches the relay: its own address, not the webview's external one. */
export interface LocalRelay {
  wsUrl: string;
  token: string;
}

type BridgeMessage = Extract<WebviewToHostMessage, { type: `bridge:${string}` }>;

export function isBridgeMessage(message: WebviewToHostMessage): message is BridgeMessage {
  return message.type.startsWith('bridge:');
}

/**
 * The postMessage bridge: when a webview cannot open a WebSocket to the relay (remote setups,
 * locked-down networks), the extension host opens it on the webview's behalf and passes the same
 * frames both ways. One bridge per webview, one socket at a time. Free of `vscode`, so it is tested
 * against a real relay.
 */
export class StateBridge {
  private socket: WebSocket | undefined;

  constructor(
    private readonly relay: () => Promise<LocalRelay>,
    private readonly post: (message: HostToWebviewMessage) => void,
  ) {}

  handle(message: BridgeMessage): void {
    switch (message.type) {
      case 'bridge:connect':
        void this.open(message.deviceId).catch((error: Error) => this.post({ type: 'bridge:closed', reason: error.message }));
        return;
      case 'bridge:send':
        if (this.socket?.readyState === WebSocket.OPEN) this.socket.send(message.data);
        return;
      case 'bridge:disconnect':
        this.socket?.close();
        return;
    }
  }

  dispose(): void {
    const socket = this.socket;
    this.socket = undefined;
    socket?.terminate();
  }

  private async open(deviceId: string): Promise<void> {
    this.dispose();
    const { wsUrl, token } = await this.relay();
    const url = new URL(wsUrl);
    url.searchParams.set('deviceId', deviceId);
    const socket = new WebSocket(url, ['agent-mesh.v1'], { headers: { authorization: `Bearer ${token}` } });
    this.socket = socket;
    let reason = 'closed';
    socket.on('open', () => this.post({ type: 'bridge:open' }));
    socket.on('message', (data) => this.post({ type: 'bridge:frame', data: data.toString() }));
    socket.on('unexpected-response', (_req, res) => (reason = `HTTP ${res.statusCode}`));
    socket.on('error', (error) => (reason = error.message));
    socket.on('close', () => {
      // A socket replaced by a newer connect (or disposed) closes silently.
      if (this.socket !== socket) return;
      this.socket = undefined;
      this.post({ type: 'bridge:closed', reason });
    });
  }
}
