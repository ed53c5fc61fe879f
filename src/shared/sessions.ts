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
