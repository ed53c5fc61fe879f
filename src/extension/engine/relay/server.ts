import { createServer, STATUS_CODES, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import { MAX_FRAME_BYTES } from '../../../shared/protocol';
import type { Logger } from '../log';
import { APP_SUBPROTOCOL, isAuthorized } from './auth';
import { EngineError } from '../errors';
import { httpErrorOf } from './errors';
import { hasBody, headerBytes, HttpError, isJsonContentType, limitBody, MAX_HEADER_BYTES, MAX_URL_BYTES, PARSER_MAX_HEADER_BYTES, PROTECTIVE_HEADERS, sendError, sendJson } from './http';
import type { Hub } from './hub';
import { OriginPolicy } from './origin';
import { RequestRateLimit } from './rateLimit';
import type { Router } from './router';

const METHODS_WITH_BODY = new Set(['POST', 'PATCH', 'PUT', 'DELETE']);

export interface RelayServerOptions {
  host: string;
  port: number;
  /** Host names the relay answers under besides IP addresses, localhost and `host`. */
  allowedHosts?: string[];
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
  private readonly origins: OriginPolicy;
  private readonly rateLimit = new RequestRateLimit();

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
    this.origins = new OriginPolicy([options.host, ...(options.allowedHosts ?? [])], () => this.address?.port);
    this.server = createServer({ maxHeaderSize: PARSER_MAX_HEADER_BYTES }, (req, res) => void this.handle(req, res));
    this.server.on('upgrade', (req, socket, head) => this.upgrade(req, socket, head));
    this.server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => {
      // A request the parser cannot read still gets an answer, not a reset.
      if (socket.writable) endRaw(socket, error.code === 'HPE_HEADER_OVERFLOW' ? 431 : 400);
      else socket.destroy();
    });
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

  allowHost(hostname: string): void {
    this.origins.allowHostname(hostname);
  }

  async close(): Promise<void> {
    for (const client of this.wss.clients) client.terminate();
    this.wss.close();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = req.method ?? 'GET';
    const target = requestTarget(req.url);
    for (const [name, value] of Object.entries(PROTECTIVE_HEADERS)) res.setHeader(name, value);
    try {
      const refusal = this.doorRefusal(req);
      if (refusal) throw refusal;
      // A VS Code webview (desktop) is a cross-origin page of its own that holds the token: its calls
      // are allowed by CORS. Every other preflight gets no Access-Control-Allow-* header at all.
      const webviewOrigin = vscodeWebviewOrigin(req);
      if (webviewOrigin) allowWebviewOrigin(res, webviewOrigin);
      if (method === 'OPTIONS') {
        if (!webviewOrigin) throw new HttpError(403, 'cors_refused', 'cross-origin requests are refused');
        res.writeHead(204, WEBVIEW_PREFLIGHT_HEADERS);
        res.end();
        return;
      }
      if (!target) throw new HttpError(400, 'bad_request', 'unreadable request target');
      if (!this.options.router.isPublic(method, target.pathname) && !isAuthorized(req, this.options.token)) {
        throw new HttpError(401, 'unauthorized', 'a valid token is required (Authorization: Bearer <token>)');
      }
      const match = this.options.router.match(method, target.pathname);
      if (METHODS_WITH_BODY.has(method) && hasBody(req)) {
        if (!isJsonContentType(req.headers['content-type'])) throw new HttpError(415, 'unsupported_media_type', 'request bodies must be application/json');
        if (Number(req.headers['content-length'] ?? 0) > match.maxBodyBytes) throw new HttpError(413, 'body_too_large', `request body exceeds ${match.maxBodyBytes} bytes`);
      }
      limitBody(req, match.maxBodyBytes);
      const result = await match.handler({ req, res, url: target, params: match.params });
      if (!res.headersSent && !res.writableEnded) sendJson(res, 200, result ?? {});
    } catch (error) {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      const refusal = error instanceof EngineError ? httpErrorOf(error) : error;
      if (refusal instanceof HttpError) {
        sendError(res, refusal, refusal.status === 401 ? { 'www-authenticate': 'Bearer' } : {});
      } else {
        this.options.logger.error(`${method} ${target?.pathname ?? '(unreadable path)'} failed: ${(error as Error).message}`);
        sendError(res, new HttpError(500, 'internal', 'internal error'));
      }
    }
  }

  /** Size, rate, Host and Origin: what every request and upgrade passes before anything else. */
  private doorRefusal(req: IncomingMessage): HttpError | undefined {
    if ((req.url ?? '').length > MAX_URL_BYTES) return new HttpError(414, 'uri_too_long', `the request target exceeds ${MAX_URL_BYTES} bytes`);
    if (headerBytes(req) > MAX_HEADER_BYTES) return new HttpError(431, 'headers_too_large', `the headers exceed ${MAX_HEADER_BYTES} bytes`);
    if (!this.rateLimit.allow(req.socket, req.socket.remoteAddress ?? '')) return new HttpError(429, 'rate_limited', 'too many requests; slow down');
    return this.origins.check(req);
  }

  private upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const refusal = this.doorRefusal(req);
    if (refusal) {
      if (refusal.status === 403 || refusal.status === 421) this.options.logger.warn(`refused WebSocket from ${req.socket.remoteAddress}: ${refusal.message}`);
      endRaw(socket, refusal.status);
      return;
    }
    if (!isAuthorized(req, this.options.token)) {
      this.options.logger.warn(`refused WebSocket from ${req.socket.remoteAddress}: missing or wrong token`);
      endRaw(socket, 401);
      return;
    }
    const target = requestTarget(req.url);
    if (target?.pathname !== '/ws') {
      endRaw(socket, 404);
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      this.options.hub.attach(ws, target.searchParams.get('deviceId'), target.searchParams.get('dialect') === 'seed' ? 'seed' : undefined);
    });
  }
}

/** The path and query of a request target; undefined when it cannot be read. Never throws. */
function requestTarget(raw: string | undefined): URL | undefined {
  // Only origin-form targets ("/path?query"): "//host/x" or "http://host/x" would move the base.
  if (!raw?.startsWith('/') || raw.startsWith('//')) return undefined;
  try {
    return new URL(raw, 'http://relay.invalid');
  } catch {
    return undefined;
  }
}

function endRaw(socket: Duplex, status: number): void {
  socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}

const WEBVIEW_PREFLIGHT_HEADERS = {
  'access-control-allow-methods': 'GET, POST, PATCH, PUT, DELETE',
  'access-control-allow-headers': 'authorization, content-type',
  'access-control-max-age': '600',
};

/** The Origin of a request from a VS Code webview (`vscode-webview://<id>`), which no web page can claim. */
function vscodeWebviewOrigin(req: IncomingMessage): string | undefined {
  const origin = req.headers.origin;
  return typeof origin === 'string' && /^vscode-webview:\/\/[\w.-]{1,128}$/.test(origin) ? origin : undefined;
}

function allowWebviewOrigin(res: ServerResponse, origin: string): void {
  res.setHeader('access-control-allow-origin', origin);
  res.setHeader('vary', 'Origin');
}
