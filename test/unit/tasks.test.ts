import { strict as assert } from 'node:assert';
import { HttpError } from '../../src/extension/engine/relay/http';
import { TaskCancelledError, TaskService, type TaskEvent } from '../../src/extension/engine/tasks/taskService';
import { taskCreateSchema, weightedPercent } from '../../src/shared/tasks';

describe('tasks', () => {
  let tasks: TaskService;
  let events: TaskEvent[];
  const start = (agent = 'builder') =>
    tasks.create(taskCreateSchema.parse({ title: 'Release', agent, steps: [{ name: 'build', weight: 3 }, { name: 'test', weight: 1 }, { name: 'publish' }] }));
  const status = (error: unknown) => (error instanceof HttpError ? error.status : undefined);

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

  it('reports progress by step name or index and completes when every step is done', () => {
    const task = start();
    assert.equal(task.percent, 0);
    let next = tasks.update(task.id, { step: 'build', progress: 0.5 });
    assert.deepEqual([next.steps[0].state, next.percent], ['running', 30]);
    next = tasks.update(task.id, { step: 0, state: 'done', message: 'built' });
    assert.deepEqual([next.percent, next.message], [60, 'built']);
    tasks.update(task.id, { step: 'test', state: 'done' });
    next = tasks.update(task.id, { step: 2, state: 'done' });
    assert.deepEqual([next.status, next.percent], ['completed', 100]);
    assert.equal(status(catchError(() => tasks.update(task.id, { message: 'late' }))), 409);
  });

  it('refuses reports that name no step or an unknown one', () => {
    const task = start();
    assert.equal(status(catchError(() => tasks.update(task.id, {}))), 400);
    assert.equal(status(catchError(() => tasks.update(task.id, { progress: 0.5 }))), 400);
    assert.equal(status(catchError(() => tasks.update(task.id, { step: 'deploy', state: 'done' }))), 400);
    assert.equal(status(catchError(() => tasks.update(task.id, { step: 7, state: 'done' }))), 400);
    assert.equal(tasks.get(task.id).updatedAt, task.updatedAt, 'refused reports change nothing');
  });

  it('cancels a running task, recording who and why, and answers the next report with cancelled', () => {
    const task = start();
    const cancelled = tasks.cancel(task.id, { by: 'erin', reason: 'wrong branch' });
    assert.deepEqual([cancelled.status, cancelled.cancelledBy, cancelled.cancelReason], ['cancelled', 'erin', 'wrong branch']);
    const error = catchError(() => tasks.update(task.id, { step: 'build', progress: 0.9 }));
    assert.ok(error instanceof TaskCancelledError);
    assert.equal(error.status, 409);
    assert.equal(error.task.status, 'cancelled');
    assert.equal(status(catchError(() => tasks.cancel(task.id, {}))), 409);
  });

  it('limits running tasks per agent', () => {
    const first = start('a');
    start('a');
    assert.equal(status(catchError(() => start('a'))), 429);
    start('b');
    tasks.update(first.id, { status: 'failed', message: 'boom' });
    start('a');
  });

  it('drops finished tasks after their retention time and says so', async () => {
    const task = start();
    tasks.update(task.id, { status: 'completed' });
    assert.equal(tasks.get(task.id).percent, 100);
    await new Promise<void>((resolve) => tasks.onEvent((e) => e.kind === 'removed' && resolve()));
    assert.equal(status(catchError(() => tasks.get(task.id))), 404);
    assert.deepEqual(events.map((e) => e.kind), ['upsert', 'upsert', 'removed']);
  });
});

function catchError(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
}
