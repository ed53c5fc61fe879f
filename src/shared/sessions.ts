// Coding-agent sessions seen through their hooks: what GET /api/sessions answers and the `sessions`
// channel carries (events `snapshot` { sessions }, `upsert` AgentSession).
import type { HookAgent } from './hooks';

export const SESSION_STATUSES = ['running', 'waiting', 'idle', 'ended'] as const;
/** `waiting`: a tool call waits for you. */
export type SessionStatus = (typeof SESSION_STATUSES)[number];

export interface SessionTokens {
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite: number;
}

/** The 'sessions' channel snapshot. Events: `upsert` (an AgentSession). */
export interface SessionsSnapshot {
  sessions: AgentSession[];
}

export interface AgentSession {
  /** `<agent>:<the agent's session id>`. */
  id: string;
  agent: HookAgent;
  sessionId: string;
  cwd: string;
  model?: string;
  status: SessionStatus;
  currentTool?: string;
  startedAt: number;
  lastEventAt: number;
  counts: { toolCalls: number; approvals: number; denials: number; events: number };
  tokens: SessionTokens;
  /** US dollars from the price table; null when none of the session's models has a price. */
  costUsd: number | null;
  /** Some responses were of a model without a price: `costUsd` covers only the others (shown as ≈). */
  costApproximate: boolean;
  /** Lines of the transcript that were not JSON. */
  malformedLines: number;
  transcriptPath?: string;
  /** The latest response's context: its input, cache read and cache write tokens, and its model's window when known. */
  context?: SessionContext;
  /** The latest failed tool results (oldest first): the tool of the call and when it failed. */
  toolFailures?: ToolFailure[];
}

export interface SessionContext {
  tokens: number;
  window?: number;
}

export interface ToolFailure {
  tool: string;
  at: number;
}

/** How much of its model's context window the session's latest response used, in whole percent; undefined without a known window. */
export function contextPercent(session: Pick<AgentSession, 'context'>): number | undefined {
  const { tokens, window } = session.context ?? {};
  return tokens === undefined || !window ? undefined : Math.floor((tokens / window) * 100);
}

export interface SessionEvent {
  at: number;
  name: string;
  tool?: string;
  /** For tool calls: what the agent was told. */
  permission?: 'allow' | 'deny' | 'ask';
  reason?: string;
}

export type TranscriptEntry = { offset: number; at?: string } & (
  | { kind: 'message'; role: 'user' | 'assistant'; text: string }
  | { kind: 'thinking'; characters: number }
  | { kind: 'tool_use'; id: string; tool: string; input: string }
  | { kind: 'tool_result'; toolUseId: string; isError: boolean; text: string }
  | { kind: 'other'; type: string }
  | { kind: 'malformed'; text: string }
);

export interface TranscriptPage {
  entries: TranscriptEntry[];
  /** Byte offset of the next page; absent at the end of the file. */
  nextCursor?: number;
  size: number;
}

/** $0.0012 under a cent, $0.23 under a dollar, $12.34 above; "≈" when part of it is unpriced; "—" without a price. */
export function formatCost(usd: number | null, approximate: boolean): string {
  if (usd === null) return '—';
  const digits = usd > 0 && usd < 0.01 ? 4 : 2;
  return `${approximate ? '≈' : ''}$${usd.toFixed(digits)}`;
}

/** 980, 12.4k, 1.2M. */
export function formatCount(n: number): string {
  if (n < 1000) return String(n);
  if (n < 1_000_000) return `${trimZero(n / 1000)}k`;
  return `${trimZero(n / 1_000_000)}M`;
}

function trimZero(n: number): string {
  return (n < 100 ? n.toFixed(1) : n.toFixed(0)).replace(/\.0$/, '');
}

/** "1.2k in · 300 out · 10k cache read · 0 cache write". */
export function formatTokens(tokens: SessionTokens): string {
  return `${formatCount(tokens.input)} in · ${formatCount(tokens.output)} out · ${formatCount(tokens.cacheRead)} cache read · ${formatCount(tokens.cacheWrite)} cache write`;
}
