import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { generateToken } from '../../src/extension/engine/security/token';
import { startServe, type ServeProcess } from '../helpers/serve';
import { RelayClient } from '../helpers/wsClient';

const TOKEN = generateToken();

describe('dashboard state durability (real serve process, SIGKILL)', function () {
  this.timeout(60_000);
  let scratch: string;
  let relay: ServeProcess | undefined;

  const serve = () => startServe(['--workspace', scratch, '--config', path.join(scratch, 'config.json'), '--data-dir', path.join(scratch, 'data'), '--port', '0'], { AGENT_MESH_TOKEN: TOKEN });

  beforeEach(() => {
    scratch = mkdtempSync(path.join(tmpdir(), 'am-state-durable-'));
    writeFileSync(path.join(scratch, 'config.json'), '{}');
  });

  afterEach(async () => {
    await relay?.stop();
    rmSync(scratch, { recursive: true, force: true });
  });

  it('keeps every acknowledged write, large and small, when the relay is killed mid-stream', async () => {
    relay = await serve();
    const client = await RelayClient.connect(relay.url, { token: TOKEN, deviceId: 'writer' });
    client.socket.on('error', () => undefined);
    const acked = new Map<string, unknown>();
    client.socket.on('message', (data) => {
      const frame = JSON.parse(data.toString()) as { type: string; id?: string };
      if (frame.type === 'ack' && frame.id) acked.set(frame.id, values.get(frame.id));
    });
    const values = new Map<string, unknown>();
    const send = (from: number, to: number) => {
      for (let i = from; i < to; i++) {
        const value = i % 25 === 0 ? 'x'.repeat(200_000) + i : i;
        values.set(`w${i}`, value);
        client.send({ type: 'state:update', id: `w${i}`, path: `items.k${i}`, value, version: 1, timestamp: i });
      }
    };
    send(0, 200);
    while (acked.size < 100) await new Promise((r) => setTimeout(r, 2));
    send(200, 400);
    await new Promise((r) => setTimeout(r, 20));
    const ackedBeforeKill = acked.size;
    await relay.stop('SIGKILL');
    assert.ok(ackedBeforeKill >= 100 && ackedBeforeKill <= 400);
    relay = await serve();
    const state = (await (await fetch(`${relay.url}/api/dashboard/state`, { headers: { authorization: `Bearer ${TOKEN}` } })).json()) as { state: { items?: Record<string, unknown> } };
    for (const [id, value] of acked) assert.deepEqual(state.state.items?.[`k${id.slice(1)}`], value, `acknowledged ${id} survived`);
  });
});
