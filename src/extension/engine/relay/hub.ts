import { randomUUID } from 'node:crypto';
import type { Socket } from 'node:net';
import type { WebSocket } from 'ws';
import { eventFrame, type ChannelEventMap, type ChannelEventName } from '../../../shared/channelEvents';
import type { ClientFrame, EventChannel, ServerFrame } from '../../../shared/protocol';
import { parseClientFrame } from '../../../shared/protocol';
import type { Logger } from '../log';
import type { Metrics } from '../metrics';
import { TokenBucket } from '../tokenBucket';

export interface HubClient {
  /**
   * The connection's identity: the device id it asked for, unless a live connection holds that one
   * already (then a fresh one), so no two live connections share it.
   */
  readonly deviceId: string;
  readonly channels: Set<EventChannel>;
  /**
   * Set when the client connected with `?dialect=seed` or once it wrote in the seed's DM-11.2
   * shape: state frames reach it in that shape.
   */
  dialect?: 'seed';
  send(frame: ServerFrame): void;
  /**
   * Sends a frame already encoded as JSON text, or still being encoded (compressed off the event
   * loop): frames sent after it wait behind it, so the client sees them in order.
   */
  sendText(json: string | Promise<string>): void;
  /** Runs `release` when the socket closes (at once if it has), so what the client registered goes with it. */
  onClose(release: () => void): void;
}

/** A token bucket per connection for inbound frames, by count and by bytes. */
export interface RateLimit {
  framesPerSecond: number;
  burstFrames: number;
  bytesPerSecond: number;
  burstBytes: number;
}

export interface HubOptions {
  /** How often every socket is pinged; one that has not answered the previous ping is terminated. */
  heartbeatMs?: number;
  rate?: RateLimit;
}

/**
 * Generous enough for a dashboard replaying a long offline session and for pipelined agents (the
 * relay bench sends bursts of 1,000 updates), tight enough that one socket cannot monopolise the relay.
 */
export const DEFAULT_RATE_LIMIT: RateLimit = { framesPerSecond: 2_000, burstFrames: 10_000, bytesPerSecond: 16 * 1024 * 1024, burstBytes: 64 * 1024 * 1024 };
export const DEFAULT_HEARTBEAT_MS = 30_000;
/** Frames refused for the rate in a row before the socket is closed (1008, policy violation). */
const RATE_LIMIT_STRIKES = 50;

interface Connection {
  client: HubClient;
  socket: WebSocket;
  /** Complete WebSocket frames (header and payload) waiting for the next flush. */
  outbox: Buffer[];
  /** Unsent bytes tolerated before the client counts as not reading (see MAX_BUFFERED_BYTES). */
  allowance: number;
  /** Whether the socket answered the last ping. */
  alive: boolean;
  bucket: FrameBudget;
  releases: Array<() => void>;
  closed: boolean;
  /** Frames waiting behind one still being encoded, in order; `frame` is set once it is ready. */
  held: Array<{ frame?: Buffer }>;
  /** Inbound frames not handled yet, oldest first (see `drain`). */
  inbox: Array<{ raw: Buffer; isBinary: boolean }>;
  inboxBytes: number;
}

/** How long one turn of the event loop works through a connection's inbound frames. */
const INBOX_SLICE_MS = 10;
/** Unhandled inbound bytes above which the hub stops reading a socket until it caught up. */
const MAX_INBOX_BYTES = 8 * 1024 * 1024;

/**
 * A client whose socket has this much unsent data is not keeping up (a stalled tab, a dead network
 * path): it is dropped rather than buffered without bound, and resyncs with `state:full` when it
 * reconnects. A client is always allowed two of the largest frame (or burst of frames) it was sent, so that a dashboard
 * bigger than this limit still reaches a client on a slow link instead of dropping it in a loop.
 */
export const MAX_BUFFERED_BYTES = 8 * 1024 * 1024;

/**
 * The connected dashboards. Validates every inbound frame at the edge, refuses bad ones with an
 * error frame, and hands good ones to the engine.
 */
