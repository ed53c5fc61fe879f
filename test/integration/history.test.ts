// The history's stores (the data folder and a real redis-server) and its routes on an in-process relay.
import { strict as assert } from 'node:assert';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { defaultSettings } from '../../src/extension/engine/config/settings';
import { Engine } from '../../src/extension/engine/engine';
import { FileHistoryStore } from '../../src/extension/engine/history/fileStore';
import { historyQuerySchema } from '../../src/extension/engine/history/query';
import { RedisConnections } from '../../src/extension/engine/redis/connections';
import { historyKeys } from '../../src/extension/engine/redis/keys';
import { RedisHistoryStore } from '../../src/extension/engine/history/redisStore';
import { HistoryService } from '../../src/extension/engine/history/service';
import type { HistoryStore } from '../../src/extension/engine/history/store';
import { silentLogger } from '../../src/extension/engine/log';
import { Recoveries } from '../../src/extension/engine/state/recoveries';
import type { Approval } from '../../src/shared/approvals';
import type { HistoryExport, HistoryPage, HistoryRecord } from '../../src/shared/history';
import { agentSession } from '../helpers/agentSession';
import { waitFor } from '../helpers/net';
import { makeReadOnly, makeWritable } from '../helpers/readOnly';
import { assertRecovered } from '../helpers/recoveries';
import { startRedis, type RedisServer } from '../helpers/redis';
import { useTempDir } from '../helpers/tempDir';
import { RelayClient } from '../helpers/wsClient';

const DAY_MS = 24 * 3600 * 1000;
const NOW = Date.parse('2026-11-30T12:00:00Z');

const record = (n: number, over: Partial<HistoryRecord> = {}): HistoryRecord => ({
  id: `task:t${n}`,
  type: 'task',
  status: n % 2 === 0 ? 'completed' : 'failed',
  agent: n % 3 === 0 ? 'reviewer' : 'builder',
  title: `Task number ${n}`,
  at: NOW - n * 60_000,
  details: { steps: n },
  ...over,
});

const all = async (store: HistoryStore, input: Record<string, string> = {}): Promise<HistoryRecord[]> => (await store.query(historyQuerySchema.parse({ limit: '500', ...input }))).records;

/** What every history store does, whichever backs it; `reopen` gives a fresh store over the same data. */
function behavesAsHistoryStore(open: () => Promise<HistoryStore>) {
  const opened: HistoryStore[] = [];
  const fresh = async () => {
    const store = await open();
    opened.push(store);
    await store.load();
    return store;
  };
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((store) => store.close()));
  });

  it('keeps what it acknowledged across a restart, newest first, a same-id record replacing the earlier', async () => {
    const store = await fresh();
    for (let n = 1; n <= 5; n++) assert.equal(await store.put(record(n)), true);
    assert.equal(await store.put(record(2, { status: 'cancelled' })), true);
    await store.close();
    opened.splice(opened.indexOf(store), 1);
    const again = await fresh();
    const records = await all(again);
    assert.deepEqual(records.map((r) => r.id), ['task:t1', 'task:t2', 'task:t3', 'task:t4', 'task:t5']);
    assert.equal(records[1].status, 'cancelled');
    assert.deepEqual(records[0], record(1));
  });

  it('filters, searches and pages with a cursor', async () => {
    const store = await fresh();
    await Promise.all(Array.from({ length: 30 }, (_, i) => store.put(record(i + 1))));
    assert.deepEqual((await all(store, { status: 'completed', agent: 'reviewer' })).map((r) => r.id), ['task:t6', 'task:t12', 'task:t18', 'task:t24', 'task:t30']);
    assert.deepEqual((await all(store, { q: 'NUMBER 2' })).map((r) => r.id), ['task:t2', 'task:t20', 'task:t21', 'task:t22', 'task:t23', 'task:t24', 'task:t25', 'task:t26', 'task:t27', 'task:t28', 'task:t29']);
    const from = new Date(NOW - 10 * 60_000).toISOString();
    const to = new Date(NOW - 5 * 60_000).toISOString();
    assert.deepEqual((await all(store, { from, to })).map((r) => r.id), ['task:t6', 'task:t7', 'task:t8', 'task:t9', 'task:t10']);
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page: HistoryPage = await store.query(historyQuerySchema.parse({ limit: '7', ...(cursor ? { cursor } : {}) }));
      assert.ok(page.records.length <= 7);
      seen.push(...page.records.map((r) => r.id));
      cursor = page.nextCursor;
    } while (cursor);
    assert.deepEqual(seen, Array.from({ length: 30 }, (_, i) => `task:t${i + 1}`));
  });

  it('prunes past the retention and past the cap, the oldest first, and stays pruned after a restart', async () => {
    const store = await fresh();
    await Promise.all(Array.from({ length: 10 }, (_, i) => store.put(record(i + 1, { at: NOW - (i + 1) * DAY_MS }))));
    const history = new HistoryService(store, silentLogger, 5, { now: () => NOW + 1, maxRecords: 3 });
    assert.equal(await history.prune(), 7);
    assert.deepEqual((await all(store)).map((r) => r.id), ['task:t1', 'task:t2', 'task:t3']);
    await store.close();
    opened.splice(opened.indexOf(store), 1);
    assert.deepEqual((await all(await fresh())).map((r) => r.id), ['task:t1', 'task:t2', 'task:t3']);
  });

  it('prunes to the cap during a burst of records too, not only on the hour', async () => {
    const history = new HistoryService(await open(), silentLogger, 30, { maxRecords: 3, pruneAfterRecords: 4, now: () => NOW });
    await history.load();
    try {
      for (let n = 8; n >= 1; n--) await history.record(record(n));
      const ids = async () => (await history.query(historyQuerySchema.parse({}))).records.map((r) => r.id);
      await waitFor('the burst pruned to the cap', async () => ((await ids()).length === 3 ? true : undefined));
      assert.deepEqual(await ids(), ['task:t1', 'task:t2', 'task:t3']);
    } finally {
      await history.close();
    }
  });
}

