import { strict as assert } from 'node:assert';
import type { Task } from '../../src/shared/tasks';
import { useServe } from '../helpers/serveFixture';
import { RelayClient } from '../helpers/wsClient';

describe('tasks over HTTP and WebSocket on a real agent-mesh serve', () => {
  const relay = useServe({ prefix: 'am-tasks-', config: { 'agentMesh.tasks.maxActivePerAgent': 2 } });
  const { call } = relay;
  const socket = async () => relay.track(await RelayClient.connect(relay.serve.url, { token: relay.token }));

  it('tracks weighted steps over HTTP and completes the task', async () => {
    const created = await call('POST', '/api/tasks', { title: 'Index repo', agent: 'indexer', steps: [{ name: 'scan', weight: 1 }, { name: 'embed', weight: 3 }] });
    assert.equal(created.status, 201);
    const id = (created.body as Task).id;
    let res = await call('PATCH', `/api/tasks/${id}`, { step: 'scan', state: 'done' });
    assert.equal(res.body.percent, 25);
    res = await call('PATCH', `/api/tasks/${id}`, { step: 'embed', progress: 0.5, message: 'half way' });
    assert.deepEqual([res.body.percent, res.body.message, res.body.status], [62.5, 'half way', 'running']);
    res = await call('PATCH', `/api/tasks/${id}`, { status: 'completed' });
    assert.deepEqual([res.body.percent, res.body.status], [100, 'completed']);
    assert.equal((await call('GET', `/api/tasks/${id}`)).body.status, 'completed');
    assert.equal((await call('PATCH', `/api/tasks/${id}`, { message: 'late' })).status, 409);
  });

  it('keeps tasks across a restart of the relay: the agent carries on reporting, a cancel still stands', async () => {
    const { body: running } = await call('POST', '/api/tasks', { title: 'Migrate data', agent: 'migrator', steps: [{ name: 'copy', weight: 3 }, { name: 'verify' }] });
    await call('PATCH', `/api/tasks/${running.id}`, { step: 'copy', state: 'done' });
    const { body: stopped } = await call('POST', '/api/tasks', { title: 'Reindex', agent: 'indexer', steps: [{ name: 'all' }] });
    await call('DELETE', `/api/tasks/${stopped.id}`, { by: 'gina', reason: 'not now' });
    await relay.closeClients();
    assert.equal(await relay.serve.stop(), 0);

    await relay.start();
    const after = await call('PATCH', `/api/tasks/${running.id}`, { step: 'verify', state: 'done' });
    assert.deepEqual([after.status, after.body.status, after.body.percent], [200, 'completed', 100]);
    const late = await call('PATCH', `/api/tasks/${stopped.id}`, { step: 'all', progress: 0.5 });
    assert.deepEqual([late.status, late.body.cancelled, late.body.task.cancelledBy], [409, true, 'gina']);
  });

  it('refuses bad reports with 400 and enforces the per-agent limit from the config with 429', async () => {
    assert.equal((await call('POST', '/api/tasks', { title: 'No steps', steps: [] })).status, 400);
    assert.equal((await call('POST', '/api/tasks', { title: 'Twins', steps: [{ name: 'a' }, { name: 'a' }] })).status, 400);
    const { body } = await call('POST', '/api/tasks', { title: 'One', agent: 'busy', steps: [{ name: 'a' }] });
    assert.equal((await call('PATCH', `/api/tasks/${body.id}`, { step: 'a', progress: 2 })).status, 400);
    assert.equal((await call('PATCH', `/api/tasks/${body.id}`, { step: 'zzz', state: 'done' })).status, 400);
    assert.equal((await call('GET', `/api/tasks/${body.id}`)).body.percent, 0);
    await call('POST', '/api/tasks', { title: 'Two', agent: 'busy', steps: [{ name: 'a' }] });
    const third = await call('POST', '/api/tasks', { title: 'Three', agent: 'busy', steps: [{ name: 'a' }] });
    assert.equal(third.status, 429);
    assert.equal(third.body.error.code, 'too_many_tasks');
  });

  it('answers the agent\'s next PATCH after a cancel with 409 and cancelled: true', async () => {
    const { body: task } = await call('POST', '/api/tasks', { title: 'Long job', steps: [{ name: 'work' }] });
    const cancelled = await call('DELETE', `/api/tasks/${task.id}`, { by: 'frank', reason: 'taking too long' });
    assert.equal(cancelled.status, 200);
    const next = await call('PATCH', `/api/tasks/${task.id}`, { step: 'work', progress: 0.4 });
    assert.equal(next.status, 409);
    assert.equal(next.body.cancelled, true);
    assert.equal(next.body.error.code, 'cancelled');
    assert.deepEqual([next.body.task.cancelledBy, next.body.task.cancelReason], ['frank', 'taking too long']);
    assert.equal((await call('DELETE', `/api/tasks/${task.id}`, {})).status, 409);
  });

  it('reports over WebSocket and pushes the cancellation to the reporting agent and to dashboards', async () => {
    const agent = await socket();
    const dashboard = await socket();
    dashboard.send({ type: 'subscribe', channel: 'tasks' });
    await dashboard.next('event', (f) => f.channel === 'tasks' && f.name === 'snapshot');

    agent.send({ type: 'task:start', id: 's1', title: 'Crawl', agent: 'crawler', steps: [{ name: 'fetch', weight: 2 }, { name: 'parse' }] });
    const started = (await agent.next('task', (f) => f.id === 's1')).task;
    agent.send({ type: 'task:report', id: 'p1', taskId: started.id, step: 'fetch', state: 'done' });
    assert.equal(Math.round((await agent.next('task', (f) => f.id === 'p1')).task.percent), 67);
    await dashboard.next('event', (f) => f.name === 'upsert' && (f.payload as unknown as Task).percent > 60);

    await call('DELETE', `/api/tasks/${started.id}`, { by: 'dashboard user' });
    const pushed = await agent.next('task', (f) => f.id === undefined && f.task.status === 'cancelled');
    assert.equal(pushed.task.cancelledBy, 'dashboard user');
    agent.send({ type: 'task:report', id: 'p2', taskId: started.id, step: 'parse', progress: 0.1 });
    assert.equal((await agent.next('error', (f) => f.id === 'p2')).code, 'cancelled');
  });
});

