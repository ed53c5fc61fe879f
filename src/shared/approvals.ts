// Approval requests: the HTTP/WS/MCP request shapes and the records the relay keeps, shared by the
// engine, the VS Code face and the dashboard. The engine's rules (routing, priority, due dates,
// destructive detection) live in engine/approvals/routing.ts; redaction in ./redact.
import * as z from 'zod';
import type { ElicitationContent } from './elicitation';
import { jsonValueSchema, type JsonObject, type JsonValue } from './json';
import { REDACTED } from './redact';

export { REDACTED };

export const APPROVAL_STATUSES = ['pending', 'approved', 'rejected', 'cancelled', 'expired'] as const;
export type ApprovalStatus = (typeof APPROVAL_STATUSES)[number];
export type TerminalStatus = Exclude<ApprovalStatus, 'pending'>;
export type ApprovalLevel = 'auto' | 'quick' | 'full';
export type ApprovalPriority = 'urgent' | 'normal' | 'low';
export type Risk = 'low' | 'medium' | 'high';

/** Longest per-request timeout: one week (well inside what a single timer can hold). */
export const MAX_APPROVAL_TIMEOUT_MS = 7 * 24 * 60 * 60 * 1000;
/** Longest single long-poll `wait`. */
export const MAX_WAIT_MS = 10 * 60 * 1000;
export const DEFAULT_WAIT_MS = 30_000;

const shortText = (max: number) => z.string().trim().min(1).max(max);

export const approvalRequestSchema = z.strictObject({
  title: shortText(200),
  description: z.string().max(4000).optional(),
  agent: shortText(100).optional(),
  tool: shortText(200).optional(),
  args: z.record(z.string(), jsonValueSchema).optional(),
  confidence: z.number().min(0).max(100),
  risk: z.enum(['low', 'medium', 'high']),
  timeoutMs: z.number().int().min(1).max(MAX_APPROVAL_TIMEOUT_MS).optional(),
  /** Marks the action destructive even when its tool name does not say so. */
  destructive: z.boolean().optional(),
  /** The name the person types to confirm a destructive action when the arguments name none. */
  target: shortText(200).optional(),
});
export type ApprovalRequest = z.output<typeof approvalRequestSchema>;

export const decisionSchema = z.strictObject({
  decision: z.enum(['approve', 'reject']),
  comment: z.string().max(2000).optional(),
  by: shortText(100).optional(),
});
export type DecisionInput = z.output<typeof decisionSchema>;

/** The answer to an MCP server's elicitation: accept with the form's content, decline or cancel. */
export const elicitationAnswerSchema = z.strictObject({
  action: z.enum(['accept', 'decline', 'cancel']),
  content: z.record(z.string().max(200), jsonValueSchema).optional(),
  by: shortText(100).optional(),
});
export type ElicitationAnswer = z.output<typeof elicitationAnswerSchema>;

export const cancelSchema = z.strictObject({
  reason: z.string().max(2000).optional(),
  by: shortText(100).optional(),
});
export type CancelInput = z.output<typeof cancelSchema>;

export const listQuerySchema = z.strictObject({ status: z.enum(APPROVAL_STATUSES).optional() });

export const waitQuerySchema = z.strictObject({
  timeoutMs: z.coerce.number().int().min(0).max(MAX_WAIT_MS).default(DEFAULT_WAIT_MS),
});

export const ruleScopeSchema = z.enum(['session', 'workspace']);
export type RuleScope = z.output<typeof ruleScopeSchema>;

export const ruleInputSchema = z.strictObject({ tool: shortText(200), scope: ruleScopeSchema, by: shortText(100).optional() });

/** "Always allow this tool" for the relay's lifetime (session) or for the workspace (persisted). */
export interface ApprovalRule {
  tool: string;
  scope: RuleScope;
  createdAt: number;
  createdBy: string;
}

/** What an MCP server asks the person to fill in (form-mode elicitation). */
export interface ElicitationQuestion {
  server: string;
  message: string;
  /** The server's requested schema, as the SDK parsed it (flat primitive properties only). */
  requestedSchema: JsonObject;
}

/** What an MCP server asks a language model, shown to the person before anything is sent. */
export interface SamplingPreview {
  server: string;
  /** The models the server prefers, by hint, or "any model". */
  model: string;
  systemPrompt?: string;
  messages: { role: 'user' | 'assistant'; text: string }[];
  maxTokens: number;
}

