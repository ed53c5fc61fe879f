// What each finished thing becomes in the history: one record shape for tasks, approvals, sessions and alerts.
import path from 'node:path';
import * as z from 'zod';
import type { Alert } from '../../../shared/alerts';
import type { Approval } from '../../../shared/approvals';
import { HOOK_AGENTS } from '../../../shared/hooks';
import { HISTORY_TYPES, type HistoryDetail, type HistoryRecord, type HistoryType } from '../../../shared/history';
import type { AgentSession } from '../../../shared/sessions';
import type { Task } from '../../../shared/tasks';

const MAX_TEXT = 4000;

/** A stored record, as read back from the journal or Redis: checked before it is trusted. */
export const historyRecordSchema = z.strictObject({
  id: z.string().regex(/^[\x21-\x7e]{1,400}$/),
  type: z.enum(HISTORY_TYPES),
  status: z.string().max(40),
  agent: z.string().max(MAX_TEXT),
  title: z.string().max(MAX_TEXT),
  at: z.number().int().nonnegative(),
  details: z.record(z.string().max(100), z.union([z.string().max(MAX_TEXT), z.number(), z.boolean(), z.null()])),
});

const FINISHED_TASK = new Set(['completed', 'failed', 'cancelled', 'timeout']);

function recordOf(type: HistoryType, sourceId: string, fields: Omit<HistoryRecord, 'id' | 'type' | 'details'>, details: Record<string, HistoryDetail | undefined>): HistoryRecord {
  const kept = Object.fromEntries(Object.entries(details).filter((entry): entry is [string, HistoryDetail] => entry[1] !== undefined).map(([key, value]) => [key, clip(value)]));
  return { id: `${type}:${encodeURIComponent(sourceId)}`.slice(0, 400), type, ...fields, agent: fields.agent.slice(0, MAX_TEXT), title: fields.title.slice(0, MAX_TEXT), details: kept };
}

function clip(value: HistoryDetail): HistoryDetail {
  return typeof value === 'string' ? value.slice(0, MAX_TEXT) : value;
}

/** A finished task's record; undefined while it runs. */
export function taskRecord(task: Task): HistoryRecord | undefined {
  if (!FINISHED_TASK.has(task.status)) return undefined;
  const at = task.finishedAt ?? task.updatedAt;
  return recordOf(
    'task',
    task.id,
    { status: task.status, agent: task.agent, title: task.title, at },
    {
      percent: task.percent,
      steps: task.steps.length,
      failedSteps: task.steps.filter((step) => step.state === 'failed').length,
      message: task.message,
      durationMs: at - task.createdAt,
      cancelledBy: task.cancelledBy,
      cancelReason: task.cancelReason,
    },
  );
}

/** A decided (approved, rejected, expired or cancelled) approval's record; undefined while pending. */
export function approvalRecord(approval: Approval): HistoryRecord | undefined {
  if (approval.status === 'pending') return undefined;
  const at = approval.decidedAt ?? approval.createdAt;
  return recordOf(
    'approval',
    approval.id,
    { status: approval.status, agent: approval.agent ?? '', title: approval.title, at },
    {
      kind: approval.kind,
      tool: approval.tool,
      risk: approval.risk,
      level: approval.level,
      decidedBy: approval.decidedBy,
      comment: approval.comment,
      reason: approval.reason,
      timeToDecisionMs: at - approval.createdAt,
    },
  );
}

/** An ended session's record (agent, folder, tokens, cost); undefined until it ends. */
export function sessionRecord(session: AgentSession): HistoryRecord | undefined {
  if (session.status !== 'ended') return undefined;
  return recordOf(
    'session',
    session.id,
    { status: 'ended', agent: session.agent, title: path.basename(session.cwd) || session.cwd, at: session.lastEventAt },
    {
      sessionId: session.sessionId,
      folder: session.cwd,
      model: session.model,
      inputTokens: session.tokens.input,
      outputTokens: session.tokens.output,
      cacheReadTokens: session.tokens.cacheRead,
      cacheWriteTokens: session.tokens.cacheWrite,
      costUsd: session.costUsd,
      costApproximate: session.costApproximate,
      toolCalls: session.counts.toolCalls,
      durationMs: session.lastEventAt - session.startedAt,
    },
  );
}

/** A fired alert's record, its severity as the status; the agent is the one of the session it is about, if any. */
export function alertRecord(alert: Alert): HistoryRecord {
  const agent = HOOK_AGENTS.find((name) => alert.subject.startsWith(`${name}:`)) ?? '';
  return recordOf('alert', alert.id, { status: alert.severity, agent, title: alert.message, at: alert.firedAt }, { kind: alert.kind, subject: alert.subject });
}
