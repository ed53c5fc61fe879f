// Approval requests: the HTTP/WS/MCP request shapes, the records the relay keeps, and the pure rules
// (routing, priority, due dates, destructive detection, the name to type) shared by the engine, the
// VS Code face and the dashboard. Redaction lives in ./redact.
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

export interface ApprovalThresholds {
  /** Confidence at or above which a request is approved automatically. */
  auto: number;
  /** Confidence at or above which (and below `auto`) a quick inline decision is asked. */
  quick: number;
}

export const DEFAULT_THRESHOLDS: ApprovalThresholds = { auto: 85, quick: 60 };

export function routeByConfidence(confidence: number, thresholds: ApprovalThresholds): ApprovalLevel {
  if (confidence >= thresholds.auto) return 'auto';
  if (confidence >= thresholds.quick) return 'quick';
  return 'full';
}

/**
 * The level a request gets. The confidence is the agent's own number, so it may only lower the
 * scrutiny of a low- or medium-risk action: a high-risk or destructive request always goes to a
 * person for a full review (only an explicit "always allow" rule approves it without one).
 */
export function routeRequest(request: Pick<ApprovalRequest, 'confidence' | 'risk'>, destructive: boolean, thresholds: ApprovalThresholds): ApprovalLevel {
  if (request.risk === 'high' || destructive) return 'full';
  return routeByConfidence(request.confidence, thresholds);
}

export function priorityFor(risk: Risk, confidence: number): ApprovalPriority {
  if (risk === 'high' || confidence < 30) return 'urgent';
  return risk === 'medium' ? 'normal' : 'low';
}

const HOUR = 60 * 60 * 1000;
export const DUE_AFTER_MS: Record<Risk, number> = { high: 4 * HOUR, medium: 24 * HOUR, low: 72 * HOUR };

export function dueAtFor(risk: Risk, createdAt: number): number {
  return createdAt + DUE_AFTER_MS[risk];
}

export function isTerminal(status: ApprovalStatus): status is TerminalStatus {
  return status !== 'pending';
}

// ---- destructive actions -------------------------------------------------------------------

const DESTRUCTIVE_WORDS = new Set(['delete', 'drop', 'rm', 'remove', 'destroy', 'truncate', 'purge', 'wipe', 'erase', 'rmdir', 'unlink', 'kill']);
/** Argument words that name what an action acts on, most specific first. */
const TARGET_WORDS = ['target', 'table', 'file', 'path', 'branch', 'database', 'db', 'collection', 'bucket', 'repo', 'repository', 'directory', 'dir', 'folder', 'cluster', 'namespace', 'resource', 'name', 'id'];
const MAX_TARGET_CHARS = 200;

/** Splits `deleteFile`, `drop_table`, `fs.rm`, `rm -rf` into lower-case words. */
function words(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean);
}

export function isDestructiveTool(tool: string | undefined): boolean {
  return tool !== undefined && words(tool).some((w) => DESTRUCTIVE_WORDS.has(w));
}

/**
 * The name a person must type to confirm a destructive action: what the arguments name (an
 * argument named after the tool's object first: `table` for `drop_table`, then `tableName`,
 * `filePath`, `branch`…), else the request's own `target`, else its title — never the tool's name,
 * and never a redacted value. The arguments come first because they are what the action acts on.
 */
export function confirmationTarget(request: Pick<ApprovalRequest, 'target' | 'args' | 'tool' | 'title'>): string {
  const toolNouns = new Set(request.tool && request.tool.length <= MAX_TARGET_CHARS ? words(request.tool).filter((w) => !DESTRUCTIVE_WORDS.has(w)) : []);
  let best: { rank: number; value: string } | undefined;
  for (const [key, value] of Object.entries(request.args ?? {})) {
    if (typeof value !== 'string' || key.length > MAX_TARGET_CHARS) continue;
    const name = value.trim();
    if (name.length === 0 || name.length > MAX_TARGET_CHARS || name === REDACTED) continue;
    const rank = targetRank(words(key), toolNouns);
    if (rank !== undefined && (!best || rank < best.rank)) best = { rank, value: name };
  }
  return best?.value ?? request.target ?? request.title;
}

/** How well an argument's key names the target (lower is better), or undefined when it names none. */
function targetRank(keyWords: string[], toolNouns: ReadonlySet<string>): number | undefined {
  if (keyWords.some((w) => toolNouns.has(w))) return 0;
  const index = TARGET_WORDS.findIndex((w) => keyWords.includes(w));
  return index < 0 ? undefined : index + 1;
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
