import { randomUUID } from 'node:crypto';
import * as z from 'zod';
import {
  FINISHED_TASK_TTL_MS,
  STEP_STATES,
  TASK_STATUSES,
  weightedPercent,
  type Task,
  type TaskCancel,
  type TaskCreate,
  type TaskStatus,
  type TaskUpdate,
  type TasksSnapshot,
} from '../../../shared/tasks';
import type { Logger } from '../log';
import { HttpError } from '../relay/http';
import { SnapshotFile } from '../state/snapshotFile';

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
  /** Where tasks are kept across restarts (JSON, atomic writes); in memory only without it. */
  persist?: { file: string; logger: Logger };
}

const storedTasksSchema = z.array(
  z.object({
    id: z.string().min(1),
    title: z.string(),
    agent: z.string(),
    steps: z.array(z.object({ name: z.string(), weight: z.number().nonnegative(), state: z.enum(STEP_STATES), progress: z.number().min(0).max(1) })),
    status: z.enum(TASK_STATUSES),
    percent: z.number(),
    message: z.string().optional(),
    createdAt: z.number(),
    updatedAt: z.number(),
    finishedAt: z.number().optional(),
    cancelledBy: z.string().optional(),
    cancelReason: z.string().optional(),
  }),
);

/**
 * Tasks agents report as weighted steps. Cancellation is a state the agent learns on its next
 * report (and through events); finished tasks are dropped after five minutes by one timer each.
 * With a file, every accepted change is on disk before it is answered, so a relay restart loses
 * no task an agent was told about.
 */
export class TaskService {
  private readonly tasks = new Map<string, Task>();
  private readonly removalTimers = new Map<string, NodeJS.Timeout>();
  private readonly listeners = new Set<(event: TaskEvent) => void>();
  private maxActivePerAgent: number;
  private readonly finishedTtlMs: number;
  private readonly now: () => number;
  private readonly file: SnapshotFile | undefined;
  private readonly logger: Logger | undefined;

  constructor(options: TaskServiceOptions) {
    this.maxActivePerAgent = options.maxActivePerAgent;
    this.finishedTtlMs = options.finishedTtlMs ?? FINISHED_TASK_TTL_MS;
    this.now = options.now ?? Date.now;
    this.logger = options.persist?.logger;
    this.file = options.persist ? new SnapshotFile(options.persist.file, 'tasks', options.persist.logger, () => this.list()) : undefined;
  }

  /** Reads the saved tasks: running ones carry on, finished ones stay for what is left of their time. */
  async load(): Promise<void> {
    const stored = await this.file?.read((raw) => storedTasksSchema.parse(raw));
    for (const task of stored ?? []) {
      const left = task.finishedAt === undefined ? undefined : task.finishedAt + this.finishedTtlMs - this.now();
      if (left !== undefined && left <= 0) continue;
      this.tasks.set(task.id, task);
      if (left !== undefined) this.expireAfter(task.id, left);
    }
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

  async create(input: TaskCreate): Promise<Task> {
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
    await this.store(task);
    return task;
  }

  /** Applies a progress report; a cancelled task answers with TaskCancelledError, a finished one with 409. */
  async update(id: string, input: TaskUpdate): Promise<Task> {
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
    await this.store(next);
    return next;
  }

  /** DELETE /api/tasks/:id: marks a running task cancelled and records who and why; 409 otherwise. */
  async cancel(id: string, input: TaskCancel): Promise<Task> {
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
    await this.store(next);
    return next;
  }

  close(): void {
    for (const timer of this.removalTimers.values()) clearTimeout(timer);
    this.removalTimers.clear();
  }

  async flush(): Promise<void> {
    await this.file?.flush();
  }

  /**
   * Takes a changed task: dashboards hear of it at once, the answer waits until it is on disk. A
   * failed write is reported (503); the change stays and goes out with the next write.
   */
  private async store(task: Task): Promise<void> {
    this.tasks.set(task.id, task);
    if (task.status !== 'running' && !this.removalTimers.has(task.id)) this.expireAfter(task.id, this.finishedTtlMs);
    this.emit({ kind: 'upsert', task });
    try {
      await this.file?.write();
    } catch (error) {
      throw new HttpError(503, 'store_unavailable', `task ${task.id} was updated but not saved (${(error as Error).message}); it is written with the next change`);
    }
  }

  private expireAfter(id: string, delayMs: number): void {
    const timer = setTimeout(() => {
      this.removalTimers.delete(id);
      this.tasks.delete(id);
      this.emit({ kind: 'removed', id });
      this.file?.write().catch((error: Error) => this.logger?.warn(`tasks: saving after removing ${id} failed: ${error.message}`));
    }, delayMs);
    timer.unref();
    this.removalTimers.set(id, timer);
  }

  private emit(event: TaskEvent): void {
    for (const listener of this.listeners) listener(event);
  }
}