export class Hub {
  private readonly connections = new Set<Connection>();
  private readonly byDeviceId = new Map<string, Connection>();
  private readonly unflushed = new Set<Connection>();
  private flushScheduled = false;
  private readonly heartbeat: NodeJS.Timeout;
  private readonly rate: RateLimit;

  constructor(
    private readonly logger: Logger,
    private readonly onFrame: (client: HubClient, frame: ClientFrame) => void | Promise<void>,
    private readonly onConnect: (client: HubClient) => void,
    private readonly metrics?: Metrics,
    options: HubOptions = {},
  ) {
    this.rate = options.rate ?? DEFAULT_RATE_LIMIT;
    this.heartbeat = setInterval(() => this.pingAll(), options.heartbeatMs ?? DEFAULT_HEARTBEAT_MS);
    this.heartbeat.unref();
  }

  dispose(): void {
    clearInterval(this.heartbeat);
  }

  get size(): number {
    return this.connections.size;
  }

  attach(socket: WebSocket, requestedDeviceId: string | null, dialect?: 'seed'): HubClient {
    const claimed = requestedDeviceId && /^[\w.-]{1,64}$/.test(requestedDeviceId) ? requestedDeviceId : undefined;
    const deviceId = claimed && !this.byDeviceId.has(claimed) ? claimed : randomUUID();
    const client: HubClient = {
      deviceId,
      channels: new Set(),
      ...(dialect ? { dialect } : {}),
      send: (frame) => this.enqueue(connection, textFrame(JSON.stringify(frame))),
      sendText: (json) => (typeof json === 'string' ? this.enqueue(connection, textFrame(json)) : this.enqueueLater(connection, framed(json))),
      onClose: (release) => (connection.closed ? release() : connection.releases.push(release)),
    };
    const connection: Connection = { client, socket, outbox: [], allowance: MAX_BUFFERED_BYTES, alive: true, bucket: new FrameBudget(this.rate), releases: [], closed: false, held: [], inbox: [], inboxBytes: 0 };
    this.connections.add(connection);
    this.byDeviceId.set(deviceId, connection);
    this.metrics?.connectedClients.inc();
    socket.on('pong', () => (connection.alive = true));
    socket.on('message', (data, isBinary) => {
      this.metrics?.framesIn.inc();
      const raw = data as Buffer;
      if (!connection.bucket.take(raw.length)) {
        this.refuseForRate(connection);
        return;
      }
      connection.inbox.push({ raw, isBinary });
      connection.inboxBytes += raw.length;
      // Reading stops while a backlog is being worked through (TCP pushes back on the client).
      if (connection.inboxBytes > MAX_INBOX_BYTES) socket.pause();
      if (connection.inbox.length === 1) setImmediate(() => this.drain(connection));
    });
    socket.on('close', () => this.detach(connection));
    socket.on('error', (error) => this.logger.warn(`socket ${deviceId}: ${error.message}`));
    this.onConnect(client);
    return client;
  }

  /**
   * Handles a connection's inbound frames in slices of the event loop, so that a burst of large
   * frames (parsed, validated and applied on this thread) lets everything else — other sockets'
   * acks, /health — run between them instead of waiting for the whole burst.
   */
  private drain(connection: Connection): void {
    const started = performance.now();
    while (connection.inbox.length > 0 && performance.now() - started < INBOX_SLICE_MS) {
      const { raw, isBinary } = connection.inbox.shift()!;
      connection.inboxBytes -= raw.length;
      this.handle(connection.client, isBinary ? Buffer.from(raw) : raw.toString('utf8'));
    }
    if (connection.inboxBytes <= MAX_INBOX_BYTES && connection.socket.isPaused) connection.socket.resume();
    if (connection.inbox.length > 0) setImmediate(() => this.drain(connection));
  }

  private handle(client: HubClient, text: string | Buffer): void {
    const parsed = parseClientFrame(text);
    if (!parsed.ok) {
      this.refuse(client, parsed.code, parsed.message, parsed.id);
      return;
    }
    Promise.resolve(this.onFrame(client, parsed.frame)).catch((error: unknown) => {
      this.logger.error(`frame handling failed: ${(error as Error).message}`);
      this.refuse(client, 'internal', 'the relay could not apply this frame', 'id' in parsed.frame ? parsed.frame.id : undefined);
    });
  }