describe('task timeouts and staleness on a real agent-mesh serve', () => {
  const relay = useServe({
    prefix: 'am-task-limits-',
    config: { 'agentMesh.tasks.maxActivePerAgent': 1, 'agentMesh.tasks.staleAfterSeconds': 1, 'agentMesh.tasks.maxTimeoutSeconds': 60 },
  });
  const { call } = relay;
  const dashboard = async () => {
    const client = relay.track(await RelayClient.connect(relay.serve.url, { token: relay.token }));
    client.send({ type: 'subscribe', channel: 'tasks' });
    await client.next('event', (f) => f.channel === 'tasks' && f.name === 'snapshot');
    return client;
  };
  const upserted = (client: RelayClient, check: (task: Task) => boolean) =>
    client.next('event', (f) => f.channel === 'tasks' && f.name === 'upsert' && check(f.payload as unknown as Task)).then((f) => f.payload as unknown as Task);

  it('ends a task past its declared timeout as timeout, tells dashboards and frees the agent\'s slot', async () => {
    const watcher = await dashboard();
    const created = await call('POST', '/api/tasks', { title: 'Hangs', agent: 'slow', timeoutMs: 300, steps: [{ name: 'wait', timeoutMs: 200, retries: 1 }] });
    assert.deepEqual([created.status, created.body.timeoutMs, created.body.steps[0].retries], [201, 300, 1]);
    const ended = await upserted(watcher, (t) => t.id === created.body.id && t.status === 'timeout');
    assert.match(ended.message ?? '', /timed out/);
    assert.equal((await call('GET', `/api/tasks/${created.body.id}`)).body.status, 'timeout');
    assert.equal((await call('PATCH', `/api/tasks/${created.body.id}`, { message: 'still here' })).status, 409);
    assert.equal((await call('POST', '/api/tasks', { title: 'Next', agent: 'slow', steps: [{ name: 'a' }] })).status, 201);
  });

  it('shows a silent task as stale and frees its slot until it reports again; refuses a timeout over the maximum', async () => {
    const watcher = await dashboard();
    const { body: quiet } = await call('POST', '/api/tasks', { title: 'Quiet', agent: 'mute', steps: [{ name: 'a' }] });
    assert.equal((await call('POST', '/api/tasks', { title: 'Refused', agent: 'mute', steps: [{ name: 'a' }] })).status, 429);
    await upserted(watcher, (t) => t.id === quiet.id && t.stale);
    assert.equal((await call('GET', `/api/tasks/${quiet.id}`)).body.stale, true);
    assert.equal((await call('POST', '/api/tasks', { title: 'Takes the slot', agent: 'mute', steps: [{ name: 'a' }] })).status, 201);
    const back = await call('PATCH', `/api/tasks/${quiet.id}`, { step: 'a', progress: 0.5 });
    assert.deepEqual([back.status, back.body.stale], [200, false]);
    const tooLong = await call('POST', '/api/tasks', { title: 'Too long', agent: 'other', timeoutMs: 120_000, steps: [{ name: 'a' }] });
    assert.equal(tooLong.status, 400);
    assert.match(tooLong.body.error.message, /maximum of 60000 ms/);
  });
});
