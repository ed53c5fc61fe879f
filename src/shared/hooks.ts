// Coding agents' hooks (Claude Code, GitHub Copilot, Cursor): the events they send, validated at the
// relay's edge, and the rules that decide a tool call without asking a person.
import * as z from 'zod';
import { jsonValueSchema } from './json';

export const HOOK_AGENTS = ['claude-code', 'copilot', 'cursor'] as const;
export type HookAgent = (typeof HOOK_AGENTS)[number];

export const HOOK_AGENT_LABELS: Record<HookAgent, string> = { 'claude-code': 'Claude Code', copilot: 'GitHub Copilot', cursor: 'Cursor' };

const text = (max: number) => z.string().max(max);
const toolInputSchema = z.record(z.string(), jsonValueSchema);

/** Common fields of every Claude Code hook event; unknown fields are kept (formats grow). */
export const claudeCodeEventSchema = z.looseObject({
  hook_event_name: text(100).min(1),
  session_id: text(200).min(1),
  transcript_path: text(4096).optional(),
  cwd: text(4096).min(1),
  permission_mode: text(50).optional(),
  tool_name: text(300).optional(),
  tool_input: toolInputSchema.optional(),
  tool_use_id: text(200).optional(),
  model: text(200).optional(),
});
export type ClaudeCodeEvent = z.output<typeof claudeCodeEventSchema>;

/** Copilot CLI sends `toolArgs` as a JSON string, the SDK as an object: both are accepted. */
export const copilotEventSchema = z.looseObject({
  timestamp: z.number().optional(),
  cwd: text(4096).min(1),
  toolName: text(300).optional(),
  toolArgs: z.union([text(1024 * 1024), toolInputSchema]).optional(),
  sessionId: text(200).optional(),
});
export type CopilotEvent = z.output<typeof copilotEventSchema>;

export const cursorEventSchema = z.looseObject({
  hook_event_name: text(100).min(1),
  conversation_id: text(200).optional(),
  generation_id: text(200).optional(),
  workspace_roots: z.array(text(4096)).max(50).optional(),
  model: text(200).optional(),
  cwd: text(4096).optional(),
  command: text(1024 * 1024).optional(),
  tool_name: text(300).optional(),
  tool_input: z.union([text(1024 * 1024), toolInputSchema]).optional(),
  file_path: text(4096).optional(),
});
export type CursorEvent = z.output<typeof cursorEventSchema>;

// ---- rules ---------------------------------------------------------------------------------

export const HOOK_RULE_DECISIONS = ['allow', 'deny'] as const;
export type HookRuleDecision = (typeof HOOK_RULE_DECISIONS)[number];

/**
 * "Always allow" or "always deny" a tool call, written in Claude Code's permission-rule syntax:
 * `Bash(git status:*)`, `Read(./src/**)`, `WebFetch(domain:example.com)`, `mcp__server__tool`.
 * Scoped to one agent session or to the workspace.
 */
export const hookRuleInputSchema = z.strictObject({
  decision: z.enum(HOOK_RULE_DECISIONS),
  pattern: z.string().trim().min(1).max(500),
  agent: z.enum([...HOOK_AGENTS, '*']).default('*'),
  scope: z.enum(['session', 'workspace']),
  /** Required for the session scope: the agent's session id. */
  sessionId: z.string().min(1).max(200).optional(),
  by: z.string().trim().min(1).max(100).optional(),
});
export type HookRuleInput = z.input<typeof hookRuleInputSchema>;

export interface HookRule {
  id: string;
  decision: HookRuleDecision;
  pattern: string;
  agent: HookAgent | '*';
  scope: 'session' | 'workspace';
  sessionId?: string;
  createdAt: number;
  createdBy: string;
}

export const hookRuleSchema = z.strictObject({
  id: z.string().min(1).max(100),
  decision: z.enum(HOOK_RULE_DECISIONS),
  pattern: z.string().min(1).max(500),
  agent: z.enum([...HOOK_AGENTS, '*']),
  scope: z.enum(['session', 'workspace']),
  sessionId: z.string().min(1).max(200).optional(),
  createdAt: z.number(),
  createdBy: z.string().max(100),
});