describe('history in the data folder', function () {
  this.timeout(30_000);
  const temp = useTempDir('am-history-');
  const file = () => path.join(temp.dir, 'history.jsonl');

  behavesAsHistoryStore(async () => new FileHistoryStore(file(), silentLogger));

  it('skips a damaged line and a torn last line, reports the damage and keeps the rest', async () => {
    const lines = [record(1), record(2), record(3)].map((r) => JSON.stringify(r));
    await writeFile(file(), `${lines[0]}\n{"id":"task:broken",\n${lines[1]}\nnot json at all\n${lines[2]}\n{"id":"task:t9","type":"ta`);
    const recoveries = new Recoveries();
    const store = new FileHistoryStore(file(), silentLogger, recoveries);
    await store.load();
    assert.deepEqual((await all(store)).map((r) => r.id), ['task:t1', 'task:t2', 'task:t3']);
    assertRecovered(recoveries, [['history.jsonl', '2 damaged line(s) skipped, the other records kept']]);
    const aside = (await readdir(temp.dir)).find((name) => name.startsWith('history.jsonl.unreadable-'));
    assert.ok(aside, 'the damaged file is kept aside');
    assert.match(await readFile(path.join(temp.dir, aside), 'utf8'), /not json at all/);

    // The next write first rewrites the file clean, so the new line does not follow the torn one.
    assert.equal(await store.put(record(4)), true);
    await store.close();
    const text = await readFile(file(), 'utf8');
    assert.deepEqual(text.trimEnd().split('\n').map((line) => (JSON.parse(line) as HistoryRecord).id), ['task:t3', 'task:t2', 'task:t1', 'task:t4']);
  });

  it('appends one line per record and datasyncs before acknowledging it', async () => {
    const store = new FileHistoryStore(file(), silentLogger);
    await store.load();
    await store.put(record(1));
    // Acknowledged: already on disk, before any close or flush.
    assert.deepEqual(JSON.parse(await readFile(file(), 'utf8')), record(1));
    await store.put(record(2));
    assert.equal((await readFile(file(), 'utf8')).trimEnd().split('\n').length, 2);
    await store.close();
  });

  it('says so in its failure when it cannot write, acknowledges nothing it did not write, and recovers', async () => {
    const store = new FileHistoryStore(file(), silentLogger);
    await store.load();
    makeReadOnly(temp.dir);
    try {
      assert.equal(await store.put(record(1)), false);
      assert.match(store.failure.value ?? '', /^history store: cannot write history\.jsonl \(/);
      assert.deepEqual(await all(store), [], 'a record that was not written is not shown');
    } finally {
      makeWritable(temp.dir);
    }
    assert.equal(await store.put(record(2)), true);
    assert.equal(store.failure.value, undefined);
    assert.deepEqual((await all(store)).map((r) => r.id), ['task:t2']);
    await store.close();
  });

  it('never writes over a file it cannot read', async () => {
    // The data file's place is taken by a folder holding something: reading it fails (EISDIR, even for root).
    await mkdir(path.join(file(), 'kept'), { recursive: true });
    const store = new FileHistoryStore(file(), silentLogger);
    await store.load();
    assert.match(store.failure.value ?? '', /^history store: cannot read history\.jsonl/);
    assert.equal(await store.put(record(2)), false);
    assert.equal(await new HistoryService(store, silentLogger, 30).prune(), 0);
    await store.close();
    assert.deepEqual(await readdir(file()), ['kept']);
  });
});

describe('history in Redis (real redis-server)', function () {
  this.timeout(30_000);
  let redis: RedisServer;
  let workspace = 0;
  before(async () => (redis = await startRedis()));
  after(() => redis.stop());
  beforeEach(() => workspace++);

  behavesAsHistoryStore(async () => new RedisHistoryStore(new RedisConnections(redis.url, silentLogger), historyKeys(`ws${workspace}`), silentLogger));

  it('is shared by two relays of a workspace, and not seen by another workspace', async () => {
    const one = new RedisHistoryStore(new RedisConnections(redis.url, silentLogger), historyKeys(`shared${workspace}`), silentLogger);
    const two = new RedisHistoryStore(new RedisConnections(redis.url, silentLogger), historyKeys(`shared${workspace}`), silentLogger);
    const other = new RedisHistoryStore(new RedisConnections(redis.url, silentLogger), historyKeys(`other${workspace}`), silentLogger);
    for (const store of [one, two, other]) await store.load();
    await one.put(record(1));
    await two.put(record(2));
    assert.deepEqual((await all(one)).map((r) => r.id), ['task:t1', 'task:t2']);
    assert.deepEqual((await all(two)).map((r) => r.id), ['task:t1', 'task:t2']);
    assert.deepEqual(await all(other), []);
    await Promise.all([one.close(), two.close(), other.close()]);
  });

  it('reports a Redis that went away, acknowledges nothing meanwhile, and answers queries with 503', async () => {
    const store = new RedisHistoryStore(new RedisConnections(redis.url, silentLogger), historyKeys(`outage${workspace}`), silentLogger);
    const history = new HistoryService(store, silentLogger, 30);
    await history.load();
    await redis.kill();
    try {
      assert.equal(await store.put(record(1)), false);
      assert.match(store.failure.value ?? '', /history store \(redis\) cannot write/);
      await assert.rejects(history.query(historyQuerySchema.parse({})), (error: { kind?: string; message?: string }) => error.kind === 'unavailable' && /^the history store did not answer/.test(error.message ?? ''));
    } finally {
      await redis.restart();
    }
    await history.close();
  });
});

describe('history routes (in-process relay)', function () {
  this.timeout(60_000);
  const temp = useTempDir('am-history-relay-');
  const TOKEN = 'history-routes-test-token';
  let engine: Engine;

  const start = async () => (engine = await Engine.start({ settings: { ...defaultSettings(), 'agentMesh.relay.port': 0 }, token: TOKEN, dataDir: path.join(temp.dir, 'data'), workspaceDir: temp.dir, extensionRoot: temp.dir, logger: silentLogger }));
  const call = async (method: string, route: string, body?: unknown) => {
    const res = await fetch(`${engine.url}${route}`, { method, headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
    return { status: res.status, headers: res.headers, text: await res.text() };
  };
  const json = async <T>(route: string): Promise<T> => {
    const res = await call('GET', route);
    assert.equal(res.status, 200, res.text);
    return JSON.parse(res.text) as T;
  };
  const decide = async (title: string, decision: 'approve' | 'reject', comment: string) => {
    const created = JSON.parse((await call('POST', '/api/approvals', { title, agent: 'builder', tool: 'deploy', confidence: 40, risk: 'high' })).text) as Approval;
    const decided = await call('POST', `/api/approvals/${created.id}/decision`, { decision, comment, by: 'ana' });
    assert.equal(decided.status, 200, decided.text);
    // The history records in the background: wait until the decision is in it.
    await waitFor(`approval ${created.id} in the history`, async () => ((await json<HistoryPage>('/api/history?type=approval')).records.some((r) => r.id === `approval:${created.id}`) ? true : undefined));
    return created.id;
  };

  beforeEach(start);
  afterEach(() => engine.stop());

  it('records decided approvals and a finished task, tells the history channel, and keeps them across a restart', async () => {
    const dashboard = await RelayClient.connect(engine.url, { token: TOKEN });
    dashboard.send({ type: 'subscribe', channel: 'history' });
    await dashboard.next('event', (f) => f.channel === 'history' && f.name === 'snapshot');
    const approved = await decide('Deploy the shop', 'approve', 'ship it');
    const recorded = await dashboard.next('event', (f) => f.channel === 'history' && f.name === 'recorded');
    assert.equal((recorded.payload as unknown as HistoryRecord).id, `approval:${approved}`);
    await decide('=HYPERLINK("http://evil")', 'reject', 'no, thanks');
    const task = JSON.parse((await call('POST', '/api/tasks', { title: 'Build, test', agent: 'ci', steps: [{ name: 'build' }] })).text) as { id: string };
    assert.equal((await call('PATCH', `/api/tasks/${task.id}`, { status: 'completed' })).status, 200);
    await waitFor('the task in the history', async () => ((await json<HistoryPage>('/api/history?type=task')).records.length === 1 ? true : undefined));
    await dashboard.close();

    const page = await json<HistoryPage>('/api/history');
    assert.deepEqual(page.records.map((r) => [r.type, r.status]), [['task', 'completed'], ['approval', 'rejected'], ['approval', 'approved']]);
    const approval = page.records[2];
    assert.equal(approval.agent, 'builder');
    assert.equal(approval.details.decidedBy, 'ana');
    assert.equal(approval.details.comment, 'ship it');
    assert.equal(typeof approval.details.timeToDecisionMs, 'number');

    await engine.stop();
    await start();
    assert.deepEqual((await json<HistoryPage>('/api/history')).records, page.records);
  });

  it('records a session when it ends (through real hook events) and each fired alert once', async () => {
    const event = { session_id: 'hist-s1', cwd: path.join(temp.dir, 'shop'), permission_mode: 'default' };
    assert.equal((await call('POST', '/api/hooks/claude-code', { ...event, hook_event_name: 'SessionStart', source: 'startup' })).status, 200);
    assert.deepEqual((await json<HistoryPage>('/api/history?type=session')).records, [], 'a running session is not history yet');
    assert.equal((await call('POST', '/api/hooks/claude-code', { ...event, hook_event_name: 'SessionEnd', reason: 'exit' })).status, 200);
    const [session] = await waitFor('the ended session in the history', async () => {
      const { records } = await json<HistoryPage>('/api/history?type=session');
      return records.length > 0 ? records : undefined;
    });
    assert.deepEqual([session.id, session.status, session.agent, session.title, session.details.folder], ['session:claude-code%3Ahist-s1', 'ended', 'claude-code', 'shop', path.join(temp.dir, 'shop')]);

    const now = Date.now();
    const inputs = { sessions: [agentSession('claude-code:hist-s2', { costUsd: 5, lastEventAt: now })], budgets: { day: 1 }, now };
    assert.equal(engine.alerts.evaluate(inputs).length, 1);
    assert.equal(engine.alerts.evaluate({ ...inputs, now: now + 1 }).length, 0, 'the condition still holds: nothing fires');
    const alerts = await waitFor('the alert in the history', async () => {
      const { records } = await json<HistoryPage>('/api/history?type=alert');
      return records.length > 0 ? records : undefined;
    });
    assert.deepEqual(alerts.map((r) => [r.status, r.details.kind, r.details.subject]), [['warning', 'budget', 'day']]);
  });

  it('filters, searches and pages over HTTP', async () => {
    await decide('Deploy the shop', 'approve', 'ship it');
    await decide('Drop the database', 'reject', 'never');
    await decide('Rotate the keys', 'approve', 'fine');
    assert.deepEqual((await json<HistoryPage>('/api/history?type=approval&status=approved')).records.map((r) => r.title), ['Rotate the keys', 'Deploy the shop']);
    assert.deepEqual((await json<HistoryPage>('/api/history?q=DATABASE')).records.map((r) => r.title), ['Drop the database']);
    assert.deepEqual((await json<HistoryPage>('/api/history?agent=someone-else')).records, []);
    const tomorrow = new Date(Date.now() + DAY_MS).toISOString().slice(0, 10);
    assert.deepEqual((await json<HistoryPage>(`/api/history?from=${tomorrow}`)).records, []);
    const first = await json<HistoryPage>('/api/history?limit=2');
    assert.equal(first.records.length, 2);
    const second = await json<HistoryPage>(`/api/history?limit=2&cursor=${first.nextCursor}`);
    assert.deepEqual(second.records.map((r) => r.title), ['Deploy the shop']);
    assert.equal(second.nextCursor, undefined);
  });

  it('exports CSV (header, RFC 4180 quoting, formula guard) and JSON as attachments, with the same filters', async () => {
    await decide('=HYPERLINK("http://evil")', 'reject', 'no, "thanks"');
    await decide('Deploy the shop', 'approve', 'ship it');
    const csv = await call('GET', '/api/history/export?format=csv&status=rejected');
    assert.equal(csv.status, 200);
    assert.match(csv.headers.get('content-type') ?? '', /^text\/csv; charset=utf-8/);
    assert.match(csv.headers.get('content-disposition') ?? '', /^attachment; filename="agent-mesh-history-\d{4}-\d{2}-\d{2}\.csv"$/);
    assert.equal(csv.headers.get('x-history-truncated'), 'false');
    const rows = csv.text.split('\r\n');
    assert.equal(rows[0], 'id,type,status,agent,title,at,details');
    assert.equal(rows.length, 3, 'a header, one row, and the final line break');
    assert.match(rows[1], /^approval:[^,]+,approval,rejected,builder,"'=HYPERLINK\(""http:\/\/evil""\)",\d{4}-[^,]+Z,"\{.*""comment"":""no, \\""thanks\\""""/);

    const exported = await call('GET', '/api/history/export?format=json&q=shop');
    assert.match(exported.headers.get('content-disposition') ?? '', /filename="agent-mesh-history-[\d-]+\.json"/);
    const body = JSON.parse(exported.text) as HistoryExport;
    assert.equal(body.truncated, false);
    assert.deepEqual(body.records.map((r) => r.title), ['Deploy the shop']);
  });

  it('caps an export and says so', async () => {
    for (let n = 0; n < 5; n++) await decide(`Approval ${n}`, 'approve', 'ok');
    const capped = await engine.history.exportRecords({}, 3);
    assert.equal(capped.truncated, true);
    assert.deepEqual(capped.records.map((r) => r.title), ['Approval 4', 'Approval 3', 'Approval 2']);
    assert.equal((await engine.history.exportRecords({}, 5)).truncated, false);
  });

  it('a history store that cannot be used makes /health degraded and says why in the condition', async () => {
    await engine.stop();
    await mkdir(path.join(temp.dir, 'data', 'history.jsonl', 'in-the-way'), { recursive: true });
    await start();
    // The history loads while the relay starts: /health turns degraded once it has tried.
    await waitFor('/health degraded', async () => ((JSON.parse((await call('GET', '/health')).text) as { status: string }).status === 'degraded' ? true : undefined));
    assert.ok(engine.condition().problems.some((problem) => problem.startsWith('history store: cannot read history.jsonl')), engine.condition().problems.join('\n'));
  });

  it('answers bad input with 400 and a message naming the parameter, and refuses a caller without the token', async () => {
    const cases: Array<[string, RegExp]> = [
      ['/api/history?limit=501', /limit/],
      ['/api/history?from=last-week', /from: must be an ISO date/],
      [`/api/history?q=${'x'.repeat(201)}`, /q: must be at most 200 characters/],
      ['/api/history?type=meeting', /type/],
      ['/api/history?cursor=garbage', /cursor: is not a cursor this relay gave out/],
      ['/api/history?sort=asc', /sort|Unrecognized/],
      ['/api/history/export?format=xlsx', /format/],
      ['/api/history/export', /format/],
    ];
    for (const [route, message] of cases) {
      const res = await call('GET', route);
      assert.equal(res.status, 400, route);
      const body = JSON.parse(res.text) as { error: { code: string; message: string } };
      assert.equal(body.error.code, 'invalid_request');
      assert.match(body.error.message, message, route);
    }
    assert.equal((await fetch(`${engine.url}/api/history`)).status, 401);
    assert.equal((await fetch(`${engine.url}/api/history/export?format=csv`)).status, 401);
  });
});
