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
  type TaskStep,
  type TaskUpdate,
  type TasksSnapshot,
} from '../../../shared/tasks';
import { CollectionFile } from '../collectionFile';
import type { Settings } from '../config/settings';
import type { Logger } from '../log';
import { EngineError } from '../errors';
import type { Recoveries } from '../state/recoveries';

export const ANONYMOUS_AGENT = 'anonymous';

export type TaskEvent = { kind: 'upsert'; task: Task } | { kind: 'removed'; id: string };

/** Thrown when an agent reports on a task the person cancelled: the agent should stop. */
export class TaskCancelledError extends EngineError {
  constructor(readonly task: Task) {
    super('conflict', 'cancelled', `task ${task.id} was cancelled${task.cancelledBy ? ` by ${task.cancelledBy}` : ''}${task.cancelReason ? `: ${task.cancelReason}` : ''}`);
  }
}

export interface TaskLimits {
  /** A task's timeout when its agent declares none. */
  defaultTimeoutMs: number;
  /** The longest timeout a task or one of its steps may declare. */
  maxTimeoutMs: number;
  /** A running task that reports nothing this long is stale: shown so, and its slot freed. */
  staleAfterMs: number;
}

export const DEFAULT_TASK_LIMITS: TaskLimits = { defaultTimeoutMs: 3_600_000, maxTimeoutMs: 86_400_000, staleAfterMs: 600_000 };

export function taskLimitsFrom(settings: Settings): TaskLimits {
  return {
    defaultTimeoutMs: settings['agentMesh.tasks.defaultTimeoutSeconds'] * 1000,
    maxTimeoutMs: settings['agentMesh.tasks.maxTimeoutSeconds'] * 1000,
    staleAfterMs: settings['agentMesh.tasks.staleAfterSeconds'] * 1000,
  };
}

/** setTimeout's longest delay; a later deadline is looked at again when it fires. */
const MAX_TIMER_MS = 2 ** 31 - 1;
/** How soon a timeout, retry or stale mark that could not be saved is tried again. */
const RESAVE_MS = 5000;

export interface TaskServiceOptions {
  maxActivePerAgent: number;
  limits?: TaskLimits;
  /** How long finished tasks stay listed. */
  finishedTtlMs?: number;
  now?: () => number;
  /** Where tasks are kept across restarts (JSON, atomic writes); in memory only without it. A damaged file set aside at start is recorded in `recoveries`. */
  persist?: { file: string; logger: Logger; recoveries?: Recoveries };
}

const storedTasksSchema = z.array(
  z.object({
    id: z.string().min(1),
    title: z.string(),
    agent: z.string(),
    steps: z.array(
      z.object({
        name: z.string(),
        weight: z.number().nonnegative(),
        state: z.enum(STEP_STATES),
        progress: z.number().min(0).max(1),
        // Files written before timeouts and retries existed have none of these.
        retries: z.number().int().min(0).default(0),
        attempts: z.number().int().min(0).default(0),
        timeoutMs: z.number().positive().optional(),
        startedAt: z.number().optional(),
      }),
    ),
    status: z.enum(TASK_STATUSES),
    percent: z.number(),
    message: z.string().optional(),
    timeoutMs: z.number().positive().optional(),
    lastReportAt: z.number().optional(),
    stale: z.boolean().default(false),
    createdAt: z.number(),
    updatedAt: z.number(),
    finishedAt: z.number().optional(),
    cancelledBy: z.string().optional(),
    cancelReason: z.string().optional(),
  }),
);

/**
 * Tasks agents report as weighted steps. Cancellation is a state the agent learns on its next
 * report (and through events). No task holds its agent's slot forever: each running task has one
 * timer for its next deadline (its own timeout, a running step's timeout, going stale), and a
 * finished task is dropped after five minutes by one timer more. With a file, every change is on
 * disk before it is answered or broadcast; one that cannot be written is answered 503 and undone.
 */
