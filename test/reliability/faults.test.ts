// Fault tests against real relays: Redis killed and restarted during writes, the relay SIGKILLed
// during acknowledged writes, a read-only data folder, corrupt files at start, dead and slow sockets,
// and an MCP server that crashes every time it starts. Each records its figures for the README.
import { strict as assert } from 'node:assert';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { generateToken } from '../../src/extension/engine/security/token';
import type { HealthBody } from '../../src/shared/api';
import { FIXTURES_DIR } from '../fixtures/mcp';
import { waitFor } from '../helpers/net';
import { residentBytes } from '../helpers/procStatus';
import { makeReadOnly, makeWritable } from '../helpers/readOnly';
import { startRedis, type RedisServer } from '../helpers/redis';
import { recordReliability } from '../helpers/reliabilityResults';
import { startServe, type ServeProcess } from '../helpers/serve';
import { requestJson } from '../helpers/serveFixture';
import { lostWrites, StateWriter, type AckedWrite, type WriteOutcome } from '../helpers/stateWriter';
import { RelayClient } from '../helpers/wsClient';
import { envCount, LONG } from './mode';

const token = generateToken();
const auth = { authorization: `Bearer ${token}` };
/** Liveness bound for one answer: longer means the door hangs. */
const ANSWER_MS = 10_000;

let scratch: string;
const started: ServeProcess[] = [];

async function serve(args: string[]): Promise<ServeProcess> {
  const relay = await startServe([...args, '--port', '0', '--token', token, '--log-level', 'error']);
  started.push(relay);
  return relay;
}

async function health(relay: ServeProcess): Promise<HealthBody> {
  return (await fetch(`${relay.url}/health`, { headers: auth, signal: AbortSignal.timeout(ANSWER_MS) })).json() as Promise<HealthBody>;
}

async function stateOf(relay: ServeProcess): Promise<unknown> {
  return (await requestJson(relay.url, token, 'GET', '/api/dashboard/state')).body.state;
}

