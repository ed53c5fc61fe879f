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
  /** Null while no price is known for the model (no price table is bundled yet). */
  costUsd: number | null;
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
