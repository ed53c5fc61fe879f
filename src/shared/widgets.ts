// Dashboard widgets: one zod schema per widget type, used by the relay to refuse data that does not
// fit (POST /api/widgets, the MCP `render_widget` tool) and by the webview before rendering.
import * as z from 'zod';

const text = (max = 200) => z.string().trim().min(1).max(max);
const isoTime = z.iso.datetime({ offset: true });
const percent = z.number().min(0).max(100);
/** Lists that dashboards render with windowing may be long, but not unbounded. */
export const MAX_LIST_ITEMS = 10_000;

export const TASK_STATUSES = ['todo', 'in_progress', 'blocked', 'done', 'failed', 'cancelled'] as const;
export const PRIORITIES = ['low', 'medium', 'high', 'urgent'] as const;
export const SEVERITIES = ['info', 'success', 'warning', 'error'] as const;

export const taskCardSchema = z
  .object({
    title: text(),
    description: z.string().max(4000).optional(),
    status: z.enum(TASK_STATUSES),
    assignee: text(100).optional(),
    priority: z.enum(PRIORITIES).optional(),
    dueAt: isoTime.optional(),
    tags: z.array(text(40)).max(20).optional(),
  })
  .strict();

export const vitalsSchema = z
  .object({
    title: text().optional(),
    items: z
      .array(
        z
          .object({
            label: text(100),
            status: z.enum(['healthy', 'degraded', 'unhealthy', 'unknown']),
            latencyMs: z.number().nonnegative().optional(),
            /** Recent latencies, oldest first; a missing value (null) is a failed check. */
            history: z.array(z.number().nonnegative().nullable()).max(500).optional(),
            circuit: z.enum(['closed', 'open', 'half-open']).optional(),
            detail: z.string().max(500).optional(),
          })
          .strict(),
      )
      .max(200),
  })
  .strict();

export const activitySchema = z
  .object({
    title: text().optional(),
    entries: z
      .array(
        z
          .object({
            at: isoTime,
            text: text(1000),
            actor: text(100).optional(),
            level: z.enum(SEVERITIES).optional(),
          })
          .strict(),
      )
      .max(MAX_LIST_ITEMS),
  })
  .strict();

export const projectStatusSchema = z
  .object({
    name: text(),
    health: z.enum(['on_track', 'at_risk', 'off_track']),
    progress: percent,
    phase: text(100).optional(),
    summary: z.string().max(2000).optional(),
    milestones: z
      .array(z.object({ name: text(), done: z.boolean(), dueAt: isoTime.optional() }).strict())
      .max(100)
      .optional(),
  })
  .strict();

export const taskListSchema = z
  .object({
    title: text().optional(),
    tasks: z
      .array(
        z
          .object({
            id: text(128),
            title: text(),
            status: z.enum(TASK_STATUSES),
            assignee: text(100).optional(),
            progress: percent.optional(),
          })
          .strict(),
      )
      .max(MAX_LIST_ITEMS),
  })
  .strict();

export const metricsSchema = z
  .object({
    title: text().optional(),
    metrics: z
      .array(
        z
          .object({
            label: text(100),
            value: z.number(),
            unit: z.string().max(20).optional(),
            /** Change against the previous period, in the metric's unit. */
            delta: z.number().optional(),
            trend: z.array(z.number()).max(500).optional(),
          })
          .strict(),
      )
      .min(1)
      .max(50),
  })
  .strict();

export const alertSchema = z
  .object({
    severity: z.enum(SEVERITIES),
    title: text(),
    message: z.string().max(4000).optional(),
  })
  .strict();

export const errorWidgetSchema = z
  .object({
    title: text().optional(),
    message: text(4000),
    code: z.string().max(100).optional(),
    /** Retries a person may still ask for; 0 hides the retry button. */
    attemptsLeft: z.number().int().min(0).max(100),
  })
  .strict();

