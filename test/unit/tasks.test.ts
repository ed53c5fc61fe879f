import { strict as assert } from 'node:assert';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { silentLogger } from '../../src/extension/engine/log';
import { EngineError } from '../../src/extension/engine/errors';
import { Recoveries } from '../../src/extension/engine/state/recoveries';
import { TaskCancelledError, TaskService, type TaskEvent } from '../../src/extension/engine/tasks/taskService';
import { taskCreateSchema, weightedPercent, type Task } from '../../src/shared/tasks';
import { assertRecovered } from '../helpers/recoveries';

const steps = [{ name: 'build', weight: 3 }, { name: 'test', weight: 1 }, { name: 'publish' }];
const kind = (error: unknown) => (error instanceof EngineError ? error.kind : undefined);

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
    assert.equal(kind(await rejection(tasks.update(task.id, { message: 'late' }))), 'conflict');
  });

  it('refuses reports that name no step or an unknown one', async () => {
    const task = await start();
    assert.equal(kind(await rejection(tasks.update(task.id, {}))), 'invalid');
    assert.equal(kind(await rejection(tasks.update(task.id, { progress: 0.5 }))), 'invalid');
    assert.equal(kind(await rejection(tasks.update(task.id, { step: 'deploy', state: 'done' }))), 'invalid');
    assert.equal(kind(await rejection(tasks.update(task.id, { step: 7, state: 'done' }))), 'invalid');
    assert.equal(tasks.get(task.id).updatedAt, task.updatedAt, 'refused reports change nothing');
  });

  it('cancels a running task, recording who and why, and answers the next report with cancelled', async () => {
    const task = await start();
    const cancelled = await tasks.cancel(task.id, { by: 'erin', reason: 'wrong branch' });
    assert.deepEqual([cancelled.status, cancelled.cancelledBy, cancelled.cancelReason], ['cancelled', 'erin', 'wrong branch']);
    const error = await rejection(tasks.update(task.id, { step: 'build', progress: 0.9 }));
    assert.ok(error instanceof TaskCancelledError);
    assert.equal(error.kind, 'conflict');
    assert.equal(error.task.status, 'cancelled');
    assert.equal(kind(await rejection(tasks.cancel(task.id, {}))), 'conflict');
  });

  it('limits running tasks per agent', async () => {
    const first = await start('a');
    await start('a');
    assert.equal(kind(await rejection(start('a'))), 'limit');
    await start('b');
    await tasks.update(first.id, { status: 'failed', message: 'boom' });
    await start('a');
  });

  it('drops finished tasks after their retention time and says so', async () => {
    const task = await start();
    await tasks.update(task.id, { status: 'completed' });
    assert.equal(tasks.get(task.id).percent, 100);
    await new Promise<void>((resolve) => tasks.onEvent((e) => e.kind === 'removed' && resolve()));
    assert.throws(() => tasks.get(task.id), (error) => kind(error) === 'not_found');
    assert.deepEqual(events.map((e) => e.kind), ['upsert', 'upsert', 'removed']);
  });
});

