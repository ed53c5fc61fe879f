import { inflateSync } from 'node:zlib';
import WebSocket from 'ws';
import type { ServerFrame } from '../../src/shared/protocol';

/** A test client of the relay's `/ws` that records every frame and can wait for one. */
export class RelayClient {
  readonly frames: ServerFrame[] = [];
  private waiters: Array<{ match: (f: ServerFrame) => boolean; resolve: (f: ServerFrame) => void }> = [];

  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data) => {
      const received = JSON.parse(data.toString()) as ServerFrame;
      // A large state:full arrives deflated; inflated at once, so frames stay in their order.
      const frame = received.type === 'state:full-deflated' ? (JSON.parse(inflateSync(Buffer.from(received.data, 'base64')).toString('utf8')) as ServerFrame) : received;
      this.frames.push(frame);
      this.waiters = this.waiters.filter((w) => (w.match(frame) ? (w.resolve(frame), false) : true));
    });
  }

  /** `via: 'session'` offers `token` as a browser page's session secret (subprotocol `session.<secret>`). */
  static connect(baseUrl: string, options: { token?: string; deviceId?: string; via?: 'header' | 'subprotocol' | 'session' } = {}): Promise<RelayClient> {
    const url = new URL('/ws', baseUrl.replace(/^http/, 'ws'));
    if (options.deviceId) url.searchParams.set('deviceId', options.deviceId);
    const protocols = ['agent-mesh.v1'];
    const headers: Record<string, string> = {};
    if (options.token !== undefined) {
      if (options.via === 'subprotocol' || options.via === 'session') protocols.push(`${options.via === 'session' ? 'session' : 'bearer'}.${options.token}`);
      else headers.authorization = `Bearer ${options.token}`;
    }
    const socket = new WebSocket(url, protocols, { headers });
    const client = new RelayClient(socket);
    return new Promise((resolve, reject) => {
      socket.once('open', () => resolve(client));
      socket.once('unexpected-response', (_req, res) => reject(Object.assign(new Error(`HTTP ${res.statusCode}`), { statusCode: res.statusCode })));
      socket.once('error', reject);
    });
  }

  send(frame: unknown): void {
    this.socket.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  }

  next<T extends ServerFrame['type']>(type: T, match: (f: Extract<ServerFrame, { type: T }>) => boolean = () => true, timeoutMs = 5000): Promise<Extract<ServerFrame, { type: T }>> {
    const test = (f: ServerFrame) => f.type === type && match(f as Extract<ServerFrame, { type: T }>);
    const seen = this.frames.find(test);
    if (seen) return Promise.resolve(seen as Extract<ServerFrame, { type: T }>);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ${type} frame within ${timeoutMs} ms; saw ${JSON.stringify(this.frames.map((f) => f.type))}`)), timeoutMs);
      this.waiters.push({ match: test, resolve: (f) => (clearTimeout(timer), resolve(f as Extract<ServerFrame, { type: T }>)) });
    });
  }

  close(): Promise<void> {
    if (this.socket.readyState === WebSocket.CLOSED) return Promise.resolve();
    return new Promise((resolve) => {
      this.socket.once('close', () => resolve());
      this.socket.close();
    });
  }
}
