import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { defaultSettings } from '../../src/extension/engine/config/settings';
import { Engine } from '../../src/extension/engine/engine';
import { silentLogger } from '../../src/extension/engine/log';
import { approvalKeys, workspaceIdentity } from '../../src/extension/engine/redis/keys';
import type { Approval } from '../../src/shared/approvals';
import type { AgentSession } from '../../src/shared/sessions';
import { waitFor } from '../helpers/net';
import { onNode } from '../helpers/redis';
import { callRelay } from '../helpers/relayCall';
import { clusterOkOn, clusterSlotOwner, currentMasterPort, cutReplication, promotion, startRedisCluster, startRedisSentinel, type RedisCluster, type RedisSentinelSetup } from '../helpers/redisTopologies';
import { RelayClient } from '../helpers/wsClient';

const TOKEN = 'redis-topologies-test-token';

describe('Redis Cluster and Sentinel (real redis-server processes, two in-process relays)', function () {
  this.timeout(120_000);
  let scratch: string;
  const engines: Engine[] = [];
  const clients: RelayClient[] = [];
  const topologies: Array<RedisCluster | RedisSentinelSetup> = [];

  beforeEach(() => {
    scratch = mkdtempSync(path.join(tmpdir(), 'am-redis-topologies-'));
  });

  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
    await Promise.all(engines.splice(0).map((e) => e.stop()));
    await Promise.all(topologies.splice(0).map((t) => t.stop()));
    rmSync(scratch, { recursive: true, force: true });
  });

  const workspace = () => path.join(scratch, 'app');
  const startRelay = async (url: string, name: string) => {
    const settings = { ...defaultSettings(), 'agentMesh.state.redisUrl': url };
    const engine = await Engine.start({ settings, token: TOKEN, dataDir: path.join(scratch, name), workspaceDir: workspace(), extensionRoot: scratch, logger: silentLogger });
    engines.push(engine);
    const client = await RelayClient.connect(engine.url, { token: TOKEN, deviceId: `device-${name}` });
    clients.push(client);
    await client.next('state:full');
    return { engine, client };
  };
  const call = <T = Approval>(engine: Engine, method: string, route: string, body?: unknown) => callRelay<T>(engine.url, TOKEN, method, route, body);
  let sequence = 0;
  /** Sends a state update and resolves once the relay acknowledged it. */
  const write = async (client: RelayClient, pathName: string, value: unknown) => {
    const id = `u${++sequence}`;
    client.send({ type: 'state:update', id, path: pathName, value, version: 1, timestamp: Date.now() });
    await client.next('ack', (f) => f.id === id, 20_000);
  };
  const stateOf = (engine: Engine) => engine.state.snapshot().state;
  /** Waits until both relays hold the same state, which has every acknowledged value in it. */
  const converged = (a: Engine, b: Engine, acknowledged: Record<string, unknown>) =>
    waitFor(
      'both relays to hold the same state with every acknowledged write',
      async () => {
        const [sa, sb] = [stateOf(a), stateOf(b)];
        const holds = (state: Record<string, unknown>) => Object.entries(acknowledged).every(([key, value]) => JSON.stringify(state[key]) === JSON.stringify(value));
        return JSON.stringify(sa) === JSON.stringify(sb) && holds(sa) ? sa : undefined;
      },
      30_000,
      100,
    );

  /** A Cluster with a replica per master, two relays on it, the master serving the workspace's slot and its replica. */
  const clusterWithTwoRelays = async () => {
    const cluster = await startRedisCluster(3, 1);
    topologies.push(cluster);
    const a = await startRelay(cluster.url, 'a');
    const b = await startRelay(cluster.url, 'b');
    const workspaceKey = approvalKeys(workspaceIdentity('', workspace())).approvals;
    const owner = await clusterSlotOwner(cluster.nodes[0].port, workspaceKey);
    assert.equal(owner.replicas.length, 1);
    const survivors = cluster.nodes.filter((node) => node.port !== owner.master).map((node) => node.port);
    /** Kills the master of the workspace's slot (SIGKILL) and waits for its replica to take over. */
    const failOver = async () => {
      await cluster.nodes.find((node) => node.port === owner.master)!.kill();
      await promotion(survivors, workspaceKey, owner.replicas[0]);
    };
    return { cluster, a, b, workspaceKey, owner, failOver };
  };

  it('a three-master Cluster: approvals, dashboard state and agent sessions are shared by two relays, every multi-key script in one slot', async () => {
    const cluster = await startRedisCluster(3);
    topologies.push(cluster);
    const a = await startRelay(cluster.url, 'a');
    const b = await startRelay(cluster.url, 'b');
    for (const relay of [a, b]) {
      assert.equal(relay.engine.condition().status, 'ok', JSON.stringify(relay.engine.condition().problems));
      // The history connects while the relay starts (in the background): connected once it has.
      await waitFor('every connection of the relay ready', async () => (relay.engine.health().redis?.status === 'connected' ? true : undefined));
      assert.deepEqual(relay.engine.health().redis, { topology: 'cluster', status: 'connected', failovers: 0 });
    }

    const created = await call(a.engine, 'POST', '/api/approvals', { title: 'Deploy', confidence: 50, risk: 'medium' });
    assert.equal(created.status, 201);
    const waiting = call(b.engine, 'GET', `/api/approvals/${created.body.id}/wait?timeoutMs=60000`);
    await waitFor('the agent to wait on relay b', async () => (b.engine.approvals.waiterCount === 1 ? true : undefined));
    assert.equal((await call(a.engine, 'POST', `/api/approvals/${created.body.id}/decision`, { decision: 'approve', by: 'cluster' })).status, 200);
    assert.deepEqual([(await waiting).body.status, (await waiting).body.decidedBy], ['approved', 'cluster']);

    await write(a.client, 'fromA', 'written on a');
    await write(b.client, 'fromB', 'written on b');
    await converged(a.engine, b.engine, { fromA: 'written on a', fromB: 'written on b' });

    const hook = { session_id: 'cluster-1', cwd: workspace(), hook_event_name: 'PostToolUse', tool_name: 'Bash', tool_input: { command: 'ls' }, tool_response: { stdout: '' } };
    assert.equal((await call(a.engine, 'POST', '/api/hooks/claude-code', hook)).status, 200);
    await a.engine.sessions.flush();
    const later = await startRelay(cluster.url, 'c');
    assert.deepEqual((await call<AgentSession[]>(later.engine, 'GET', '/api/sessions')).body.map((s) => s.id), ['claude-code:cluster-1']);
    for (const relay of [a, b, later]) assert.equal(relay.engine.condition().status, 'ok', JSON.stringify(relay.engine.condition().problems));
  });

  it('a Cluster master without a replica restarted: /health is connected again once it is back, and no failover is counted', async () => {
    const cluster = await startRedisCluster(3);
    topologies.push(cluster);
    const a = await startRelay(cluster.url, 'a');
    await waitFor('every connection of the relay ready', async () => (a.engine.health().redis?.status === 'connected' ? true : undefined));
    const owner = await clusterSlotOwner(cluster.nodes[0].port, approvalKeys(workspaceIdentity('', workspace())).approvals);
    // A master the relay's data does not live on: only the connections' start-up checks may have used it.
    const other = cluster.nodes.find((node) => node.port !== owner.master)!;
    await other.kill();
    await waitFor('the other nodes to see the cluster fail', async () => ((await clusterOkOn(cluster.nodes.filter((node) => node !== other).map((node) => node.port))) ? undefined : true), 20_000, 100);
    await other.restart();
    await waitFor('every node to see the cluster ok', async () => ((await clusterOkOn(cluster.nodes.map((node) => node.port))) ? true : undefined), 20_000, 100);
    await waitFor('the relay to be connected again', async () => (a.engine.health().redis?.status === 'connected' ? true : undefined), 20_000, 100);
    assert.equal(a.engine.health().redis?.failovers, 0);
    assert.equal((await call(a.engine, 'POST', '/api/approvals', { title: 'After the restart', confidence: 50, risk: 'medium' })).status, 201);
  });

  it('Cluster with replicas: the master of the workspace slot killed mid-run, the failover is reported and survived, nothing acknowledged is lost and both relays converge', async () => {
    const { cluster, a, b, failOver } = await clusterWithTwoRelays();
    for (const relay of [a, b]) {
      await waitFor('every connection of the relay ready', async () => (relay.engine.health().redis?.status === 'connected' ? true : undefined));
      assert.deepEqual(relay.engine.health().redis, { topology: 'cluster', status: 'connected', failovers: 0 });
    }

    const acknowledged: Record<string, unknown> = {};
    const acknowledgedApprovals: string[] = [];
    const acknowledge = async (relay: { client: RelayClient }, key: string, value: string) => {
      await write(relay.client, key, value);
      acknowledged[key] = value;
    };
    /** Creates an approval; a 503 while the slot has no master is an honest refusal, a 201 must never be lost. */
    const propose = async (relay: { engine: Engine }, title: string) => {
      const created = await call(relay.engine, 'POST', '/api/approvals', { title, confidence: 50, risk: 'medium' });
      assert.ok([201, 503].includes(created.status), `answered ${created.status}: ${JSON.stringify(created.body)}`);
      if (created.status === 201) acknowledgedApprovals.push(created.body.id);
      return created;
    };
    await acknowledge(a, 'beforeA', 'before on a');
    await acknowledge(b, 'beforeB', 'before on b');
    const first = await propose(a, 'Deploy');
    assert.equal(first.status, 201);
    const waiting = call(b.engine, 'GET', `/api/approvals/${first.body.id}/wait?timeoutMs=90000`);
    await waitFor('the agent to wait on relay b', async () => (b.engine.approvals.waiterCount === 1 ? true : undefined));

    // Writes go on from both relays while the master is killed and its replica takes over.
    let writing = true;
    let round = 0;
    const writer = (async () => {
      while (writing) {
        round += 1;
        await acknowledge(round % 2 === 0 ? a : b, `during${round}`, `during, round ${round}`);
        await propose(round % 2 === 0 ? b : a, `During the failover, round ${round}`);
      }
    })();
    await waitFor('writes to be under way', async () => (round >= 2 ? true : undefined), 20_000);
    // What /health says from the kill until the promotion (every few ms: the window lasts seconds).
    const reported = new Set<string>();
    const watchHealth = setInterval(() => {
      for (const relay of [a, b]) reported.add(relay.engine.health().redis?.status ?? 'none');
    }, 20);
    await failOver();
    clearInterval(watchHealth);
    assert.ok(reported.has('reconnecting'), `while the slot had no master /health said only ${[...reported].join(', ')}`);
    const roundAtPromotion = round;
    await waitFor('writes to go on after the promotion', async () => (round >= roundAtPromotion + 2 ? true : undefined), 60_000, 100);
    writing = false;
    await writer;

    for (const relay of [a, b]) {
      await waitFor(
        'each relay to report the failover and be connected and ok again',
        async () => {
          const redis = relay.engine.health().redis;
          return redis !== undefined && redis.failovers > 0 && redis.status === 'connected' && relay.engine.condition().status === 'ok' ? true : undefined;
        },
        60_000,
        200,
      );
    }

    await acknowledge(a, 'afterA', 'after on a');
    await acknowledge(b, 'afterB', 'after on b');
    const decided = await call(a.engine, 'POST', `/api/approvals/${first.body.id}/decision`, { decision: 'approve', by: 'after the failover' });
    assert.equal(decided.status, 200, JSON.stringify(decided.body));
    assert.deepEqual([(await waiting).body.status, (await waiting).body.decidedBy], ['approved', 'after the failover']);
    const after = await propose(b, 'After the failover');
    assert.equal(after.status, 201);
    // Heard over pub/sub (a GET would also read it from Redis).
    await waitFor('relay a to hear of the approval created on b', async () => (a.engine.approvals.get(after.body.id) ? true : undefined), 20_000, 100);

    // A relay with an empty data folder knows only what the new master holds.
    const fresh = await startRelay(cluster.url, 'fresh');
    for (const relay of [a, b, fresh]) {
      const listed = new Set((await call<Approval[]>(relay.engine, 'GET', '/api/approvals')).body.map((approval) => approval.id));
      assert.deepEqual(acknowledgedApprovals.filter((id) => !listed.has(id)), []);
    }
    const state = await converged(a.engine, b.engine, acknowledged);
    assert.deepEqual(Object.keys(acknowledged).filter((key) => !(key in state)), []);
    await converged(fresh.engine, a.engine, acknowledged);
  });

  it('Cluster with replicas: what the old master acknowledged but never replicated is put back on the promoted replica by the relays, a decision as decided', async () => {
    const { cluster, a, b, workspaceKey, owner, failOver } = await clusterWithTwoRelays();
    await write(a.client, 'replicated', 'reached the replica');
    await waitFor('relay b to hear of the first write', async () => (stateOf(b.engine).replicated ? true : undefined), 20_000, 100);
    const toDecide = await call(a.engine, 'POST', '/api/approvals', { title: 'Decided on the old master only', confidence: 50, risk: 'medium' });
    assert.equal(toDecide.status, 201);
    await waitFor('the replica to hold the pending approval', async () => ((await onNode(owner.replicas[0], (replica) => replica.call('READONLY').then(() => replica.hget(workspaceKey, toDecide.body.id)))) ? true : undefined), 20_000, 100);
    await cutReplication(owner.master, owner.replicas[0]);

    await write(a.client, 'unreplicated', 'only on the old master');
    // Relay b hears of it only once the old master took it.
    await waitFor('relay b to hear of the unreplicated write', async () => (stateOf(b.engine).unreplicated ? true : undefined), 20_000, 100);
    const unreplicated = await call(a.engine, 'POST', '/api/approvals', { title: 'Only on the old master', confidence: 50, risk: 'medium' });
    assert.equal(unreplicated.status, 201);
    const decided = await call(a.engine, 'POST', `/api/approvals/${toDecide.body.id}/decision`, { decision: 'approve', by: 'the old master' });
    assert.equal(decided.status, 200, JSON.stringify(decided.body));
    await waitFor('relay b to hear of the decision', async () => (b.engine.approvals.get(toDecide.body.id)?.status === 'approved' ? true : undefined), 20_000, 100);
    await failOver();
    for (const relay of [a, b]) {
      await waitFor('each relay to see the failover and be ok', async () => ((relay.engine.health().redis?.failovers ?? 0) > 0 && relay.engine.condition().status === 'ok' ? true : undefined), 60_000, 200);
    }

    // A relay with an empty data folder knows only what the promoted replica holds.
    const fresh = await startRelay(cluster.url, 'fresh');
    await waitFor('the fresh relay to load the approval from the promoted replica', async () => ((await call(fresh.engine, 'GET', `/api/approvals/${unreplicated.body.id}`)).status === 200 ? true : undefined), 20_000, 200);
    const held = await call(fresh.engine, 'GET', `/api/approvals/${toDecide.body.id}`);
    assert.deepEqual([held.body.status, held.body.decidedBy], ['approved', 'the old master']);
    await converged(fresh.engine, a.engine, { replicated: 'reached the replica', unreplicated: 'only on the old master' });
  });

  it('Sentinel: the master killed mid-run, the failover is reported and survived, nothing acknowledged is lost and both relays converge', async () => {
    const sentinel = await startRedisSentinel();
    topologies.push(sentinel);
    const a = await startRelay(sentinel.url, 'a');
    const b = await startRelay(sentinel.url, 'b');
    await waitFor('every connection of relay a ready', async () => (a.engine.health().redis?.status === 'connected' ? true : undefined));
    assert.deepEqual(a.engine.health().redis, { topology: 'sentinel', status: 'connected', failovers: 0 });

    const acknowledged: Record<string, unknown> = {};
    const acknowledge = async (relay: { client: RelayClient }, key: string, value: string) => {
      await write(relay.client, key, value);
      acknowledged[key] = value;
    };
    await acknowledge(a, 'beforeA', 'before on a');
    await acknowledge(b, 'beforeB', 'before on b');
    const first = await call(a.engine, 'POST', '/api/approvals', { title: 'Deploy', confidence: 50, risk: 'medium' });
    assert.equal(first.status, 201);
    const waiting = call(b.engine, 'GET', `/api/approvals/${first.body.id}/wait?timeoutMs=90000`);
    await waitFor('the agent to wait on relay b', async () => (b.engine.approvals.waiterCount === 1 ? true : undefined));

    await sentinel.master.kill();
    // While the sentinels elect a new master: state writes are acknowledged from each relay's own
    // file; approvals are acknowledged only when Redis took them (a 503 is an honest refusal).
    await acknowledge(a, 'duringA', 'during on a');
    await acknowledge(b, 'duringB', 'during on b');
    const during = await call(a.engine, 'POST', '/api/approvals', { title: 'During the failover', confidence: 40, risk: 'low' });
    assert.ok([201, 503].includes(during.status), `answered ${during.status}`);

    await waitFor('the sentinels to promote the replica', async () => ((await currentMasterPort(sentinel)) === sentinel.replica.port ? true : undefined), 60_000, 200);
    for (const relay of [a, b]) {
      await waitFor(
        'each relay to report the failover and be connected and ok again',
        async () => {
          const redis = relay.engine.health().redis;
          return redis?.failovers === 1 && redis.status === 'connected' && relay.engine.condition().status === 'ok' ? true : undefined;
        },
        60_000,
        200,
      );
    }

    await acknowledge(b, 'afterB', 'after on b');
    const decided = await call(a.engine, 'POST', `/api/approvals/${first.body.id}/decision`, { decision: 'approve', by: 'after the failover' });
    assert.equal(decided.status, 200, JSON.stringify(decided.body));
    assert.deepEqual([(await waiting).body.status, (await waiting).body.decidedBy], ['approved', 'after the failover']);
    if (during.status === 201) assert.equal((await call(b.engine, 'GET', `/api/approvals/${during.body.id}`)).body.status, 'pending');
    const after = await call(b.engine, 'POST', '/api/approvals', { title: 'After the failover', confidence: 40, risk: 'low' });
    assert.equal(after.status, 201);
    assert.equal((await call(a.engine, 'GET', `/api/approvals/${after.body.id}`)).body.status, 'pending');

    const state = await converged(a.engine, b.engine, acknowledged);
    assert.deepEqual(Object.keys(acknowledged).filter((key) => !(key in state)), []);
  });

  it('Sentinel: what the old master acknowledged but never replicated is put back on the new master by the relays', async () => {
    const sentinel = await startRedisSentinel();
    topologies.push(sentinel);
    const a = await startRelay(sentinel.url, 'a');
    const b = await startRelay(sentinel.url, 'b');
    await write(a.client, 'replicated', 'reached the replica');
    await cutReplication(sentinel.master.port, sentinel.replica.port);

    await write(a.client, 'unreplicated', 'only on the old master');
    const approval = await call(a.engine, 'POST', '/api/approvals', { title: 'Only on the old master', confidence: 50, risk: 'medium' });
    assert.equal(approval.status, 201);
    await sentinel.master.kill();
    await waitFor('the sentinels to promote the replica', async () => ((await currentMasterPort(sentinel)) === sentinel.replica.port ? true : undefined), 60_000, 200);
    for (const relay of [a, b]) {
      await waitFor('each relay to see the failover and be ok', async () => (relay.engine.health().redis?.failovers === 1 && relay.engine.condition().status === 'ok' ? true : undefined), 60_000, 200);
    }

    // A relay with an empty data folder knows only what the new master holds.
    const fresh = await startRelay(sentinel.url, 'fresh');
    await waitFor('the fresh relay to load the approval from the new master', async () => ((await call(fresh.engine, 'GET', `/api/approvals/${approval.body.id}`)).status === 200 ? true : undefined), 20_000, 200);
    await converged(fresh.engine, a.engine, { replicated: 'reached the replica', unreplicated: 'only on the old master' });
  });
});