export class TaskService {
  private readonly tasks = new Map<string, Task>();
  private readonly removalTimers = new Map<string, NodeJS.Timeout>();
  private readonly deadlineTimers = new Map<string, NodeJS.Timeout>();
  private readonly listeners = new Set<(event: TaskEvent) => void>();
  private maxActivePerAgent: number;
  private limits: TaskLimits;
  private readonly finishedTtlMs: number;
  private readonly now: () => number;
  private readonly file: CollectionFile | undefined;
  private readonly logger: Logger | undefined;

  constructor(options: TaskServiceOptions) {
    this.maxActivePerAgent = options.maxActivePerAgent;
    this.limits = options.limits ?? DEFAULT_TASK_LIMITS;
    this.finishedTtlMs = options.finishedTtlMs ?? FINISHED_TASK_TTL_MS;
    this.now = options.now ?? Date.now;
    this.logger = options.persist?.logger;
    this.file = options.persist ? new CollectionFile(options.persist.file, 'tasks', options.persist.logger, () => this.list(), options.persist.recoveries) : undefined;
  }

  /**
   * Reads the saved tasks: running ones carry on (a deadline that passed while the relay was down
   * ends them at once), finished ones stay for what is left of their time.
   */
  async load(): Promise<void> {
    const stored = await this.file?.read((raw) => storedTasksSchema.parse(raw));
    for (const saved of stored ?? []) {
      const left = saved.finishedAt === undefined ? undefined : saved.finishedAt + this.finishedTtlMs - this.now();
      if (left !== undefined && left <= 0) continue;
      const task: Task = { ...saved, timeoutMs: saved.timeoutMs ?? this.limits.defaultTimeoutMs, lastReportAt: saved.lastReportAt ?? saved.updatedAt };
      this.tasks.set(task.id, task);
      if (left !== undefined) this.expireAfter(task.id, left);
      else this.watch(task);
    }
  }

  configure(maxActivePerAgent: number, limits: TaskLimits = this.limits): void {
    this.maxActivePerAgent = maxActivePerAgent;
    this.limits = limits;
    for (const task of this.tasks.values()) this.watch(task);
  }

