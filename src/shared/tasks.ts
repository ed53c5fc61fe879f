// Long-running tasks agents report as weighted steps (HTTP, WebSocket, MCP `report_progress`).
import * as z from 'zod';

export const TASK_STATUSES = ['running', 'completed', 'failed', 'cancelled', 'timeout'] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];
export const STEP_STATES = ['pending', 'running', 'done', 'failed', 'skipped'] as const;
export type StepState = (typeof STEP_STATES)[number];

/** How long a finished task stays visible. */
export const FINISHED_TASK_TTL_MS = 5 * 60 * 1000;
/** The longest timeout any task or step may declare; the relay's setting may allow less. */
export const MAX_TASK_TIMEOUT_MS = 7 * 24 * 3600 * 1000;
export const MAX_STEP_RETRIES = 10;

const text = (max: number) => z.string().trim().min(1).max(max);
const timeoutMs = z.number().int().min(100).max(MAX_TASK_TIMEOUT_MS);

export const taskStepInputSchema = z.strictObject({
  name: text(200),
  weight: z.number().positive().max(1_000_000).default(1),
  /** How long the step may run (from when it starts running) before it is retried or times the task out. */
  timeoutMs: timeoutMs.optional(),
  /** How often a step that fails or times out goes back to running before it stays failed. */
  retries: z.number().int().min(0).max(MAX_STEP_RETRIES).default(0),
});

export const taskCreateSchema = z.strictObject({
  title: text(200),
  agent: text(100).optional(),
  /** How long the whole task may run before it ends as `timeout`; the relay's default when absent. */
  timeoutMs: timeoutMs.optional(),
  steps: z
    .array(taskStepInputSchema)
    .min(1)
    .max(200)
    .refine((steps) => new Set(steps.map((s) => s.name)).size === steps.length, { message: 'step names must be unique' }),
});
export type TaskCreate = z.output<typeof taskCreateSchema>;

/** A progress report; every field is optional but a report must carry at least one. */
export const taskUpdateSchema = z.strictObject({
  /** The step this report is about: its name or its 0-based index. */
  step: z.union([text(200), z.number().int().min(0)]).optional(),
  /** The step's new state. */
  state: z.enum(STEP_STATES).optional(),
  /** How far the step is, 0–1 (a step reported `done` counts as 1). */
  progress: z.number().min(0).max(1).optional(),
  message: z.string().max(1000).optional(),
  /** Ends the task. */
  status: z.enum(['completed', 'failed']).optional(),
});
export type TaskUpdate = z.output<typeof taskUpdateSchema>;

export const taskCancelSchema = z.strictObject({
  reason: z.string().max(2000).optional(),
  by: text(100).optional(),
});
export type TaskCancel = z.output<typeof taskCancelSchema>;

export interface TaskStep {
  name: string;
  weight: number;
  state: StepState;
  progress: number;
  /** Retries the agent declared for the step, and how many are used. */
  retries: number;
  attempts: number;
  timeoutMs?: number;
  /** When the step last went running (its timeout counts from here). */
  startedAt?: number;
}

export interface Task {
  id: string;
  title: string;
  agent: string;
  steps: TaskStep[];
  status: TaskStatus;
  /** Weighted progress over all steps, 0–100. */
  percent: number;
  message?: string;
  /** How long the task may run from `createdAt` before it ends as `timeout`. */
  timeoutMs: number;
  /** The agent's last report (or the start); a task silent past the relay's stale time is `stale`. */
  lastReportAt: number;
  /** Still running but silent too long: shown as stale and no longer counted against its agent's limit. */
  stale: boolean;
  createdAt: number;
  updatedAt: number;
  finishedAt?: number;
  cancelledBy?: string;
  cancelReason?: string;
}

/** Weighted completion in percent: done and skipped steps count fully, running and failed ones by their progress. */
export function weightedPercent(steps: readonly Pick<TaskStep, 'weight' | 'state' | 'progress'>[]): number {
  const total = steps.reduce((sum, s) => sum + s.weight, 0);
  if (total === 0) return 0;
  const done = steps.reduce((sum, s) => sum + s.weight * (s.state === 'done' || s.state === 'skipped' ? 1 : s.state === 'pending' ? 0 : s.progress), 0);
  return Math.round((done / total) * 1000) / 10;
}

/** The 'tasks' channel snapshot. Events: `upsert` (a Task), `removed` ({ id }). */
export interface TasksSnapshot {
  tasks: Task[];
}
