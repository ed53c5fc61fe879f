import { randomUUID } from 'node:crypto';
import { FINISHED_TASK_TTL_MS, weightedPercent, type Task, type TaskCancel, type TaskCreate, type TaskStatus, type TaskUpdate, type TasksSnapshot } from '../../../shared/tasks';
import { HttpError } from '../relay/http';

export const ANONYMOUS_AGENT = 'anonymous';

export type TaskEvent = { kind: 'upsert'; task: Task } | { kind: 'removed'; id: string };

/** Thrown when an agent reports on a task the person cancelled: the agent should stop. */
export class TaskCancelledError extends HttpError {
  constructor(readonly task: Task) {
    super(409, 'cancelled', `task ${task.id} was cancelled${task.cancelledBy ? ` by ${task.cancelledBy}` : ''}${task.cancelReason ? `: ${task.cancelReason}` : ''}`);
  }
}

export interface TaskServiceOptions {
  maxActivePerAgent: number;
  /** How long finished tasks stay listed. */
  finishedTtlMs?: number;
  now?: () => number;
}

/**
 * Tasks agents report as weighted steps. Cancellation is a state the agent learns on its next
 * report (and through events); finished tasks are dropped after five minutes by one timer each.
 */
export class TaskService {
  private readonly tasks = new Map<string, Task>();
  private readonly removalTimers = new Map<string, NodeJS.Timeout>();
  private readonly listeners = new Set<(event: TaskEvent) => void>();
  private maxActivePerAgent: number;
  private readonly finishedTtlMs: number;
  private readonly now: () => number;

  constructor(options: TaskServiceOptions) {
    this.maxActivePerAgent = options.maxActivePerAgent;
    this.finishedTtlMs = options.finishedTtlMs ?? FINISHED_TASK_TTL_MS;
    this.now = options.now ?? Date.now;
  }

  configure(maxActivePerAgent: number): void {
    this.maxActivePerAgent = maxActivePerAgent;
  }

  onEvent(listener: (event: TaskEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  list(): Task[] {
    return [...this.tasks.values()].sort((a, b) => b.createdAt - a.createdAt);
  }

  get activeCount(): number {
    return this.list().filter((t) => t.status === 'running').length;
  }

  snapshot(): TasksSnapshot {
    return { tasks: this.list() };
  }

  get(id: string): Task {
    const task = this.tasks.get(id);
    if (!task) throw new HttpError(404, 'not_found', `no task ${id} (finished tasks are kept ${Math.round(this.finishedTtlMs / 60000)} minutes)`);
    return task;
  }

  create(input: TaskCreate): Task {
    const agent = input.agent ?? ANONYMOUS_AGENT;
    const active = this.list().filter((t) => t.agent === agent && t.status === 'running').length;
    if (active >= this.maxActivePerAgent) {
      throw new HttpError(429, 'too_many_tasks', `agent ${agent} already has ${active} active tasks (the limit is ${this.maxActivePerAgent}); finish or cancel one first`);
    }
    const now = this.now();
    const task: Task = {
      id: randomUUID(),
      title: input.title,
      agent,
      steps: input.steps.map((s) => ({ name: s.name, weight: s.weight, state: 'pending', progress: 0 })),
      status: 'running',
      percent: 0,
      createdAt: now,
      updatedAt: now,
    };
    this.store(task);
    return task;
  }

  /** Applies a progress report; a cancelled task answers with TaskCancelledError, a finished one with 409. */
  update(id: string, input: TaskUpdate): Task {
    const current = this.get(id);
    if (current.status === 'cancelled') throw new TaskCancelledError(current);
    if (current.status !== 'running') throw new HttpError(409, 'conflict', `task ${id} is already ${current.status}`);
    if (Object.values(input).every((v) => v === undefined)) throw new HttpError(400, 'invalid_request', 'a report needs at least one of step, state, progress, message, status');
    if ((input.state !== undefined || input.progress !== undefined) && input.step === undefined) {
      throw new HttpError(400, 'invalid_request', 'state and progress describe a step: name it with "step"');
    }
    const steps = current.steps.map((s) => ({ ...s }));
    if (input.step !== undefined) {
      const index = typeof input.step === 'number' ? input.step : steps.findIndex((s) => s.name === input.step);
      const step = steps[index];
      if (!step) throw new HttpError(400, 'invalid_request', `task ${id} has no step ${JSON.stringify(input.step)}`);
      if (input.progress !== undefined) step.progress = input.progress;
      step.state = input.state ?? (step.state === 'pending' ? 'running' : step.state);
      if (step.state === 'done') step.progress = 1;
    }
    let status: TaskStatus = current.status;
    if (input.status === 'completed') {
      for (const step of steps) if (step.state !== 'failed' && step.state !== 'skipped') Object.assign(step, { state: 'done', progress: 1 });
      status = 'completed';
    } else if (input.status === 'failed') {
      status = 'failed';
    } else if (steps.every((s) => s.state === 'done' || s.state === 'skipped')) {
      status = 'completed';
    }
    const now = this.now();
    const next: Task = {
      ...current,
      steps,
      status,
      percent: weightedPercent(steps),
      updatedAt: now,
      ...(input.message !== undefined ? { message: input.message } : {}),
      ...(status !== 'running' ? { finishedAt: now } : {}),
    };
    this.store(next);
    return next;
  }

  /** DELETE /api/tasks/:id: marks a running task cancelled and records who and why; 409 otherwise. */
  cancel(id: string, input: TaskCancel): Task {
    const current = this.get(id);
    if (current.status !== 'running') throw new HttpError(409, 'conflict', `task ${id} is already ${current.status}`);
    const now = this.now();
    const next: Task = {
      ...current,
      status: 'cancelled',
      updatedAt: now,
      finishedAt: now,
      cancelledBy: input.by ?? 'api',
      ...(input.reason ? { cancelReason: input.reason } : {}),
    };
    this.store(next);
    return next;
  }

  close(): void {
    for (const timer of this.removalTimers.values()) clearTimeout(timer);
    this.removalTimers.clear();
  }

  private store(task: Task): void {
    this.tasks.set(task.id, task);
    if (task.status !== 'running' && !this.removalTimers.has(task.id)) {
      const timer = setTimeout(() => {
        this.removalTimers.delete(task.id);
        this.tasks.delete(task.id);
        this.emit({ kind: 'removed', id: task.id });
      }, this.finishedTtlMs);
      timer.unref();
      this.removalTimers.set(task.id, timer);
    }
    this.emit({ kind: 'upsert', task });
  }

  private emit(event: TaskEvent): void {
    for (const listener of this.listeners) listener(event);
  }
}
