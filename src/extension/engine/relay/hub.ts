import { randomUUID } from 'node:crypto';
import type { Socket } from 'node:net';
import type { WebSocket } from 'ws';
import type { ClientFrame, EventChannel, JsonValue, ServerFrame } from '../../../shared/protocol';
import { parseClientFrame } from '../../../shared/protocol';
import type { Logger } from '../log';
import type { Metrics } from '../metrics';

export interface HubClient {
  readonly deviceId: string;
  readonly channels: Set<EventChannel>;
  send(frame: ServerFrame): void;
}

interface Connection {
  client: HubClient;
  socket: WebSocket;
  /** Complete WebSocket frames (header and payload) waiting for the next flush. */
  outbox: Buffer[];
  /** Unsent bytes tolerated before the client counts as not reading (see MAX_BUFFERED_BYTES). */
  allowance: number;
}

/**
 * A client whose socket has this much unsent data is not keeping up (a stalled tab, a dead network
 * path): it is dropped rather than buffered without bound, and resyncs with `state:full` when it
 * reconnects. A client is always allowed two of the largest frame it was sent, so that a dashboard
 * bigger than this limit still reaches a client on a slow link instead of dropping it in a loop.
 */
export const MAX_BUFFERED_BYTES = 8 * 1024 * 1024;

/**
 * The connected dashboards. Validates every inbound frame at the edge, refuses bad ones with an
 * error frame, and hands good ones to the engine.
 */
export class Hub {
  private readonly connections = new Set<Connection>();
  private readonly unflushed = new Set<Connection>();
  private flushScheduled = false;

  constructor(
    private readonly logger: Logger,
    private readonly onFrame: (client: HubClient, frame: ClientFrame) => void | Promise<void>,
    private readonly onConnect: (client: HubClient) => void,
    private readonly metrics?: Metrics,
  ) {}

  get size(): number {
    return this.connections.size;
  }

  attach(socket: WebSocket, requestedDeviceId: string | null): HubClient {
    const deviceId = requestedDeviceId && /^[\w.-]{1,64}$/.test(requestedDeviceId) ? requestedDeviceId : randomUUID();
    const client: HubClient = {
      deviceId,
      channels: new Set(),
      send: (frame) => this.enqueue(connection, textFrame(JSON.stringify(frame))),
    };
    const connection: Connection = { client, socket, outbox: [], allowance: MAX_BUFFERED_BYTES };
    this.connections.add(connection);
    this.metrics?.connectedClients.inc();
    socket.on('message', (data, isBinary) => {
      this.metrics?.framesIn.inc();
      const parsed = parseClientFrame(isBinary ? Buffer.from(data as Buffer) : (data as Buffer).toString('utf8'));
      if (!parsed.ok) {
        this.refuse(client, parsed.code, parsed.message, parsed.id);
        return;
      }
      Promise.resolve(this.onFrame(client, parsed.frame)).catch((error: unknown) => {
        this.logger.error(`frame handling failed: ${(error as Error).message}`);
        this.refuse(client, 'internal', 'the relay could not apply this frame', 'id' in parsed.frame ? parsed.frame.id : undefined);
      });
    });
    socket.on('close', () => {
      if (this.connections.delete(connection)) this.metrics?.connectedClients.dec();
    });
    socket.on('error', (error) => this.logger.warn(`socket ${deviceId}: ${error.message}`));
    this.onConnect(client);
    return client;
  }

  /** Sends an error frame for a frame the relay did not accept, and counts it by reason. */
  refuse(client: HubClient, code: Extract<ServerFrame, { type: 'error' }>['code'], message: string, id?: string): void {
    this.metrics?.refusedFrames.inc({ reason: code });
    this.logger.debug(`refused frame from ${client.deviceId}: ${code}`);
    client.send({ type: 'error', code, message, ...(id ? { id } : {}) });
  }

  /** Sends to every client but `exceptDeviceId`, encoding and framing the frame once for all of them. */
  broadcast(frame: ServerFrame, exceptDeviceId?: string): void {
    let data: Buffer | undefined;
    for (const connection of this.connections) {
      if (connection.client.deviceId !== exceptDeviceId) this.enqueue(connection, (data ??= textFrame(JSON.stringify(frame))));
    }
  }

  publish(channel: EventChannel, name: string, payload: JsonValue): void {
    let data: Buffer | undefined;
    for (const connection of this.connections) {
      if (connection.client.channels.has(channel)) this.enqueue(connection, (data ??= textFrame(JSON.stringify({ type: 'event', channel, name, payload } satisfies ServerFrame))));
    }
  }

  /**
   * Frames are written once per event-loop turn per client: everything a burst of inbound frames
   * produced for one client leaves in one write (one syscall), not one write per frame.
   */
  private enqueue(connection: Connection, frame: Buffer): void {
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
      raw.write(frames.length === 1 ? frames[0] : Buffer.concat(frames));
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

function rawSocket(socket: WebSocket): Socket {
  return (socket as unknown as { _socket: Socket })._socket;
}