/** Each writer writes its paths in turn until `until()` is true; returns the outcome counts. */
async function writeUntil(writers: StateWriter[], paths: string[], until: () => boolean): Promise<Record<WriteOutcome, number>> {
  const outcomes: Record<WriteOutcome, number> = { acked: 0, conflict: 0, refused: 0, unanswered: 0, closed: 0 };
  await Promise.all(
    writers.map(async (writer, i) => {
      for (let n = 0; !until() && writer.open; n++) outcomes[await writer.write(paths[(i + n) % paths.length], { writer: writer.deviceId, n })] += 1;
    }),
  );
  return outcomes;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('reliability: faults', function () {
  this.timeout(LONG ? 30 * 60_000 : 120_000);

  beforeEach(() => {
    scratch = mkdtempSync(path.join(tmpdir(), 'am-faults-'));
  });

  afterEach(async () => {
    await Promise.all(started.splice(0).map((r) => r.stop('SIGKILL')));
    makeWritable(scratch);
    rmSync(scratch, { recursive: true, force: true });
  });

  describe('Redis killed and restarted during writes', () => {
    let redis: RedisServer;
    afterEach(async () => redis?.stop());

    it('keeps everything acknowledged (also in Redis), reports degraded while Redis is down and ok once it is back', async () => {
      redis = await startRedis();
      const workspace = path.join(scratch, 'workspace');
      const relay = await serve(['--workspace', workspace, '--data-dir', path.join(scratch, 'a'), '--redis-url', redis.url]);
      const writers = await Promise.all(Array.from({ length: 20 }, (_, i) => StateWriter.connect(relay.url, token, `redis-fault-${i}`)));
      const paths = Array.from({ length: 10 }, (_, i) => `redisFault.p${i}`);
      const statuses = new Set<string>();
      let phase = 'before';
      let stop = false;
      const watcher = (async () => {
        while (!stop) {
          statuses.add(`${phase}:${(await health(relay).catch(() => ({ status: 'unreachable' }))).status}`);
          await sleep(100);
        }
      })();
      const writing = writeUntil(writers, paths, () => stop);

      await sleep(2000);
      await redis.kill();
      phase = 'down';
      const sawDegraded = await waitFor('health degraded while Redis is down', async () => (statuses.has('down:degraded') ? true : undefined), 20_000).catch(() => false);
      await sleep(2000);
      await redis.restart();
      phase = 'back';
      const sawOk = await waitFor('health ok once Redis is back', async () => (statuses.has('back:ok') ? true : undefined), 30_000).catch(() => false);
      await sleep(2000);
      stop = true;
      const outcomes = await writing;
      await watcher;

      const acked = writers.flatMap((w) => w.acked);
      const unconfirmed = writers.flatMap((w) => w.unconfirmed);
      const lostOnRelay = lostWrites(await stateOf(relay), acked, unconfirmed).length;
      // A fresh relay with an empty data folder reads only Redis: what was acknowledged must be there.
      const fresh = await serve(['--workspace', workspace, '--data-dir', path.join(scratch, 'fresh'), '--redis-url', redis.url]);
      const lostInRedis = await waitFor('Redis to hold every acknowledged write', async () => {
        const lost = lostWrites(await stateOf(fresh), acked, unconfirmed).length;
        return lost === 0 ? 0 : undefined;
      }, 15_000).catch(async () => lostWrites(await stateOf(fresh), acked, unconfirmed).length);
      await Promise.all(writers.map((w) => w.close()));

      recordReliability(
        'fault: Redis killed and restarted',
        '20 writers on 10 paths; Redis SIGKILLed for ~2 s, then restarted empty',
        { 'acked updates': outcomes.acked, 'unanswered updates': outcomes.unanswered, 'lost on the relay': lostOnRelay, 'lost in Redis': lostInRedis, 'health degraded while down': sawDegraded ? 1 : 0, 'health ok once back': sawOk ? 1 : 0 },
        { 'unanswered updates': '0', 'lost on the relay': '0', 'lost in Redis': '0', 'health degraded while down': '1', 'health ok once back': '1' },
      );
      assert.ok(outcomes.acked > 0, 'updates were acknowledged');
      assert.equal(outcomes.unanswered, 0, 'every update was answered');
      assert.equal(lostOnRelay, 0, 'the relay holds every acknowledged write');
      assert.equal(lostInRedis, 0, 'Redis holds every acknowledged write once it is back');
      assert.ok(sawDegraded, `/health said degraded while Redis was down (seen: ${[...statuses].join(', ')})`);
      assert.ok(sawOk, `/health said ok once Redis was back (seen: ${[...statuses].join(', ')})`);
    });
  });

  it(`loses nothing acknowledged when the relay is SIGKILLed during writes (${LONG ? 20 : 3} times)`, async () => {
    const rounds = envCount('RELIABILITY_KILL_ROUNDS', LONG ? 20 : 3);
    const args = ['--workspace', path.join(scratch, 'workspace'), '--data-dir', path.join(scratch, 'data')];
    const paths = Array.from({ length: 10 }, (_, i) => `killed.p${i}`);
    const acked: AckedWrite[] = [];
    const unconfirmed: AckedWrite[] = [];
    const lostPerRound: number[] = [];
    for (let round = 0; round < rounds; round++) {
      const relay = await serve(args);
      lostPerRound.push(lostWrites(await stateOf(relay), acked, unconfirmed).length);
      const writers = await Promise.all(Array.from({ length: 10 }, (_, i) => StateWriter.connect(relay.url, token, `killed-${round}-${i}`)));
      let killed = false;
      const writing = writeUntil(writers, paths, () => killed);
      await sleep(800 + 150 * round);
      await relay.stop('SIGKILL');
      killed = true;
      await writing;
      acked.push(...writers.flatMap((w) => w.acked));
      unconfirmed.push(...writers.flatMap((w) => w.unconfirmed));
    }
    const last = await serve(args);
    lostPerRound.push(lostWrites(await stateOf(last), acked, unconfirmed).length);
    const lost = lostPerRound.reduce((a, b) => a + b, 0);
    const tempFilesLeft = readdirSync(path.join(scratch, 'data')).filter((name) => name.endsWith('.tmp'));
    recordReliability(
      'fault: relay SIGKILLed during writes',
      `${rounds} SIGKILLs, 10 writers on 10 paths, file store`,
      { kills: rounds, 'acked updates': acked.length, 'lost after restart': lost, 'temp files left after restart': tempFilesLeft.length },
      { 'lost after restart': '0', 'temp files left after restart': '0' },
    );
    assert.ok(acked.length > rounds, 'updates were acknowledged before each kill');
    assert.deepEqual(lostPerRound, lostPerRound.map(() => 0), 'no acknowledged write lost after any restart');
    assert.deepEqual(tempFilesLeft, [], 'a restart leaves no temp file of an interrupted write');
  });

  it('with a read-only data folder: every write door answers 503 or an error, nothing is acknowledged or broadcast, /health is degraded', async () => {
    const dataDir = path.join(scratch, 'data');
    const relay = await serve(['--workspace', path.join(scratch, 'workspace'), '--data-dir', dataDir]);
    const call = (method: string, route: string, body?: unknown) => requestJson(relay.url, token, method, route, body);
    const pending = (await call('POST', '/api/approvals', { title: 'Before read-only', confidence: 10, risk: 'high', timeoutMs: 3_600_000 })).body.id as string;
    const task = (await call('POST', '/api/tasks', { title: 'Before read-only', steps: [{ name: 'a' }] })).body.id as string;
    const writer = await StateWriter.connect(relay.url, token, 'ro-writer');
    assert.equal(await writer.write('readOnly.before', 1), 'acked');
    const listener = await RelayClient.connect(relay.url, { token, deviceId: 'ro-listener' });
    for (const channel of ['approvals', 'tasks', 'widgets'] as const) {
      listener.send({ type: 'subscribe', channel });
      await listener.next('event', (e) => e.channel === channel && e.name === 'snapshot');
    }
    const stateBefore = await call('GET', '/api/dashboard/state');
    const framesBefore = listener.frames.length;

    makeReadOnly(dataDir);
    const doors: Array<[string, () => Promise<number | string>]> = [
      ['ws state:update', async () => writer.write('readOnly.after', 2, ANSWER_MS)],
      ['POST /api/dashboard/state', async () => (await call('POST', '/api/dashboard/state', { version: stateBefore.body.version, state: { readOnly: { rest: 1 } } })).status],
      ['DELETE /api/dashboard/state', async () => (await call('DELETE', '/api/dashboard/state')).status],
      ['POST /api/approvals', async () => (await call('POST', '/api/approvals', { title: 'During read-only', confidence: 10, risk: 'high' })).status],
      ['POST /api/approvals/:id/decision', async () => (await call('POST', `/api/approvals/${pending}/decision`, { decision: 'approve' })).status],
      ['DELETE /api/approvals/:id', async () => (await call('DELETE', `/api/approvals/${pending}`, {})).status],
      ['POST /api/approval-rules (workspace)', async () => (await call('POST', '/api/approval-rules', { tool: 'ro_tool', scope: 'workspace' })).status],
      ['POST /api/tasks', async () => (await call('POST', '/api/tasks', { title: 'During read-only', steps: [{ name: 'a' }] })).status],
      ['PATCH /api/tasks/:id', async () => (await call('PATCH', `/api/tasks/${task}`, { step: 0, progress: 0.5 })).status],
      ['DELETE /api/tasks/:id', async () => (await call('DELETE', `/api/tasks/${task}`, {})).status],
      ['POST /api/widgets', async () => (await call('POST', '/api/widgets', { id: 'ro-widget', type: 'alert', data: { severity: 'info', title: 'ro' } })).status],
    ];
    const answers: Record<string, number | string> = {};
    for (const [door, attempt] of doors) answers[door] = await Promise.race([attempt().catch((e: Error) => `failed: ${e.message}`), sleep(ANSWER_MS + 1000).then(() => 'no answer')]);
    const acknowledged = Object.entries(answers).filter(([, a]) => a === 'acked' || (typeof a === 'number' && a < 300));
    const refusedProperly = Object.entries(answers).filter(([, a]) => a === 503 || a === 'refused');
    await sleep(500);
    const broadcasts = listener.frames.slice(framesBefore).filter((f) => f.type === 'state:sync' || f.type === 'state:full' || (f.type === 'event' && f.name !== 'snapshot'));
    const degraded = await waitFor('health degraded', async () => ((await health(relay)).status === 'degraded' ? true : undefined), 10_000).catch(() => false);
    const stateAfter = await call('GET', '/api/dashboard/state');
    const shown = JSON.stringify(stateAfter.body.state) !== JSON.stringify(stateBefore.body.state);
    await writer.close();
    await listener.close();

    recordReliability(
      'fault: read-only data folder',
      `${doors.length} write doors tried after the data folder became read-only`,
      { 'write doors': doors.length, 'answered 503 or error': refusedProperly.length, acknowledged: acknowledged.length, broadcasts: broadcasts.length, 'unpersisted state shown': shown ? 1 : 0, 'health degraded': degraded ? 1 : 0 },
      { 'answered 503 or error': String(doors.length), acknowledged: '0', broadcasts: '0', 'unpersisted state shown': '0', 'health degraded': '1' },
    );
    console.log(`  answers with a read-only data folder: ${JSON.stringify(answers)}`);
    assert.deepEqual(acknowledged, [], 'nothing was acknowledged');
    assert.deepEqual(broadcasts.map((f) => f.type), [], 'nothing was broadcast');
    assert.equal(shown, false, 'the state did not show a write that was not persisted');
    assert.equal(refusedProperly.length, doors.length, 'every write door answered 503 or an error frame');
    assert.ok(degraded, '/health says degraded');
  });

  describe('corrupt files at start', () => {
    const cases: Array<[string, string, string]> = [
      ['approvals.json is garbage', 'approvals.json', '{"not json'],
      ['approvals.json is [null]', 'approvals.json', '[null]'],
      ['widgets.json is {"id":"__proto__"}', 'widgets.json', '{"id":"__proto__"}'],
      ['widgets.json is garbage', 'widgets.json', '\u0000\u0001garbage'],
      ['the state file is garbage', 'dashboard-state.json', 'garbage{{{'],
      ['tasks.json is garbage', 'tasks.json', '[{"id":'],
    ];
    const figures = { cases: 0, started: 0, 'file set aside': 0, 'health reports it': 0 };

    after(() =>
      recordReliability('fault: corrupt files at start', cases.map(([name]) => name).join('; '), figures, {
        started: String(cases.length),
        'file set aside': String(cases.length),
        'health reports it': String(cases.length),
      }),
    );

    for (const [name, file, content] of cases) {
      it(`${name}: the relay starts, sets the file aside and says so in /health`, async () => {
        figures.cases += 1;
        const dataDir = path.join(scratch, 'data');
        mkdirSync(dataDir, { recursive: true });
        writeFileSync(path.join(dataDir, file), content);
        const relay = await serve(['--workspace', path.join(scratch, 'workspace'), '--data-dir', dataDir]);
        figures.started += 1;
        const kept = readdirSync(dataDir).filter((f) => f !== file && f.startsWith(`${file}.`) && readFileSync(path.join(dataDir, f), 'utf8') === content);
        if (kept.length > 0) figures['file set aside'] += 1;
        const body = await health(relay);
        const reported = body.status === 'degraded' || JSON.stringify(body).includes(file);
        if (reported) figures['health reports it'] += 1;
        assert.equal((await requestJson(relay.url, token, 'GET', '/api/approvals')).status, 200, 'the relay answers');
        assert.ok(kept.length > 0, `the damaged ${file} was kept aside (data folder: ${readdirSync(dataDir).join(', ')})`);
        assert.ok(reported, `/health reports the damaged file: ${JSON.stringify(body)}`);
      });
    }
  });

  describe('unresponsive sockets', () => {
    /** A raw socket that completes the WebSocket upgrade; returns it once the 101 is in. */
    function upgradedSocket(relay: ServeProcess) {
      const port = Number(new URL(relay.url).port);
      const socket = connect({ port, host: '127.0.0.1' });
      socket.on('error', () => undefined);
      const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
      const upgraded = new Promise<void>((resolve, reject) => {
        let head = '';
        const onData = (chunk: Buffer) => {
          head += chunk.toString('latin1');
          if (!head.includes('\r\n\r\n')) return;
          socket.off('data', onData);
          if (head.startsWith('HTTP/1.1 101')) resolve();
          else reject(new Error(head.split('\r\n')[0]));
        };
        socket.on('data', onData);
      });
      socket.write(`GET /ws HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: ${Buffer.from(generateToken().slice(0, 16)).toString('base64')}\r\nAuthorization: Bearer ${token}\r\n\r\n`);
      return { socket, closed, upgraded };
    }

    it('drops a half-open client (it reads but never answers a ping) within 75 s', async () => {
      const boundMs = 75_000;
      const relay = await serve(['--workspace', path.join(scratch, 'workspace'), '--data-dir', path.join(scratch, 'data')]);
      const { socket, closed, upgraded } = upgradedSocket(relay);
      await upgraded;
      socket.on('data', () => undefined); // reads (and discards) everything, pings included, and never writes a pong
      const startedAt = Date.now();
      const dropped = await Promise.race([closed.then(() => true), sleep(boundMs).then(() => false)]);
      socket.destroy();
      recordReliability('fault: dead socket', 'a raw WebSocket that reads but never answers pings', { 'dropped within 75 s': dropped ? 1 : 0, 'seconds to drop': dropped ? Math.round((Date.now() - startedAt) / 100) / 10 : -1 }, { 'dropped within 75 s': '1' });
      assert.ok(dropped, `the relay still holds a client that has not answered a ping for ${boundMs / 1000} s`);
    });

    it('drops a client that stops reading while others write, and its memory stays bounded', async () => {
      const relay = await serve(['--workspace', path.join(scratch, 'workspace'), '--data-dir', path.join(scratch, 'data')]);
      const writer = await StateWriter.connect(relay.url, token, 'slow-socket-writer');
      const big = 'x'.repeat(256 * 1024);
      // Warm up with the same writes first, so the baseline already holds what handling them costs.
      for (let n = 0; n < 60; n++) await writer.write(`slow.p${n % 4}`, { big, n: -n });
      const rssBefore = residentBytes(relay.child.pid!)!;
      const { socket, closed, upgraded } = upgradedSocket(relay);
      await upgraded;
      socket.pause(); // never reads again: the relay's unsent frames pile up for it
      const droppedCount = async () => Number(/^agent_mesh_relay_slow_clients_dropped_total (\d+)/m.exec(await (await fetch(`${relay.url}/metrics`, { headers: auth })).text())?.[1] ?? 0);
      let rssPeak = rssBefore;
      let writes = 0;
      let dropped = false;
      while (!dropped && writes < 400) {
        await writer.write(`slow.p${writes % 4}`, { big, n: writes });
        writes += 1;
        if (writes % 10 === 0) {
          rssPeak = Math.max(rssPeak, residentBytes(relay.child.pid!) ?? rssPeak);
          dropped = (await droppedCount()) > 0;
        }
      }
      const socketClosed = await Promise.race([closed.then(() => true), sleep(100).then(() => socket.destroyed)]);
      await writer.close();
      socket.destroy();
      const growthMb = Math.round(((rssPeak - rssBefore) / (1024 * 1024)) * 10) / 10;
      recordReliability('fault: slow socket', 'a raw WebSocket that stops reading while 256 KB updates are broadcast', { 'writes until dropped': writes, dropped: dropped ? 1 : 0, 'RSS growth (MB)': growthMb }, { dropped: '1', 'RSS growth (MB)': '< 64' });
      assert.ok(dropped, `the relay still holds the client after ${writes} writes of 256 KB it never read (socket closed: ${socketClosed})`);
      assert.ok(growthMb < 64, `RSS grew ${growthMb} MB while the client did not read`);
    });
  });

  it('retries an MCP server that crashes after every start with capped backoff, never in a loop', async () => {
    const windowMs = envCount('RELIABILITY_MCP_WINDOW_SECONDS', LONG ? 120 : 20) * 1000;
    const workspace = path.join(scratch, 'workspace');
    const starts = path.join(scratch, 'starts.log');
    mkdirSync(path.join(workspace, '.vscode'), { recursive: true });
    // Each start of the server appends a line, counted independently of the relay's own log.
    const fixture = path.join(FIXTURES_DIR, 'crash-after-start.mjs');
    const command = { type: 'stdio', command: '/bin/sh', args: ['-c', `echo start >> "${starts}"; exec "${process.execPath}" "${fixture}"`], env: { CRASH_AFTER_MS: '100' } };
    writeFileSync(path.join(workspace, '.vscode', 'mcp.json'), JSON.stringify({ servers: { crashing: command } }));
    // Kept connected, so it lives long enough to crash (an inspected server is disconnected once listed).
    writeFileSync(path.join(workspace, 'agent-mesh.config.json'), JSON.stringify({ 'agentMesh.mcp.serverConnectionModes': { crashing: 'keep-connected' } }));
    const relay = await serve(['--workspace', workspace, '--data-dir', path.join(scratch, 'data')]);
    await sleep(windowMs);
    const startCount = readFileSync(starts, 'utf8').split('\n').filter(Boolean).length;
    const alive = relay.child.exitCode === null && (await health(relay)).status !== undefined;
    // Exponential backoff from 1 s is at most log2(window) + 2 starts; a loop would be hundreds.
    const loopBound = Math.ceil(Math.log2(windowMs / 1000)) + 3;
    recordReliability('fault: crashing MCP server', `a stdio server that exits 100 ms after every start, watched ${windowMs / 1000} s`, { starts: startCount, 'relay alive': alive ? 1 : 0 }, { starts: `2–${loopBound}` });
    assert.ok(alive, 'the relay is alive');
    assert.ok(startCount >= 2, `the server was retried (${startCount} starts)`);
    assert.ok(startCount <= loopBound, `${startCount} starts in ${windowMs / 1000} s is a restart loop (bound ${loopBound})`);
  });
});
