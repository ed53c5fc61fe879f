import { randomUUID } from 'node:crypto';
import type { WebSocket } from 'ws';
import type { ClientFrame, EventChannel, JsonValue, ServerFrame } from '../../../shared/protocol';
import { parseClientFrame } from '../../../shared/protocol';
import type { Logger } from '../log';

export interface HubClient {
  readonly deviceId: string;
  readonly channels: Set<EventChannel>;
  send(frame: ServerFrame): void;
}

export interface HubCounters {
  framesIn: number;
  framesOut: number;
  refused: Record<string, number>;
}

/**
 * The connected dashboards. Validates every inbound frame at the edge, refuses bad ones with an
 * error frame, and hands good ones to the engine.
 */
export class Hub {
  private readonly clients = new Set<HubClient>();
  readonly counters: HubCounters = { framesIn: 0, framesOut: 0, refused: {} };

  constructor(
    private readonly logger: Logger,
    private readonly onFrame: (client: HubClient, frame: ClientFrame) => void | Promise<void>,
    private readonly onConnect: (client: HubClient) => void,
  ) {}

  get size(): number {
    return this.clients.size;
  }

  attach(socket: WebSocket, requestedDeviceId: string | null): HubClient {
    const deviceId = requestedDeviceId && /^[\w.-]{1,64}$/.test(requestedDeviceId) ? requestedDeviceId : randomUUID();
    const client: HubClient = {
      deviceId,
      channels: new Set(),
      send: (frame) => {
        if (socket.readyState !== socket.OPEN) return;
        this.counters.framesOut += 1;
        socket.send(JSON.stringify(frame));
      },
    };
    this.clients.add(client);
    socket.on('message', (data, isBinary) => {
      this.counters.framesIn += 1;
      const parsed = parseClientFrame(isBinary ? Buffer.from(data as Buffer) : (data as Buffer).toString('utf8'));
      if (!parsed.ok) {
        this.counters.refused[parsed.code] = (this.counters.refused[parsed.code] ?? 0) + 1;
        this.logger.debug(`refused frame from ${deviceId}: ${parsed.code}`);
        client.send({ type: 'error', code: parsed.code, message: parsed.message, ...(parsed.id ? { id: parsed.id } : {}) });
        return;
      }
      Promise.resolve(this.onFrame(client, parsed.frame)).catch((error: unknown) => {
        this.logger.error(`frame handling failed: ${(error as Error).message}`);
        client.send({ type: 'error', code: 'internal', message: 'the relay could not apply this frame' });
      });
    });
    socket.on('close', () => this.clients.delete(client));
    socket.on('error', (error) => this.logger.warn(`socket ${deviceId}: ${error.message}`));
    this.onConnect(client);
    return client;
  }

  /** Sends to every client but `exceptDeviceId`. */
  broadcast(frame: ServerFrame, exceptDeviceId?: string): void {
    for (const client of this.clients) if (client.deviceId !== exceptDeviceId) client.send(frame);
  }

  publish(channel: EventChannel, name: string, payload: JsonValue): void {
    for (const client of this.clients) if (client.channels.has(channel)) client.send({ type: 'event', channel, name, payload });
  }
}
