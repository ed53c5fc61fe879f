// POST /api/widgets and friends over real HTTP against `agent-mesh serve`: validation naming the
// fields, nothing changed by a bad request, live events to dashboards, retry, persistence.
import { strict as assert } from 'node:assert';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { generateToken } from '../../src/extension/engine/security/token';
import type { HealthBody } from '../../src/shared/api';
import type { StoredWidget, WidgetsSnapshot } from '../../src/shared/widgets';
import { startServe, type ServeProcess } from '../helpers/serve';
import { RelayClient } from '../helpers/wsClient';

describe('widgets over the relay (real HTTP and WebSocket)', function () {
  this.timeout(30_000);
  let workspace: string;
  let serve: ServeProcess;
  const token = generateToken();
  const start = async () => {
    serve = await startServe(['--workspace', workspace, '--port', '0', '--token', token]);
  };
  const api = (method: string, route: string, body?: unknown) =>
    fetch(`${serve.url}${route}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
  const list = async () => (await (await api('GET', '/api/widgets')).json()) as StoredWidget[];

  before(async () => {
    workspace = await mkdtemp(path.join(tmpdir(), 'am-widgets-'));
    await start();
  });

  after(async () => {
    await serve?.stop();
    await rm(workspace, { recursive: true, force: true });
  });

  it('shows a valid widget on every subscribed dashboard', async () => {
    const dashboards = await Promise.all([RelayClient.connect(serve.url, { token }), RelayClient.connect(serve.url, { token })]);
    try {
      for (const d of dashboards) d.send({ type: 'subscribe', channel: 'widgets' });
      await Promise.all(dashboards.map((d) => d.next('event', (f) => f.channel === 'widgets' && f.name === 'snapshot')));
      const res = await api('POST', '/api/widgets', {
        id: 'release',
        type: 'task_progress',
        data: { title: 'Release 0.2', steps: [{ name: 'build', status: 'done', weight: 2 }, { name: 'test', status: 'running', progress: 40 }] },
      });
      assert.equal(res.status, 200);
      const stored = (await res.json()) as StoredWidget;
      assert.equal(stored.id, 'release');
      for (const d of dashboards) {
        const event = await d.next('event', (f) => f.channel === 'widgets' && f.name === 'upsert');
        assert.deepEqual(event.payload, stored as never);
      }
    } finally {
      await Promise.all(dashboards.map((d) => d.close()));
    }
  });

  it('answers 400 naming the fields when data does not fit, and changes nothing', async () => {
    const before = await list();
    const cases: Array<[unknown, RegExp]> = [
      [{ id: 'card', type: 'task_card', data: { title: '', status: 'someday' } }, /data\.title: .*; data\.status: /],
      [{ id: 'm', type: 'metrics', data: { metrics: [{ label: 'cost', value: '12' }] } }, /data\.metrics\.0\.value: /],
      [{ id: 'x', type: 'hologram', data: {} }, /^type: /],
      [{ id: '', type: 'alert', data: { severity: 'info', title: 't' } }, /^id: /],
      [{ id: 'a', type: 'alert', data: { severity: 'info', title: 't' }, extra: true }, /extra/],
      [[1, 2], /\(body\)/],
      ['{ nope', /not valid JSON/],
    ];
    for (const [body, message] of cases) {
      const res = await api('POST', '/api/widgets', body);
      assert.equal(res.status, 400, JSON.stringify(body));
      const { error } = await res.json();
      assert.match(error.message, message);
      assert.ok(['invalid_widget', 'invalid_json'].includes(error.code));
    }
    assert.deepEqual(await list(), before);
  });

  it('retries an error widget while attempts are left and tells subscribers', async () => {
    const client = await RelayClient.connect(serve.url, { token });
    try {
      client.send({ type: 'subscribe', channel: 'widgets' });
      await api('POST', '/api/widgets', { id: 'deploy-error', type: 'error', data: { message: 'deploy failed', attemptsLeft: 1 } });
      const res = await api('POST', '/api/widgets/deploy-error/retry');
      assert.deepEqual(await res.json(), { id: 'deploy-error', attemptsLeft: 0 });
      const retry = await client.next('event', (f) => f.channel === 'widgets' && f.name === 'retry');
      assert.deepEqual(retry.payload, { id: 'deploy-error', attemptsLeft: 0 });
      const again = await api('POST', '/api/widgets/deploy-error/retry');
      assert.equal(again.status, 409);
    } finally {
      await client.close();
    }
  });

  it('deletes widgets and 404s unknown ones', async () => {
    await api('POST', '/api/widgets', { id: 'temp', type: 'alert', data: { severity: 'success', title: 'done' } });
    assert.equal((await api('DELETE', '/api/widgets/temp')).status, 200);
    assert.ok(!(await list()).some((w) => w.id === 'temp'));
    assert.equal((await api('DELETE', '/api/widgets/temp')).status, 404);
    assert.equal((await fetch(`${serve.url}/api/widgets`, { method: 'POST', body: '{}' })).status, 401);
  });

  it('answers 503 store_unavailable while its file cannot be written, broadcasting nothing, with /health degraded until it can', async () => {
    const file = path.join(workspace, '.agent-mesh', 'widgets.json');
    const health = async () => ((await (await fetch(`${serve.url}/health`)).json()) as HealthBody).status;
    const dashboard = await RelayClient.connect(serve.url, { token });
    try {
      dashboard.send({ type: 'subscribe', channel: 'widgets' });
      await dashboard.next('event', (f) => f.channel === 'widgets' && f.name === 'snapshot');
      const before = await list();
      await rm(file, { force: true });
      await mkdir(path.join(file, 'blocked'), { recursive: true });
      const refused = await api('POST', '/api/widgets', { id: 'unsaved', type: 'alert', data: { severity: 'info', title: 'not on disk' } });
      assert.equal(refused.status, 503);
      assert.equal(((await refused.json()) as { error: { code: string } }).error.code, 'store_unavailable');
      assert.deepEqual(await list(), before);
      assert.equal(await health(), 'degraded');

      await rm(file, { recursive: true });
      assert.equal((await api('POST', '/api/widgets', { id: 'saved', type: 'alert', data: { severity: 'info', title: 'on disk' } })).status, 200);
      const upserts = () => dashboard.frames.filter((f) => f.type === 'event' && f.channel === 'widgets' && f.name === 'upsert');
      await dashboard.next('event', (f) => f.channel === 'widgets' && f.name === 'upsert');
      assert.deepEqual(upserts().map((f) => (f as unknown as { payload: StoredWidget }).payload.id), ['saved'], 'the refused widget was never broadcast');
      assert.equal(await health(), 'ok');
    } finally {
      await dashboard.close();
    }
  });

  it('keeps widgets across a restart of the relay', async () => {
    await api('POST', '/api/widgets', { id: 'kept-alert', type: 'alert', data: { severity: 'warning', title: 'budget at 80%' } });
    await api('POST', '/api/widgets', { id: 'kept-error', type: 'error', data: { message: 'build failed', attemptsLeft: 2 } });
    const before = await list();
    assert.ok(['kept-alert', 'kept-error'].every((id) => before.some((w) => w.id === id)));
    await serve.stop();
    await start();
    assert.deepEqual(await list(), before);
    const client = await RelayClient.connect(serve.url, { token });
    try {
      client.send({ type: 'subscribe', channel: 'widgets' });
      const snapshot = await client.next('event', (f) => f.channel === 'widgets' && f.name === 'snapshot');
      assert.deepEqual((snapshot.payload as unknown as WidgetsSnapshot).widgets, before);
    } finally {
      await client.close();
    }
  });
});