export const taskProgressSchema = z
  .object({
    title: text(),
    message: z.string().max(1000).optional(),
    steps: z
      .array(
        z
          .object({
            name: text(),
            status: z.enum(['pending', 'running', 'done', 'failed', 'skipped']),
            /** Share of the whole task; steps weigh 1 unless told. */
            weight: z.number().positive().max(1000).optional(),
            /** Progress within a running step. */
            progress: percent.optional(),
          })
          .strict(),
      )
      .min(1)
      .max(200),
  })
  .strict();

export const widgetSchemas = {
  task_card: taskCardSchema,
  vitals: vitalsSchema,
  activity: activitySchema,
  project_status: projectStatusSchema,
  task_list: taskListSchema,
  metrics: metricsSchema,
  alert: alertSchema,
  error: errorWidgetSchema,
  task_progress: taskProgressSchema,
} as const;

export type WidgetType = keyof typeof widgetSchemas;
export const WIDGET_TYPES = Object.keys(widgetSchemas) as WidgetType[];
export type WidgetData<T extends WidgetType> = z.output<(typeof widgetSchemas)[T]>;

/** Ids that would reach an object's prototype if a dashboard or file kept widgets by id in a plain object. */
const PROTOTYPE_NAMES = ['__proto__', 'constructor', 'prototype'];

export const widgetIdSchema = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:-]*$/, 'must start with a letter or digit and use only letters, digits, ".", "_", ":" and "-"')
  .refine((id) => !PROTOTYPE_NAMES.includes(id), 'must not be a name of an object prototype property');

/** The envelope of POST /api/widgets and `render_widget`; `data` is checked against the type's schema. */
export const widgetRequestSchema = z
  .object({
    id: widgetIdSchema,
    type: z.enum(WIDGET_TYPES as [WidgetType, ...WidgetType[]]),
    data: z.unknown(),
  })
  .strict();
export type WidgetRequest = z.output<typeof widgetRequestSchema>;

export interface StoredWidget {
  id: string;
  type: WidgetType;
  data: unknown;
  /** ISO time of the last render. */
  updatedAt: string;
}

/** Events on the 'widgets' channel besides `snapshot`. */
export type WidgetEvent =
  | { name: 'upsert'; payload: StoredWidget }
  | { name: 'removed'; payload: { id: string } }
  /** A widget's data source failed; it is tried again `attemptsLeft` more times. */
  | { name: 'retry'; payload: { id: string; attemptsLeft: number } };

/** Payload of the 'widgets' channel's `snapshot` event. */
export interface WidgetsSnapshot {
  widgets: StoredWidget[];
}

export type WidgetCheck = { ok: true; data: unknown } | { ok: false; problems: string[] };

/** Checks `data` against the schema of `type`; problems name the field, e.g. `data.steps.0.name: …`. */
export function checkWidgetData(type: string, data: unknown): WidgetCheck {
  if (!Object.hasOwn(widgetSchemas, type)) return { ok: false, problems: [`type: unknown widget type "${type}" (known: ${WIDGET_TYPES.join(', ')})`] };
  const parsed = widgetSchemas[type as WidgetType].safeParse(data);
  if (parsed.success) return { ok: true, data: parsed.data };
  return { ok: false, problems: parsed.error.issues.map((i) => `${['data', ...i.path].join('.')}: ${i.message}`) };
}

/** Weighted completion of a task_progress widget, 0–100. */
export function weightedProgress(steps: WidgetData<'task_progress'>['steps']): number {
  let total = 0;
  let done = 0;
  for (const step of steps) {
    const weight = step.weight ?? 1;
    if (step.status === 'skipped') continue;
    total += weight;
    if (step.status === 'done') done += weight;
    else if (step.status === 'running') done += (weight * (step.progress ?? 0)) / 100;
  }
  return total === 0 ? 100 : Math.round((done / total) * 1000) / 10;
}