  onEvent(listener: (event: TaskEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  list(): Task[] {
    return [...this.tasks.values()].sort((a, b) => b.createdAt - a.createdAt);
  }

  /** Running tasks that hold a slot (a stale one does not). */
  get activeCount(): number {
    return this.list().filter(holdsSlot).length;
  }

  snapshot(): TasksSnapshot {
    return { tasks: this.list() };
  }

  get(id: string): Task {
    const task = this.tasks.get(id);
    if (!task) throw new EngineError('not_found', 'not_found', `no task ${id} (finished tasks are kept ${Math.round(this.finishedTtlMs / 60000)} minutes)`);
    return task;
  }

  async create(input: TaskCreate): Promise<Task> {
    this.checkTimeout('timeoutMs', input.timeoutMs);
    input.steps.forEach((step, index) => this.checkTimeout(`steps.${index}.timeoutMs`, step.timeoutMs));
    const agent = input.agent ?? ANONYMOUS_AGENT;
    const active = this.list().filter((t) => t.agent === agent && holdsSlot(t)).length;
    if (active >= this.maxActivePerAgent) {
      throw new EngineError('limit', 'too_many_tasks', `agent ${agent} already has ${active} active tasks (the limit is ${this.maxActivePerAgent}); finish or cancel one first`);
    }
    const now = this.now();
    const task: Task = {
      id: randomUUID(),
      title: input.title,
      agent,
      steps: input.steps.map((s) => ({
        name: s.name,
        weight: s.weight,
        state: 'pending',
        progress: 0,
        retries: s.retries,
        attempts: 0,
        ...(s.timeoutMs !== undefined ? { timeoutMs: s.timeoutMs } : {}),
      })),
      status: 'running',
      percent: 0,
      timeoutMs: input.timeoutMs ?? Math.min(this.limits.defaultTimeoutMs, this.limits.maxTimeoutMs),
      lastReportAt: now,
      stale: false,
      createdAt: now,
      updatedAt: now,
    };
    await this.store(task);
    return task;
  }

  /**
   * Applies a progress report; a cancelled task answers with TaskCancelledError, a finished one with
   * 409. A step reported failed goes back to running while it has retries left. Any report brings a
   * stale task back.
   */
  async update(id: string, input: TaskUpdate): Promise<Task> {
    const current = this.get(id);
    if (current.status === 'cancelled') throw new TaskCancelledError(current);
    if (current.status !== 'running') throw new EngineError('conflict', 'conflict', `task ${id} is already ${current.status}`);
    if (Object.values(input).every((v) => v === undefined)) throw new EngineError('invalid', 'invalid_request', 'a report needs at least one of step, state, progress, message, status');
    if ((input.state !== undefined || input.progress !== undefined) && input.step === undefined) {
      throw new EngineError('invalid', 'invalid_request', 'state and progress describe a step: name it with "step"');
    }
    const now = this.now();
    const steps = current.steps.map((s) => ({ ...s }));
    if (input.step !== undefined) {
      const index = typeof input.step === 'number' ? input.step : steps.findIndex((s) => s.name === input.step);
      const step = steps[index];
      if (!step) throw new EngineError('invalid', 'invalid_request', `task ${id} has no step ${JSON.stringify(input.step)}`);
      const wasRunning = step.state === 'running';
      if (input.progress !== undefined) step.progress = input.progress;
      step.state = input.state ?? (step.state === 'pending' ? 'running' : step.state);
      if (step.state === 'failed' && step.attempts < step.retries) retry(step, now);
      else if (step.state === 'running' && !wasRunning) step.startedAt = now;
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
    const next: Task = {
      ...current,
      steps,
      status,
      percent: weightedPercent(steps),
      updatedAt: now,
      lastReportAt: now,
      stale: false,
      ...(input.message !== undefined ? { message: input.message } : {}),
      ...(status !== 'running' ? { finishedAt: now } : {}),
    };
    await this.store(next);
    return next;
  }

  /** DELETE /api/tasks/:id: marks a running task cancelled and records who and why; 409 otherwise. */
  async cancel(id: string, input: TaskCancel): Promise<Task> {
    const current = this.get(id);
    if (current.status !== 'running') throw new EngineError('conflict', 'conflict', `task ${id} is already ${current.status}`);
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
    for (const timers of [this.removalTimers, this.deadlineTimers]) {
      for (const timer of timers.values()) clearTimeout(timer);
      timers.clear();
    }
  }

  async flush(): Promise<void> {
    await this.file?.flush();
  }

  /** Why tasks cannot be saved, for the relay's condition; undefined while they can. */
  get storeProblem(): string | undefined {
    return this.file?.problem;
  }

  onStoreProblemChange(listener: () => void): () => void {
    return this.file?.onProblemChange(listener) ?? (() => undefined);
  }

  /**
   * Takes a changed task: once it is on disk, its timers follow it and dashboards hear of it. A
   * failed write is answered 503 and the task goes back to what it was, unless a later change of it
   * has replaced it meanwhile.
   */
  private async store(task: Task): Promise<void> {
    const previous = this.tasks.get(task.id);
    this.tasks.set(task.id, task);
    try {
      await this.file?.write(`task ${task.id}`);
    } catch (error) {
      if (this.tasks.get(task.id) === task) {
        if (previous) this.tasks.set(task.id, previous);
        else this.tasks.delete(task.id);
      }
      throw error;
    }
    this.watch(task);
    if (task.status !== 'running' && !this.removalTimers.has(task.id)) this.expireAfter(task.id, this.finishedTtlMs);
    this.emit({ kind: 'upsert', task });
  }

  /** A declared timeout over the relay's maximum is refused, naming the field. */
  private checkTimeout(field: string, timeoutMs: number | undefined): void {
    if (timeoutMs !== undefined && timeoutMs > this.limits.maxTimeoutMs) {
      throw new EngineError('invalid', 'invalid_request', `${field}: ${timeoutMs} ms is over the relay's maximum of ${this.limits.maxTimeoutMs} ms (agentMesh.tasks.maxTimeoutSeconds)`);
    }
  }

  /** Sets the task's one deadline timer for its next deadline (or `delayMs` from now); none once it has ended. */
  private watch(task: Task, delayMs?: number): void {
    clearTimeout(this.deadlineTimers.get(task.id));
    this.deadlineTimers.delete(task.id);
    if (task.status !== 'running') return;
    const delay = delayMs ?? nextDeadline(task, this.limits) - this.now();
    const timer = setTimeout(() => this.onDeadline(task.id), Math.min(Math.max(delay, 0), MAX_TIMER_MS));
    timer.unref();
    this.deadlineTimers.set(task.id, timer);
  }

  private onDeadline(id: string): void {
    this.deadlineTimers.delete(id);
    const task = this.tasks.get(id);
    if (!task || task.status !== 'running') return;
    const next = passedDeadlines(task, this.now(), this.limits);
    if (!next) return this.watch(task);
    this.store(next).catch((error: Error) => {
      this.logger?.warn(`tasks: ${error.message}; trying again in ${RESAVE_MS / 1000} s`);
      this.watch(this.tasks.get(id) ?? task, RESAVE_MS);
    });
  }

  private expireAfter(id: string, delayMs: number): void {
    const timer = setTimeout(() => {
      this.removalTimers.delete(id);
      this.tasks.delete(id);
      this.emit({ kind: 'removed', id });
      this.file?.write(`removing task ${id}`).catch((error: Error) => this.logger?.warn(`tasks: ${error.message}`));
    }, delayMs);
    timer.unref();
    this.removalTimers.set(id, timer);
  }

  private emit(event: TaskEvent): void {
    for (const listener of this.listeners) listener(event);
  }
}

function holdsSlot(task: Task): boolean {
  return task.status === 'running' && !task.stale;
}

/** Sends a failed or timed-out step back to running for one of its retries. */
function retry(step: TaskStep, now: number): void {
  Object.assign(step, { state: 'running', attempts: step.attempts + 1, progress: 0, startedAt: now });
}

function stepDeadline(step: TaskStep): number {
  return step.state === 'running' && step.timeoutMs !== undefined && step.startedAt !== undefined ? step.startedAt + step.timeoutMs : Infinity;
}

function nextDeadline(task: Task, limits: TaskLimits): number {
  return Math.min(task.createdAt + task.timeoutMs, ...task.steps.map(stepDeadline), task.stale ? Infinity : task.lastReportAt + limits.staleAfterMs);
}

/**
 * The task as its passed deadlines leave it, or undefined when none has passed: past its own
 * timeout, or a step's with no retry left, it ends as `timeout`; a step with retries left runs
 * again; silent past the stale time, it is stale.
 */
function passedDeadlines(task: Task, now: number, limits: TaskLimits): Task | undefined {
  const ended = (steps: TaskStep[], message: string): Task => ({ ...task, steps, percent: weightedPercent(steps), status: 'timeout', message, updatedAt: now, finishedAt: now });
  if (now >= task.createdAt + task.timeoutMs) return ended(task.steps, `timed out: no end reported within ${task.timeoutMs} ms`);
  const steps = task.steps.map((s) => ({ ...s }));
  let message = task.message;
  for (const step of steps) {
    if (now < stepDeadline(step)) continue;
    const timedOut = `step "${step.name}" timed out after ${step.timeoutMs} ms`;
    if (step.attempts >= step.retries) {
      step.state = 'failed';
      return ended(steps, step.retries > 0 ? `${timedOut} (${step.attempts} retries used)` : timedOut);
    }
    retry(step, now);
    message = `${timedOut}; retry ${step.attempts} of ${step.retries}`;
  }
  const stale = task.stale || now >= task.lastReportAt + limits.staleAfterMs;
  if (message === task.message && stale === task.stale) return undefined;
  return { ...task, steps, percent: weightedPercent(steps), stale, updatedAt: now, ...(message !== undefined ? { message } : {}) };
}
