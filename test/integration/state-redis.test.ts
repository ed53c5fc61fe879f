import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Redis from 'ioredis';
import { decodeDocument } from '../../src/extension/engine/state/codec';
import { stateKeys, workspaceIdentity } from '../../src/extension/engine/redis/keys';
import type { HealthBody } from '../../src/shared/api';
import type { ServerFrame } from '../../src/shared/protocol';
import { waitFor } from '../helpers/net';
import { startRedis, type RedisServer } from '../helpers/redis';
import { startServe, type ServeProcess } from '../helpers/serve';
import { RelayClient } from '../helpers/wsClient';

const TOKEN = 'state-redis-test-token-0123456789abcdef';
const TTL_DAYS = 2;

interface Relay {
  serve: ServeProcess;
  dataDir: string;
}

describe('dashboard state on a shared Redis (real redis-server, real serve processes)', function () {
  this.timeout(60_000);
  let redis: RedisServer;
  let inspector: Redis;
  let workspace: string;
  let scratch: string;
  const relays: ServeProcess[] = [];
  const clients: RelayClient[] = [];

  beforeEach(async () => {
    redis = await startRedis();
    inspector = new Redis(redis.url, { maxRetriesPerRequest: 1, retryStrategy: () => 200 });
    inspector.on('error', () => undefined);
    scratch = mkdtempSync(path.join(tmpdir(), 'am-state-redis-'));
    workspace = path.join(scratch, 'workspace');
    writeFileSync(path.join(scratch, 'config.json'), JSON.stringify({ 'agentMesh.state.ttlDays': TTL_DAYS, 'agentMesh.state.user': 'tester' }));
  });

  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
    await Promise.all(relays.splice(0).map((r) => r.stop()));
    inspector.disconnect();
    await redis.stop();
    rmSync(scratch, { recursive: true, force: true });
  });

  const keys = () => stateKeys(workspaceIdentity('', workspace), 'tester');

  async function startRelay(name: string, dataDir = path.join(scratch, name)): Promise<Relay> {
    const serve = await startServe(
      ['--workspace', workspace, '--config', path.join(scratch, 'config.json'), '--data-dir', dataDir, '--port', '0', '--redis-url', redis.url],
      { AGENT_MESH_TOKEN: TOKEN },
    );
    relays.push(serve);
    return { serve, dataDir };
  }

  async function connect(relay: Relay, deviceId: string): Promise<RelayClient> {
    const client = await RelayClient.connect(relay.serve.url, { token: TOKEN, deviceId });
    clients.push(client);
    await client.next('state:full');
    return client;
  }

  async function health(relay: Relay): Promise<HealthBody> {
    return (await fetch(`${relay.serve.url}/health`)).json() as Promise<HealthBody>;
  }

  async function redisDocument() {
    const text = await inspector.get(keys().doc);
    return text === null ? undefined : decodeDocument(text, 'test');
  }

  let sequence = 0;
  /** Sends an update and resolves with its ack (or rejects with the error frame). */
  async function write(client: RelayClient, pathName: string, value: unknown, version = 1): Promise<Extract<ServerFrame, { type: 'ack' }>> {
    const id = `u${++sequence}`;
    client.send({ type: 'state:update', id, path: pathName, value, version, timestamp: Date.now() });
    const answer = await Promise.race([client.next('ack', (f) => f.id === id), client.next('error', (f) => f.id === id).then((f) => Promise.reject(new Error(f.message)))]);
    return answer;
  }

  const stateOf = async (relay: Relay) => (await (await fetch(`${relay.serve.url}/api/dashboard/state`, { headers: { authorization: `Bearer ${TOKEN}` } })).json()).state;

  /** Waits until both relays and the Redis copy hold byte-identical state, and returns it. */
  const convergence = (a: Relay, b: Relay) =>
    waitFor('both relays and Redis to hold the same state', async () => {
      const [sa, sb, doc] = await Promise.all([stateOf(a), stateOf(b), redisDocument()]);
      return JSON.stringify(sa) === JSON.stringify(sb) && JSON.stringify(sa) === JSON.stringify(doc?.state) ? sa : undefined;
    });

  it('round-trips an update through Redis with the version and modified keys, all with the TTL', async () => {
    const relay = await startRelay('a');
    assert.deepEqual(await health(relay).then((h) => [h.status, h.store]), ['ok', 'redis']);
    const client = await connect(relay, 'device-a');
    await write(client, 'notes.text', 'hello from a');

    const doc = await redisDocument();
    assert.deepEqual(doc?.state, { notes: { text: 'hello from a' } });
    assert.equal(doc?.paths['notes.text'].deviceId, 'device-a');
    assert.equal(await inspector.get(keys().version), String(doc!.version));
    assert.ok(Number(await inspector.get(keys().modified)) >= doc!.lastModified);
    for (const key of [keys().doc, keys().version, keys().modified]) {
      const ttl = await inspector.ttl(key);
      assert.ok(ttl > TTL_DAYS * 86_400 - 60 && ttl <= TTL_DAYS * 86_400, `TTL of ${key} is ${ttl}`);
    }

    // A fresh relay with an empty data dir gets the state from Redis alone.
    const fresh = await startRelay('fresh');
    const reader = await RelayClient.connect(fresh.serve.url, { token: TOKEN });
    clients.push(reader);
    assert.deepEqual((await reader.next('state:full')).state, { notes: { text: 'hello from a' } });
  });

  it('fans updates out between two relays sharing the Redis, both ways', async () => {
    const a = await startRelay('a');
    const b = await startRelay('b');
    const onA = await connect(a, 'device-a');
    const onB = await connect(b, 'device-b');

    await write(onA, 'pinned.message', 'from relay a');
    const atB = await onB.next('state:sync', (f) => f.path === 'pinned.message');
    assert.deepEqual([atB.value, atB.sourceDeviceId], ['from relay a', 'device-a']);

    await write(onB, 'pinned.message', 'from relay b', 2);
    const atA = await onA.next('state:sync', (f) => f.path === 'pinned.message' && f.value === 'from relay b');
    assert.equal(atA.sourceDeviceId, 'device-b');
    assert.equal(onA.frames.filter((f) => f.type === 'state:sync' && f.value === 'from relay a').length, 0, 'the sender never gets its own write back');

    assert.deepEqual(await stateOf(a), { pinned: { message: 'from relay b' } });
    assert.deepEqual(await stateOf(b), { pinned: { message: 'from relay b' } });
  });

  it('converges when two relays take concurrent writes of the same paths', async () => {
    const a = await startRelay('a');
    const b = await startRelay('b');
    const onA = await connect(a, 'device-a');
    const onB = await connect(b, 'device-b');
    const rounds = 30;
    const pending: Promise<unknown>[] = [];
    for (let i = 1; i <= rounds; i++) {
      // Same version from both sides: the tie is broken by timestamp, then device id.
      pending.push(write(onA, `race.k${i % 5}`, `a${i}`, i).catch(() => undefined));
      pending.push(write(onB, `race.k${i % 5}`, `b${i}`, i).catch(() => undefined));
    }
    await Promise.all(pending);
    const converged = await convergence(a, b);
    assert.equal(Object.keys(converged.race).length, 5);
  });

  it('converges when two relays take concurrent writes of a parent path and its children', async () => {
    const a = await startRelay('a');
    const b = await startRelay('b');
    const onA = await connect(a, 'device-a');
    const onB = await connect(b, 'device-b');
    const rounds = 20;
    const pending: Promise<unknown>[] = [];
    for (let i = 1; i <= rounds; i++) {
      // Relay a replaces the whole panel while relay b edits inside it, each side's writes arriving
      // at the other relay (and Redis) in whatever order the race gives them.
      pending.push(write(onA, 'panel', { title: `a${i}`, size: i }, 2 * i).catch(() => undefined));
      pending.push(write(onB, `panel.${i % 2 ? 'title' : 'note.text'}`, `b${i}`, 2 * i + (i % 3 === 0 ? 1 : -1)).catch(() => undefined));
    }
    await Promise.all(pending);
    await convergence(a, b);
    // The last parent write (version 40) replaced the children written below it; child writes with a
    // higher version (every third round) stay on top only if no later parent write replaced them.
    const doc = await redisDocument();
    assert.deepEqual(doc?.state.panel, { size: rounds, title: `a${rounds}` });
  });

  it('pushes a write Redis refused while connected (out of memory) once Redis takes writes again, without another write', async () => {
    const relay = await startRelay('a');
    const client = await connect(relay, 'device-a');
    await inspector.config('SET', 'maxmemory', '1');
    await write(client, 'refused.once', 'kept');
    await waitFor('/health degraded', async () => ((await health(relay)).status === 'degraded' ? true : undefined));
    assert.equal(await redisDocument(), undefined);
    const status = await client.next('status', (f) => f.status === 'degraded');
    assert.match(status.detail ?? '', /is connected but failing \(OOM /, 'a Redis that refuses writes is not called unreachable');

    await inspector.config('SET', 'maxmemory', '0');
    const doc = await waitFor('the refused write to reach Redis', async () => {
      const d = await redisDocument();
      return d?.state.refused ? d : undefined;
    });
    assert.deepEqual(doc.state, { refused: { once: 'kept' } });
    await waitFor('/health ok again', async () => ((await health(relay)).status === 'ok' ? true : undefined));
  });

  it('loses no acknowledged update when Redis is killed mid-stream and restarted, and reports degraded meanwhile', async () => {
    const relay = await startRelay('a');
    const client = await connect(relay, 'streamer');
    const acknowledged = new Map<string, number>();
    const send = async (i: number) => {
      await write(client, `stream.k${i}`, i);
      acknowledged.set(`k${i}`, i);
    };
    for (let i = 0; i < 20; i++) await send(i);
    await redis.kill();
    // Writes keep being accepted (memory + local file) while Redis is gone.
    for (let i = 20; i < 40; i++) await send(i);
    const degraded = await waitFor('/health degraded', async () => ((await health(relay)).status === 'degraded' ? true : undefined));
    assert.ok(degraded);
    assert.equal((await health(relay)).store, 'redis');
    const status = await client.next('status', (f) => f.status === 'degraded');
    assert.match(status.detail ?? '', /unreachable/);

    // Persistence is off in the test Redis: it comes back empty, like a lost cache.
    await redis.restart();
    await waitFor('/health ok again', async () => ((await health(relay)).status === 'ok' ? true : undefined), 15_000);
    await client.next('status', (f) => f.status === 'ok');
    const doc = await waitFor('the Redis copy to be restored', async () => {
      const d = await redisDocument();
      return d && Object.keys((d.state.stream as object) ?? {}).length === 40 ? d : undefined;
    });
    assert.deepEqual(doc.state.stream, Object.fromEntries(acknowledged));
    assert.equal(await inspector.ttl(keys().doc) > 0, true);
  });

  it('pushes what it acknowledged during an outage even when the relay restarted before Redis returned', async () => {
    const relay = await startRelay('a');
    const client = await connect(relay, 'device-a');
    await write(client, 'before', 'outage');
    await redis.kill();
    await waitFor('/health degraded', async () => ((await health(relay)).status === 'degraded' ? true : undefined));
    await write(client, 'during.one', 1);
    await write(client, 'during.two', 2);
    await client.close();
    await relay.serve.stop();

    const restarted = await startRelay('a', relay.dataDir);
    assert.equal((await health(restarted)).status, 'degraded');
    const reader = await connect(restarted, 'device-r');
    assert.deepEqual((await reader.next('state:full')).state, { before: 'outage', during: { one: 1, two: 2 } });

    await redis.restart();
    await waitFor('/health ok after Redis returned', async () => ((await health(restarted)).status === 'ok' ? true : undefined), 15_000);
    const doc = await waitFor('the journal to reach Redis', async () => {
      const d = await redisDocument();
      return d?.state.during ? d : undefined;
    });
    assert.deepEqual(doc.state, { before: 'outage', during: { one: 1, two: 2 } });

    // Subscribed although Redis was down when it started: another relay's writes reach it.
    const other = await startRelay('b');
    const writer = await connect(other, 'device-b');
    await write(writer, 'after', 'recovery');
    assert.equal((await reader.next('state:sync', (f) => f.path === 'after')).value, 'recovery');
  });
});