  private detach(connection: Connection): void {
    if (connection.closed) return;
    connection.closed = true;
    this.connections.delete(connection);
    this.unflushed.delete(connection);
    if (this.byDeviceId.get(connection.client.deviceId) === connection) this.byDeviceId.delete(connection.client.deviceId);
    this.metrics?.connectedClients.dec();
    for (const release of connection.releases.splice(0)) release();
  }

  /** Over the rate: the frame is dropped with an error frame; a client that keeps going is closed. */
  private refuseForRate(connection: Connection): void {
    const strikes = connection.bucket.strike();
    if (strikes === 1 || strikes % 10 === 0) this.refuse(connection.client, 'rate_limited', `more than ${this.rate.framesPerSecond} frames or ${this.rate.bytesPerSecond} bytes per second; slow down`);
    if (strikes >= RATE_LIMIT_STRIKES && connection.socket.readyState === connection.socket.OPEN) {
      this.logger.warn(`closing ${connection.client.deviceId}: it kept sending over the rate limit`);
      this.flush();
      connection.socket.close(1008, 'rate limit exceeded');
    }
  }

  /** Terminates every socket that did not answer the previous ping (a half-open connection), pings the rest. */
  private pingAll(): void {
    for (const connection of this.connections) {
      if (!connection.alive) {
        this.logger.warn(`dropping ${connection.client.deviceId}: no answer to the last ping`);
        connection.socket.terminate();
        this.detach(connection);
        continue;
      }
      connection.alive = false;
      if (connection.socket.readyState === connection.socket.OPEN) connection.socket.ping();
    }
  }

  /** Sends an error frame for a frame the relay did not accept, and counts it by reason. */
  refuse(client: HubClient, code: Extract<ServerFrame, { type: 'error' }>['code'], message: string, id?: string): void {
    this.metrics?.refusedFrames.inc({ reason: code });
    this.logger.debug(`refused frame from ${client.deviceId}: ${code}`);
    client.send({ type: 'error', code, message, ...(id ? { id } : {}) });
  }

  /**
   * Sends to every client but `except`, encoding and framing the frame once for all of them;
   * clients speaking the seed's dialect get `seedText` instead when there is one.
   */
  broadcast(frame: ServerFrame, except?: HubClient, seedText?: () => string): void {
    let data: Buffer | undefined;
    let seedData: Buffer | undefined;
    for (const connection of this.connections) {
      if (connection.client === except) continue;
      if (seedText && connection.client.dialect === 'seed') this.enqueue(connection, (seedData ??= textFrame(seedText())));
      else this.enqueue(connection, (data ??= textFrame(JSON.stringify(frame))));
    }
  }

  /** `broadcast` for a frame encoded as JSON text elsewhere, possibly still being encoded (see `sendText`). */
  broadcastText(json: string | Promise<string>, seedText?: () => string): void {
    const frame = typeof json === 'string' ? textFrame(json) : framed(json);
    let seedFrame: Buffer | undefined;
    for (const connection of this.connections) {
      if (seedText && connection.client.dialect === 'seed') this.enqueue(connection, (seedFrame ??= textFrame(seedText())));
      else if (frame instanceof Promise) this.enqueueLater(connection, frame);
      else this.enqueue(connection, frame);
    }
  }

  publish<C extends EventChannel, N extends ChannelEventName<C>>(channel: C, name: N, payload: ChannelEventMap[C][N]): void {
    let data: Buffer | undefined;
    for (const connection of this.connections) {
      if (connection.client.channels.has(channel)) this.enqueue(connection, (data ??= textFrame(JSON.stringify(eventFrame(channel, name, payload)))));
    }
  }

  /**
   * Frames are written once per event-loop turn per client: everything a burst of inbound frames
   * produced for one client leaves in one write (one syscall), not one write per frame.
   */
  private enqueue(connection: Connection, frame: Buffer): void {
    if (connection.held.length > 0) connection.held.push({ frame });
    else this.queue(connection, frame);
  }

