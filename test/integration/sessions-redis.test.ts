import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Redis from 'ioredis';
import { defaultSettings } from '../../src/extension/engine/config/settings';
import { Engine } from '../../src/extension/engine/engine';
import { readHookEvent } from '../../src/extension/engine/hooks/adapters';
import { SessionTracker } from '../../src/extension/engine/hooks/sessions';
import { RedisSessionStore } from '../../src/extension/engine/hooks/sessionRedisStore';
import { silentLogger } from '../../src/extension/engine/log';
import { RedisConnections } from '../../src/extension/engine/redis/connections';
import { sessionKeys } from '../../src/extension/engine/redis/keys';
import type { AgentSession, SessionEvent } from '../../src/shared/sessions';
import { waitFor } from '../helpers/net';
import { callRelay } from '../helpers/relayCall';
import { startRedis, type RedisServer } from '../helpers/redis';
import { RelayClient } from '../helpers/wsClient';

const TOKEN = 'sessions-redis-test-token';
const DAY_MS = 24 * 3600 * 1000;

describe('agent sessions shared through Redis (two in-process relays, real redis-server)', function () {
  this.timeout(60_000);
  let redis: RedisServer;
  let workspace: string;
  const scratch: string[] = [];
  const engines: Engine[] = [];
  const closers: Array<() => Promise<void>> = [];

  const folder = (prefix: string) => {
    const dir = mkdtempSync(path.join(tmpdir(), prefix));
    scratch.push(dir);
    return dir;
  };
  const startRelay = async () => {
    const settings = { ...defaultSettings(), 'agentMesh.state.redisUrl': redis.url };
    const engine = await Engine.start({ settings, token: TOKEN, dataDir: folder('am-sessions-relay-'), workspaceDir: workspace, extensionRoot: workspace, logger: silentLogger });
    engines.push(engine);
    return engine;
  };
  const call = (engine: Engine, method: string, route: string, body?: unknown) => callRelay(engine.url, TOKEN, method, route, body);
  const postToolUse = (sessionId: string, command: string) => ({
    session_id: sessionId,
    cwd: workspace,
    hook_event_name: 'PostToolUse',
    tool_name: 'Bash',
    tool_input: { command },
    tool_response: { stdout: '' },
  });
  const sessionsProblem = (engine: Engine) => engine.condition().problems.find((p) => p.startsWith('agent sessions store (redis)'));

  beforeEach(async () => {
    redis = await startRedis();
    workspace = folder('am-sessions-redis-');
  });

  afterEach(async () => {
    await Promise.all(engines.splice(0).map((e) => e.stop()));
    for (const close of closers.splice(0)) await close();
    await redis.stop();
    for (const dir of scratch.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it('a hook that reaches relay A shows on relay B: its sessions channel, GET /api/sessions and the events; a relay started later loads them', async () => {
    const a = await startRelay();
    const b = await startRelay();
    const dashboard = await RelayClient.connect(b.url, { token: TOKEN });
    closers.push(async () => dashboard.socket.close());
    dashboard.send({ type: 'subscribe', channel: 'sessions' });
    await dashboard.next('event', (f) => f.channel === 'sessions' && f.name === 'snapshot');

    assert.equal((await call(a, 'POST', '/api/hooks/claude-code', postToolUse('shared-1', 'ls'))).status, 200);
    const upsert = await dashboard.next('event', (f) => f.channel === 'sessions' && f.name === 'upsert' && (f.payload as unknown as AgentSession).id === 'claude-code:shared-1');
    assert.equal((upsert.payload as unknown as AgentSession).counts.events, 1);
    assert.equal((await call(a, 'POST', '/api/hooks/claude-code', postToolUse('shared-1', 'pwd'))).status, 200);
    await dashboard.next('event', (f) => f.channel === 'sessions' && (f.payload as unknown as AgentSession).counts?.events === 2);

    const listed = (await call(b, 'GET', '/api/sessions')).body as AgentSession[];
    assert.deepEqual(listed.map((s) => [s.id, s.counts.events, s.status]), [['claude-code:shared-1', 2, 'running']]);
    const events = (await call(b, 'GET', '/api/sessions/claude-code%3Ashared-1/events')).body as SessionEvent[];
    assert.deepEqual(events.map((e) => e.name), ['PostToolUse', 'PostToolUse']);

    const later = await startRelay();
    assert.deepEqual(((await call(later, 'GET', '/api/sessions')).body as AgentSession[]).map((s) => [s.id, s.counts.events]), [['claude-code:shared-1', 2]]);
    assert.equal(((await call(later, 'GET', '/api/sessions/claude-code%3Ashared-1/events')).body as SessionEvent[]).length, 2);
  });

  it('keeps sessions in Redis for the retention and drops the older ones', async () => {
    let now = 1_700_000_000_000;
    const keys = sessionKeys('retention');
    const open = async (retentionDays: number) => {
      const tracker = new SessionTracker(new RedisSessionStore(new RedisConnections(redis.url, silentLogger), keys, silentLogger), silentLogger, retentionDays, () => now);
      await tracker.load();
      closers.push(() => tracker.close());
      return tracker;
    };
    const event = (sessionId: string) => readHookEvent('claude-code', { session_id: sessionId, cwd: workspace, hook_event_name: 'PreToolUse', tool_name: 'Read', tool_input: { file_path: 'a' } });
    const writer = await open(7);
    writer.observe(event('old'));
    now += 5 * DAY_MS;
    writer.observe(event('recent'));
    await writer.flush();

    const client = new Redis(redis.url);
    closers.push(async () => void client.disconnect());
    const ttl = await client.pttl(keys.session('claude-code:recent'));
    assert.ok(ttl > 6.9 * DAY_MS && ttl <= 7 * DAY_MS, `the session key expires in ${ttl} ms`);
    assert.ok((await client.pttl(keys.events('claude-code:recent'))) > 6.9 * DAY_MS);

    now += DAY_MS;
    const reader = await open(3);
    assert.deepEqual(reader.list().map((s) => s.id), ['claude-code:recent']);
    await reader.flush();
    assert.equal(await client.exists(keys.session('claude-code:old'), keys.events('claude-code:old')), 0);
    assert.deepEqual(await client.zrange(keys.index, 0, -1), ['claude-code:recent']);
  });

  it("keeps a session's latest context and failed tool results in Redis for the next relay", async () => {
    const transcript = path.join(workspace, 'ctx.jsonl');
    const usage = { input_tokens: 20, output_tokens: 5, cache_read_input_tokens: 170_000, cache_creation_input_tokens: 1_000 };
    writeFileSync(
      transcript,
      `${JSON.stringify({ type: 'assistant', message: { id: 'msg_1', model: 'claude-sonnet-4-5', content: [{ type: 'tool_use', id: 'tu1', name: 'Bash', input: { command: 'make' } }], usage } })}\n` +
        `${JSON.stringify({ type: 'user', timestamp: '2026-11-30T12:00:00.000Z', message: { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'tu1', content: 'exit 2', is_error: true }] } })}\n`,
    );
    const open = async () => {
      const tracker = new SessionTracker(new RedisSessionStore(new RedisConnections(redis.url, silentLogger), sessionKeys('context'), silentLogger), silentLogger, 7, () => Date.parse('2026-11-30T12:01:00Z'));
      await tracker.load();
      closers.push(() => tracker.close());
      return tracker;
    };
    const writer = await open();
    writer.observe(readHookEvent('claude-code', { session_id: 'ctx', cwd: workspace, transcript_path: transcript, hook_event_name: 'Stop' }));
    await writer.settled();
    await writer.flush();
    const written = writer.get('claude-code:ctx');
    assert.deepEqual([written.context, written.toolFailures], [{ tokens: 171_020, window: 200_000 }, [{ tool: 'Bash', at: Date.parse('2026-11-30T12:00:00.000Z') }]]);
    const reader = await open();
    assert.deepEqual(reader.get('claude-code:ctx'), written);
  });

  it('says in the relay condition when Redis cannot take sessions, and recovers', async () => {
    const a = await startRelay();
    await redis.kill();
    await waitFor('the sessions store to report Redis unreachable', async () => (sessionsProblem(a) ? true : undefined), 20_000, 100);
    await redis.restart();
    await waitFor('the sessions store to be ok again', async () => (sessionsProblem(a) ? undefined : true), 30_000, 100);
    assert.equal((await call(a, 'POST', '/api/hooks/claude-code', postToolUse('after', 'ls'))).status, 200);
    await a.sessions.flush();
    assert.equal(sessionsProblem(a), undefined);
    const b = await startRelay();
    assert.deepEqual(((await call(b, 'GET', '/api/sessions')).body as AgentSession[]).map((s) => s.id), ['claude-code:after']);
  });
});
