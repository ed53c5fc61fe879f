import { strict as assert } from 'node:assert';
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import WebSocket, { WebSocketServer } from 'ws';
import { textFrame } from '../../src/extension/engine/relay/hub';

describe('pre-framed WebSocket text frames', () => {
  let server: Server;
  let wss: WebSocketServer;
  let url: string;

  beforeEach(async () => {
    server = createServer();
    wss = new WebSocketServer({ server, perMessageDeflate: false });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterEach(async () => {
    for (const client of wss.clients) client.terminate();
    wss.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  // Each length crosses one of the header's size classes: 7-bit, 16-bit and 64-bit payload lengths.
  it('are read by a real WebSocket client as the same messages, at every payload-length size', async () => {
    const texts = [0, 1, 125, 126, 127, 65_535, 65_536, 300_000].map((length) => 'é'.repeat(Math.floor(length / 2)) + 'x'.repeat(length % 2));
    const connected = new Promise<Socket>((resolve) => wss.once('connection', (ws) => resolve((ws as unknown as { _socket: Socket })._socket)));
    const client = new WebSocket(url);
    const received: string[] = [];
    const all = new Promise<void>((resolve) =>
      client.on('message', (data, isBinary) => {
        assert.equal(isBinary, false);
        received.push(data.toString());
        if (received.length === texts.length) resolve();
      }),
    );
    const raw = await connected;
    // Several frames in one write, as the hub flushes them.
    raw.write(Buffer.concat(texts.map((text) => textFrame(text))));
    await all;
    assert.deepEqual(received, texts);
    client.close();
  });
});