  private enqueueLater(connection: Connection, frame: Promise<Buffer>): void {
    const slot: { frame?: Buffer } = {};
    connection.held.push(slot);
    frame.then(
      (ready) => {
        slot.frame = ready;
        while (connection.held[0]?.frame) this.queue(connection, connection.held.shift()!.frame!);
      },
      (error: unknown) => {
        // The client would miss a frame: it reconnects and starts over instead.
        this.logger.error(`encoding a frame for ${connection.client.deviceId} failed: ${(error as Error).message}`);
        connection.held.length = 0;
        connection.socket.terminate();
      },
    );
  }

  private queue(connection: Connection, frame: Buffer): void {
    if (connection.socket.readyState !== connection.socket.OPEN) return;
    connection.outbox.push(frame);
    connection.allowance = Math.max(connection.allowance, 2 * frame.length);
    this.unflushed.add(connection);
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => this.flush());
  }

  private flush(): void {
    this.flushScheduled = false;
    for (const connection of this.unflushed) {
      const { socket, outbox, client, allowance } = connection;
      const frames = outbox.splice(0);
      if (socket.readyState !== socket.OPEN) continue;
      const raw = rawSocket(socket);
      if (raw.writableLength > allowance) {
        // A close frame would queue behind the same unread bytes, so the connection is cut instead.
        this.logger.warn(`dropping ${client.deviceId}: ${raw.writableLength} bytes unsent, the client is not reading`);
        this.metrics?.slowClientsDropped.inc();
        socket.terminate();
        continue;
      }
      this.metrics?.framesOut.inc(frames.length);
      const data = frames.length === 1 ? frames[0] : Buffer.concat(frames);
      // A burst (the writes one save made durable, fanned out together) counts like one large frame.
      connection.allowance = Math.max(connection.allowance, 2 * data.length);
      raw.write(data);
    }
    this.unflushed.clear();
  }
}

/**
 * One complete, unmasked text frame (RFC 6455 §5.2). Broadcasts are framed once and the same bytes
 * written to every client, where ws's per-socket send would frame them again for each. Writing
 * frames straight to the TCP socket is safe because the relay's server never compresses
 * (`perMessageDeflate: false`), so ws's sender never holds a queue these writes could overtake, and
 * each write is whole frames, so ws's own control frames (pong, close) can only fall between them.
 */
export function textFrame(json: string): Buffer {
  const length = Buffer.byteLength(json);
  const headerLength = length < 126 ? 2 : length < 65_536 ? 4 : 10;
  const frame = Buffer.allocUnsafe(headerLength + length);
  frame[0] = 0x81; // FIN + opcode 1 (text)
  if (headerLength === 2) frame[1] = length;
  else if (headerLength === 4) {
    frame[1] = 126;
    frame.writeUInt16BE(length, 2);
  } else {
    frame[1] = 127;
    frame.writeBigUInt64BE(BigInt(length), 2);
  }
  frame.write(json, headerLength, 'utf8');
  return frame;
}

function framed(json: Promise<string>): Promise<Buffer> {
  return json.then(textFrame);
}

function rawSocket(socket: WebSocket): Socket {
  return (socket as unknown as { _socket: Socket })._socket;
}

/** Tokens refill continuously up to the burst; a frame takes one frame token and its size in byte tokens. */
/** A connection's inbound budget: a frame passes when both its count and its bytes are there. */
class FrameBudget {
  private readonly frames: TokenBucket;
  private readonly bytes: TokenBucket;
  private strikes = 0;

  constructor(limit: RateLimit) {
    this.frames = new TokenBucket(limit.burstFrames, limit.framesPerSecond);
    this.bytes = new TokenBucket(limit.burstBytes, limit.bytesPerSecond);
  }

  take(size: number): boolean {
    const now = performance.now();
    if (this.frames.available(now) < 1 || this.bytes.available(now) < size) return false;
    this.frames.take(1, now);
    this.bytes.take(size, now);
    this.strikes = 0;
    return true;
  }

  /** Counts one more frame refused in a row; returns the count. */
  strike(): number {
    return ++this.strikes;
  }
}