/**
 * An approval is an action an agent wants to take, unless `kind` says it is an MCP server's
 * elicitation (answered with content) or sampling request (approved before a model is called).
 */
export type ApprovalKind = 'elicitation' | 'sampling';

export interface Approval {
  id: string;
  kind?: ApprovalKind;
  elicitation?: ElicitationQuestion;
  sampling?: SamplingPreview;
  /** The accepted answer of an elicitation. */
  content?: ElicitationContent;
  title: string;
  description?: string;
  agent?: string;
  tool?: string;
  /** The request's arguments with secret-looking values replaced (see `redactSecrets` in ./redact). */
  args?: Record<string, JsonValue>;
  confidence: number;
  risk: Risk;
  level: ApprovalLevel;
  priority: ApprovalPriority;
  status: ApprovalStatus;
  destructive: boolean;
  /** What the person types to confirm a destructive action. */
  target: string;
  createdAt: number;
  dueAt: number;
  /** When a pending approval expires; absent without a timeout. */
  expiresAt?: number;
  decidedAt?: number;
  decidedBy?: string;
  comment?: string;
  /** Why it was cancelled (DELETE `reason`). */
  reason?: string;
}

/** A stored approval, as read back from a file, a journal line or Redis: checked before it is trusted. */
const elicitationValueSchema = z.union([z.string(), z.number(), z.boolean(), z.array(z.string())]);

export const approvalRecordSchema = z.object({
  id: z.string().min(1).max(100),
  kind: z.enum(['elicitation', 'sampling']).optional(),
  elicitation: z.object({ server: z.string(), message: z.string(), requestedSchema: z.record(z.string(), jsonValueSchema) }).optional(),
  sampling: z
    .object({
      server: z.string(),
      model: z.string(),
      systemPrompt: z.string().optional(),
      messages: z.array(z.object({ role: z.enum(['user', 'assistant']), text: z.string() })),
      maxTokens: z.number(),
    })
    .optional(),
  content: z.record(z.string(), elicitationValueSchema).optional(),
  title: z.string(),
  description: z.string().optional(),
  agent: z.string().optional(),
  tool: z.string().optional(),
  args: z.record(z.string(), jsonValueSchema).optional(),
  confidence: z.number(),
  risk: z.enum(['low', 'medium', 'high']),
  level: z.enum(['auto', 'quick', 'full']),
  priority: z.enum(['urgent', 'normal', 'low']),
  status: z.enum(APPROVAL_STATUSES),
  destructive: z.boolean(),
  target: z.string(),
  createdAt: z.number(),
  dueAt: z.number(),
  expiresAt: z.number().optional(),
  decidedAt: z.number().optional(),
  decidedBy: z.string().optional(),
  comment: z.string().optional(),
  reason: z.string().optional(),
}) satisfies z.ZodType<Approval>;

export const approvalRuleSchema = z.object({ tool: z.string(), scope: ruleScopeSchema, createdAt: z.number(), createdBy: z.string() }) satisfies z.ZodType<ApprovalRule>;

/** What POST /api/approvals answers (201). */
export interface CreatedApproval {
  id: string;
  level: ApprovalLevel;
  status: ApprovalStatus;
  priority: ApprovalPriority;
  dueAt: number;
}

// ---- dashboard channel ---------------------------------------------------------------------

/** The 'approvals' channel snapshot. Events: `upsert` (an Approval), `rules` (ApprovalRule[]). */
export interface ApprovalsSnapshot {
  approvals: Approval[];
  rules: ApprovalRule[];
}

// ---- display -------------------------------------------------------------------------------

/** "3 h", "25 min", "2 d": a coarse duration for due times and ages. */
export function formatDuration(ms: number): string {
  const minutes = Math.round(Math.abs(ms) / 60_000);
  if (minutes < 1) return 'less than a minute';
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.round(minutes / 60);
  if (hours < 48) return `${hours} h`;
  return `${Math.round(hours / 24)} d`;
}

/** "due in 3 h" or "overdue by 20 min". */
export function describeDue(dueAt: number, now: number): string {
  return dueAt >= now ? `due in ${formatDuration(dueAt - now)}` : `overdue by ${formatDuration(now - dueAt)}`;
}

export const PRIORITY_ORDER: readonly ApprovalPriority[] = ['urgent', 'normal', 'low'];
