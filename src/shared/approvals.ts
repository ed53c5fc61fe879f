// Approval requests: the HTTP/WS/MCP request shapes, the records the relay keeps, and the pure rules
// (routing by confidence, priority, due dates, redaction, destructive detection) shared by the
// engine, the VS Code face and the dashboard.
import * as z from 'zod';
import { jsonValueSchema, type JsonValue } from './json';

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
  /** The name the person types to confirm a destructive action (default: taken from args or the tool). */
  target: shortText(200).optional(),
});
export type ApprovalRequest = z.output<typeof approvalRequestSchema>;

export const decisionSchema = z.strictObject({
  decision: z.enum(['approve', 'reject']),
  comment: z.string().max(2000).optional(),
  by: shortText(100).optional(),
});
export type DecisionInput = z.output<typeof decisionSchema>;

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

export interface Approval {
  id: string;
  title: string;
  description?: string;
  agent?: string;
  tool?: string;
  /** The request's arguments with secret-looking values replaced (see `redactSecrets`). */
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
const TARGET_ARG_KEYS = ['target', 'name', 'path', 'file', 'table', 'database', 'branch', 'resource', 'id'];

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

/** The name a person must type to confirm: explicit target, else a naming argument, else the tool or title. */
export function confirmationTarget(request: Pick<ApprovalRequest, 'target' | 'args' | 'tool' | 'title'>): string {
  if (request.target) return request.target;
  for (const key of TARGET_ARG_KEYS) {
    const value = request.args?.[key];
    if (typeof value === 'string' && value.trim().length > 0 && value.length <= 200) return value.trim();
  }
  return request.tool ?? request.title;
}

// ---- redaction -----------------------------------------------------------------------------

export const REDACTED = '[redacted]';

const SECRET_KEY = /(pass(word|wd|phrase)?|secret|token|api[-_]?key|access[-_]?key|private[-_]?key|auth(orization)?|credential|cookie|session[-_]?id|client[-_]?secret|pwd)$/i;
const SECRET_VALUES: RegExp[] = [
  /\bbearer\s+[a-z0-9._~+/=-]{8,}/i,
  /\bbasic\s+[a-z0-9+/=]{8,}/i,
  /\bsk-[a-z0-9_-]{16,}/i, // OpenAI / Anthropic style keys
  /\b(AKIA|ASIA)[A-Z0-9]{16}\b/, // AWS access key ids
  /\beyJ[a-zA-Z0-9_-]{8,}\.[a-zA-Z0-9_-]{8,}\.[a-zA-Z0-9_-]{8,}/, // JWTs
  /\bgh[pousr]_[A-Za-z0-9]{30,}/, // GitHub tokens
  /\bxox[abprs]-[A-Za-z0-9-]{10,}/, // Slack tokens
  /-----BEGIN [A-Z ]*PRIVATE KEY-----/,
  /\b[a-z][a-z0-9+.-]*:\/\/[^\s:/@]+:[^\s@/]+@/i, // credentials inside a URL
];

export function isSecretKey(key: string): boolean {
  return SECRET_KEY.test(key.replace(/[\s]/g, ''));
}

export function looksSecret(value: string): boolean {
  return SECRET_VALUES.some((pattern) => pattern.test(value));
}

/** A copy of `value` where secret-looking keys and values are replaced by `[redacted]`. */
export function redactSecrets<T extends JsonValue>(value: T): T;
export function redactSecrets(value: JsonValue): JsonValue {
  if (typeof value === 'string') return looksSecret(value) ? REDACTED : value;
  if (Array.isArray(value)) return value.map((v) => redactSecrets(v));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, JsonValue> = {};
    for (const [key, inner] of Object.entries(value)) {
      out[key] = isSecretKey(key) && inner !== null && inner !== '' ? REDACTED : redactSecrets(inner);
    }
    return out;
  }
  return value;
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
