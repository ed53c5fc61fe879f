import { strict as assert } from 'node:assert';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { silentLogger } from '../../src/extension/engine/log';
import { HttpError } from '../../src/extension/engine/relay/http';
import { TaskCancelledError, TaskService, type TaskEvent } from '../../src/extension/engine/tasks/taskService';
import { taskCreateSchema, weightedPercent } from '../../src/shared/tasks';

const steps = [{ name: 'build', weight: 3 }, { name: 'test', weight: 1 }, { name: 'publish' }];
const status = (error: unknown) => (error instanceof HttpError ? error.status : undefined);

describe('tasks', () => {
  let tasks: TaskService;
  let events: TaskEvent[];
  const start = (agent = 'builder') => tasks.create(taskCreateSchema.parse({ title: 'Release', agent, steps }));

  beforeEach(() => {
    tasks = new TaskService({ maxActivePerAgent: 2, finishedTtlMs: 30 });
    events = [];
    tasks.onEvent((e) => events.push(e));
  });

  afterEach(() => tasks.close());

  it('weighs steps: done counts fully, running by its progress, pending not at all', () => {
    const step = (state: 'pending' | 'running' | 'done' | 'skipped' | 'failed', weight: number, progress = 0) => ({ name: state + weight, state, weight, progress });
    assert.equal(weightedPercent([step('done', 3), step('pending', 1)]), 75);
    assert.equal(weightedPercent([step('running', 2, 0.5), step('pending', 2)]), 25);
    assert.equal(weightedPercent([step('skipped', 1), step('done', 1)]), 100);
  });

  it('reports progress by step name or index and completes when every step is done', async () => {
    const task = await start();
    assert.equal(task.percent, 0);
    let next = await tasks.update(task.id, { step: 'build', progress: 0.5 });
    assert.deepEqual([next.steps[0].state, next.percent], ['running', 30]);
    next = await tasks.update(task.id, { step: 0, state: 'done', message: 'built' });
    assert.deepEqual([next.percent, next.message], [60, 'built']);
    await tasks.update(task.id, { step: 'test', state: 'done' });
    next = await tasks.update(task.id, { step: 2, state: 'done' });
    assert.deepEqual([next.status, next.percent], ['completed', 100]);
    assert.equal(status(await rejection(tasks.update(task.id, { message: 'late' }))), 409);
  });

  it('refuses reports that name no step or an unknown one', async () => {
    const task = await start();
    assert.equal(status(await rejection(tasks.update(task.id, {}))), 400);
    assert.equal(status(await rejection(tasks.update(task.id, { progress: 0.5 }))), 400);
    assert.equal(status(await rejection(tasks.update(task.id, { step: 'deploy', state: 'done' }))), 400);
    assert.equal(status(await rejection(tasks.update(task.id, { step: 7, state: 'done' }))), 400);
    assert.equal(tasks.get(task.id).updatedAt, task.updatedAt, 'refused reports change nothing');
  });

  it('cancels a running task, recording who and why, and answers the next report with cancelled', async () => {
    const task = await start();
    const cancelled = await tasks.cancel(task.id, { by: 'erin', reason: 'wrong branch' });
    assert.deepEqual([cancelled.status, cancelled.cancelledBy, cancelled.cancelReason], ['cancelled', 'erin', 'wrong branch']);
    const error = await rejection(tasks.update(task.id, { step: 'build', progress: 0.9 }));
    assert.ok(error instanceof TaskCancelledError);
    assert.equal(error.status, 409);
    assert.equal(error.task.status, 'cancelled');
    assert.equal(status(await rejection(tasks.cancel(task.id, {}))), 409);
  });

  it('limits running tasks per agent', async () => {
    const first = await start('a');
    await start('a');
    assert.equal(status(await rejection(start('a'))), 429);
    await start('b');
    await tasks.update(first.id, { status: 'failed', message: 'boom' });
    await start('a');
  });

  it('drops finished tasks after their retention time and says so', async () => {
    const task = await start();
    await tasks.update(task.id, { status: 'completed' });
    assert.equal(tasks.get(task.id).percent, 100);
    await new Promise<void>((resolve) => tasks.onEvent((e) => e.kind === 'removed' && resolve()));
    assert.throws(() => tasks.get(task.id), (error) => status(error) === 404);
    assert.deepEqual(events.map((e) => e.kind), ['upsert', 'upsert', 'removed']);
  });
});

describe('tasks on disk', () => {
  let dir: string;
  let now: number;
  const service = (file = path.join(dir, 'tasks.json')) =>
    new TaskService({ maxActivePerAgent: 5, finishedTtlMs: 60_000, now: () => now, persist: { file, logger: silentLogger } });

  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'am-tasks-'));
    now = 1_000_000;
  });

  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('keeps every answered change across a restart: running tasks carry on, finished ones for the rest of their time', async () => {
    const before = service();
    const running = await before.create(taskCreateSchema.parse({ title: 'Index the repo', agent: 'researcher', steps }));
    await before.update(running.id, { step: 'build', state: 'done' });
    const finished = await before.create(taskCreateSchema.parse({ title: 'Summarise PR', agent: 'reviewer', steps }));
    await before.update(finished.id, { status: 'completed' });
    const cancelled = await before.create(taskCreateSchema.parse({ title: 'Old job', agent: 'builder', steps }));
    await before.cancel(cancelled.id, { by: 'erin', reason: 'obsolete' });
    before.close();

    now += 30_000;
    const after = service();
    await after.load();
    assert.deepEqual(after.get(running.id), before.get(running.id));
    assert.equal((await after.update(running.id, { step: 'test', state: 'done' })).percent, 80, 'the agent reports on where it was');
    assert.equal(after.get(finished.id).status, 'completed');
    assert.equal(status(await rejection(after.update(cancelled.id, { message: 'still here?' }))), 409, 'a cancelled task stays cancelled');
    after.close();

    now += 31_000; // past the finished tasks' retention
    const later = service();
    await later.load();
    assert.deepEqual(later.list().map((t) => t.id), [running.id]);
    later.close();
  });

  it('moves an unreadable file aside, starts empty and writes a fresh one', async () => {
    const file = path.join(dir, 'tasks.json');
    await writeFile(file, '[{"id": "half a record"');
    const tasks = service(file);
    await tasks.load();
    assert.deepEqual(tasks.list(), []);
    assert.equal((await readdir(dir)).filter((f) => f.startsWith('tasks.json.unreadable-')).length, 1);
    await tasks.create(taskCreateSchema.parse({ title: 'Fresh', steps }));
    const again = service(file);
    await again.load();
    assert.deepEqual(again.list().map((t) => t.title), ['Fresh']);
    tasks.close();
    again.close();
  });

  it('answers 503 when the change cannot be saved, keeping it for the next write', async () => {
    // A file where the data directory should be: every write fails.
    await writeFile(path.join(dir, 'data'), 'not a directory');
    const tasks = service(path.join(dir, 'data', 'tasks.json'));
    const error = await rejection(tasks.create(taskCreateSchema.parse({ title: 'Doomed write', steps })));
    assert.equal(status(error), 503);
    assert.match((error as Error).message, /not saved/);
    assert.equal(tasks.list().length, 1, 'dashboards already saw it; it goes out with the next write');
    tasks.close();
  });
});

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}
