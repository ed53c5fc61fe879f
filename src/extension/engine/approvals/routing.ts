// The engine's approval rules: which level a request gets, its priority and due date, whether a
// tool is destructive and the name a person types to confirm it.
import type { ApprovalLevel, ApprovalPriority, ApprovalRequest, ApprovalStatus, Risk, TerminalStatus } from '../../../shared/approvals';
import { REDACTED } from '../../../shared/redact';

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
