import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import { MAX_FRAME_BYTES } from '../../../shared/protocol';
import type { Logger } from '../log';
import { APP_SUBPROTOCOL, isAuthorized } from './auth';
import { HttpError, sendError, sendJson } from './http';
import type { Hub } from './hub';
import type { Router } from './router';

export interface RelayServerOptions {
  host: string;
  port: number;
  token: string;
  router: Router;
  hub: Hub;
  logger: Logger;
}

/** HTTP routes and the `/ws` WebSocket on one port, behind the token. */
export class RelayServer {
  private readonly server: Server;
  private readonly wss: WebSocketServer;
  private address: AddressInfo | undefined;

  constructor(private readonly options: RelayServerOptions) {
    // ws enforces a hard cap above ours so that a frame just over the limit gets a readable
    // error frame from the hub instead of a closed socket.
    this.wss = new WebSocketServer({
      noServer: true,
      // The hub writes pre-framed, uncompressed frames straight to each socket (see hub.ts).
      perMessageDeflate: false,
      maxPayload: MAX_FRAME_BYTES * 4,
      handleProtocols: (protocols) => (protocols.has(APP_SUBPROTOCOL) ? APP_SUBPROTOCOL : false),
    });
    this.server = createServer((req, res) => void this.handle(req, res));
    this.server.on('upgrade', (req, socket, head) => this.upgrade(req, socket, head));
    this.server.on('clientError', (_error, socket) => socket.destroy());
  }

  async listen(): Promise<AddressInfo> {
    await new Promise<void>((resolve, reject) => {
      const onError = (error: Error) => reject(error);
      this.server.once('error', onError);
      this.server.listen(this.options.port, this.options.host, () => {
        this.server.off('error', onError);
        resolve();
      });
    });
    this.address = this.server.address() as AddressInfo;
    return this.address;
  }

  /** `http://host:port`, with IPv6 hosts bracketed. */
  get url(): string {
    if (!this.address) throw new Error('relay is not listening');
    const host = this.address.family === 'IPv6' ? `[${this.address.address}]` : this.address.address;
    return `http://${host}:${this.address.port}`;
  }

  async close(): Promise<void> {
    for (const client of this.wss.clients) client.terminate();
    this.wss.close();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://relay.invalid');
    const method = req.method ?? 'GET';
    try {
      const match = this.options.router.match(method, url.pathname);
      if (!match.isPublic && !isAuthorized(req, this.options.token)) {
        throw new HttpError(401, 'unauthorized', 'a valid token is required (Authorization: Bearer <token>)');
      }
      const result = await match.handler({ req, res, url, params: match.params });
      if (!res.headersSent && !res.writableEnded) sendJson(res, 200, result ?? {});
    } catch (error) {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      if (error instanceof HttpError) {
        sendError(res, error, error.status === 401 ? { 'www-authenticate': 'Bearer' } : {});
      } else {
        this.options.logger.error(`${method} ${url.pathname} failed: ${(error as Error).message}`);
        sendError(res, new HttpError(500, 'internal', 'internal error'));
      }
    }
  }

  private upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = new URL(req.url ?? '/', 'http://relay.invalid');
    if (url.pathname !== '/ws') {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n');
      return;
    }
    if (!isAuthorized(req, this.options.token)) {
      this.options.logger.warn(`refused WebSocket from ${req.socket.remoteAddress}: missing or wrong token`);
      socket.end('HTTP/1.1 401 Unauthorized\r\nConnection: close\r\n\r\n');
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      this.options.hub.attach(ws, url.searchParams.get('deviceId'));
    });
  }
}