describe('task timeouts, retries and staleness', () => {
  const services: TaskService[] = [];
  const service = (options: Partial<ConstructorParameters<typeof TaskService>[0]> = {}) => {
    const tasks = new TaskService({ maxActivePerAgent: 1, ...options });
    services.push(tasks);
    return tasks;
  };
  /** The next upsert of a task that passes the check. */
  const upsert = (tasks: TaskService, check: (task: Task) => boolean) =>
    new Promise<Task>((resolve) => {
      const stop = tasks.onEvent((e) => {
        if (e.kind === 'upsert' && check(e.task)) {
          stop();
          resolve(e.task);
        }
      });
    });

  afterEach(() => {
    for (const tasks of services.splice(0)) tasks.close();
  });

  it('ends a task that runs past its declared timeout as timeout, and frees its slot', async () => {
    const tasks = service();
    const task = await tasks.create(taskCreateSchema.parse({ title: 'Hangs', agent: 'a', timeoutMs: 150, steps }));
    assert.equal(task.timeoutMs, 150);
    const ended = await upsert(tasks, (t) => t.id === task.id && t.status !== 'running');
    assert.equal(ended.status, 'timeout');
    assert.match(ended.message ?? '', /timed out: no end reported within 150 ms/);
    assert.ok(ended.finishedAt !== undefined);
    assert.equal(kind(await rejection(tasks.update(task.id, { message: 'late' }))), 'conflict');
    await tasks.create(taskCreateSchema.parse({ title: 'Next', agent: 'a', steps }));
  });

  it('retries a step that runs past its timeout as often as declared, counting the retries, then times the task out', async () => {
    const tasks = service();
    const seen: Task[] = [];
    tasks.onEvent((e) => e.kind === 'upsert' && seen.push(e.task));
    const task = await tasks.create(taskCreateSchema.parse({ title: 'Flaky fetch', steps: [{ name: 'fetch', timeoutMs: 100, retries: 2 }, { name: 'store' }] }));
    await tasks.update(task.id, { step: 'fetch', progress: 0.5 });
    const ended = await upsert(tasks, (t) => t.status !== 'running');
    assert.equal(ended.status, 'timeout');
    assert.deepEqual([ended.steps[0].state, ended.steps[0].attempts, ended.steps[0].retries], ['failed', 2, 2]);
    assert.match(ended.message ?? '', /step "fetch" timed out after 100 ms \(2 retries used\)/);
    const retried = seen.filter((t) => t.status === 'running' && t.steps[0].attempts > 0);
    assert.deepEqual(retried.map((t) => [t.steps[0].state, t.steps[0].attempts, t.steps[0].progress]), [['running', 1, 0], ['running', 2, 0]]);
  });

  it('puts a step the agent reports failed back to running while it has retries left', async () => {
    const tasks = service();
    const task = await tasks.create(taskCreateSchema.parse({ title: 'Upload', steps: [{ name: 'upload', retries: 1 }] }));
    let next = await tasks.update(task.id, { step: 'upload', state: 'failed', message: 'network' });
    assert.deepEqual([next.steps[0].state, next.steps[0].attempts, next.status], ['running', 1, 'running']);
    next = await tasks.update(task.id, { step: 'upload', state: 'failed' });
    assert.deepEqual([next.steps[0].state, next.steps[0].attempts, next.status], ['failed', 1, 'running']);
  });

  it('marks a task that reports nothing for the stale time as stale and frees its slot; its next report brings it back', async () => {
    const tasks = service({ limits: { defaultTimeoutMs: 60_000, maxTimeoutMs: 60_000, staleAfterMs: 100 } });
    const task = await tasks.create(taskCreateSchema.parse({ title: 'Quiet', agent: 'a', steps }));
    assert.equal(kind(await rejection(tasks.create(taskCreateSchema.parse({ title: 'Second', agent: 'a', steps })))), 'limit');
    const stale = await upsert(tasks, (t) => t.id === task.id && t.stale === true);
    assert.equal(stale.status, 'running');
    assert.equal(tasks.activeCount, 0);
    await tasks.create(taskCreateSchema.parse({ title: 'Second', agent: 'a', steps }));
    const back = await tasks.update(task.id, { step: 'build', progress: 0.1 });
    assert.equal(back.stale, false);
  });

  it('takes the default timeout when none is declared and refuses one over the maximum with 400', async () => {
    const tasks = service({ limits: { defaultTimeoutMs: 5000, maxTimeoutMs: 10_000, staleAfterMs: 10_000 } });
    assert.equal((await tasks.create(taskCreateSchema.parse({ title: 'Default', steps }))).timeoutMs, 5000);
    for (const body of [{ title: 'Long', timeoutMs: 20_000, steps }, { title: 'Long step', steps: [{ name: 's', timeoutMs: 20_000 }] }]) {
      const error = await rejection(tasks.create(taskCreateSchema.parse(body)));
      assert.equal(kind(error), 'invalid');
      assert.match((error as Error).message, /over the relay's maximum of 10000 ms/);
    }
    assert.equal(tasks.list().length, 1);
  });

  it('refuses more retries or a longer timeout than the schema allows', () => {
    assert.equal(taskCreateSchema.safeParse({ title: 't', timeoutMs: 7 * 24 * 3600 * 1000, steps: [{ name: 's', retries: 10, timeoutMs: 100 }] }).success, true);
    assert.equal(taskCreateSchema.safeParse({ title: 't', steps: [{ name: 's', retries: 11 }] }).success, false);
    assert.equal(taskCreateSchema.safeParse({ title: 't', timeoutMs: 8 * 24 * 3600 * 1000, steps }).success, false);
  });
});

describe('tasks on disk', () => {
  let dir: string;
  let now: number;
  const service = (file = path.join(dir, 'tasks.json'), recoveries?: Recoveries) =>
    new TaskService({ maxActivePerAgent: 5, finishedTtlMs: 60_000, now: () => now, persist: { file, logger: silentLogger, recoveries } });

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
    assert.equal(kind(await rejection(after.update(cancelled.id, { message: 'still here?' }))), 'conflict', 'a cancelled task stays cancelled');
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
    const recoveries = new Recoveries();
    const tasks = service(file, recoveries);
    await tasks.load();
    assert.deepEqual(tasks.list(), []);
    assert.equal((await readdir(dir)).filter((f) => f.startsWith('tasks.json.unreadable-')).length, 1);
    assertRecovered(recoveries, [['tasks.json', 'started without it']]);
    await tasks.create(taskCreateSchema.parse({ title: 'Fresh', steps }));
    const again = service(file);
    await again.load();
    assert.deepEqual(again.list().map((t) => t.title), ['Fresh']);
    tasks.close();
    again.close();
  });

  it('answers 503 store_unavailable when the change cannot be saved, showing and broadcasting nothing, and says why until a write succeeds', async () => {
    // A file where the data directory should be: every write fails.
    await writeFile(path.join(dir, 'data'), 'not a directory');
    const tasks = service(path.join(dir, 'data', 'tasks.json'));
    const events: TaskEvent[] = [];
    tasks.onEvent((e) => events.push(e));
    const error = await rejection(tasks.create(taskCreateSchema.parse({ title: 'Doomed write', steps })));
    assert.equal(kind(error), 'unavailable');
    assert.equal((error as EngineError).code, 'store_unavailable');
    assert.match((error as Error).message, /not saved/);
    assert.deepEqual(tasks.list(), []);
    assert.deepEqual(events, []);
    assert.match(tasks.storeProblem ?? '', /^tasks store: cannot write /);
    await rm(path.join(dir, 'data'));
    await tasks.create(taskCreateSchema.parse({ title: 'Saved', steps }));
    assert.equal(tasks.storeProblem, undefined);
    tasks.close();
  });

  it('times out after a restart a task whose time ran out while the relay was down', async () => {
    const before = service();
    const task = await before.create(taskCreateSchema.parse({ title: 'Interrupted', timeoutMs: 1000, steps }));
    before.close();
    now += 5000;
    const after = service();
    const ended = new Promise<Task>((resolve) => after.onEvent((e) => e.kind === 'upsert' && resolve(e.task)));
    await after.load();
    assert.equal((await ended).status, 'timeout');
    await after.flush();
    const again = service();
    await again.load();
    assert.equal(again.get(task.id).status, 'timeout', 'the timeout was saved');
    after.close();
    again.close();
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
