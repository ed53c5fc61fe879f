import { randomUUID } from 'node:crypto';
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
  /** Frames waiting for the next flush. */
  outbox: Array<string | Buffer>;
}

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
      send: (frame) => this.enqueue(connection, JSON.stringify(frame)),
    };
    const connection: Connection = { client, socket, outbox: [] };
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

  /** Sends to every client but `exceptDeviceId`, encoding the frame once for all of them. */
  broadcast(frame: ServerFrame, exceptDeviceId?: string): void {
    const data = Buffer.from(JSON.stringify(frame));
    for (const connection of this.connections) if (connection.client.deviceId !== exceptDeviceId) this.enqueue(connection, data);
  }

  publish(channel: EventChannel, name: string, payload: JsonValue): void {
    let data: Buffer | undefined;
    for (const connection of this.connections) {
      if (connection.client.channels.has(channel)) this.enqueue(connection, (data ??= Buffer.from(JSON.stringify({ type: 'event', channel, name, payload } satisfies ServerFrame))));
    }
  }

  /**
   * Frames are written once per event-loop turn per client: everything a burst of inbound frames
   * produced for one client leaves in one write (one syscall), not one write per frame.
   */
  private enqueue(connection: Connection, data: string | Buffer): void {
    if (connection.socket.readyState !== connection.socket.OPEN) return;
    connection.outbox.push(data);
    this.unflushed.add(connection);
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => this.flush());
  }

  private flush(): void {
    this.flushScheduled = false;
    for (const { socket, outbox } of this.unflushed) {
      const frames = outbox.splice(0);
      if (socket.readyState !== socket.OPEN) continue;
      this.metrics?.framesOut.inc(frames.length);
      // ws corks the TCP socket per frame; corking around the batch makes it a single write.
      const raw = (socket as unknown as { _socket?: { cork(): void; uncork(): void } })._socket;
      raw?.cork();
      for (const data of frames) socket.send(data, { binary: false });
      raw?.uncork();
    }
    this.unflushed.clear();
  }
}
