// Each coding agent's hook event read into one shape, and a decision written back in that agent's
// own output format. Shared by the relay's intake and the `agent-mesh hook` command.
import type { z } from 'zod';
import { claudeCodeEventSchema, copilotEventSchema, cursorEventSchema, type HookAgent } from '../../../shared/hooks';
import type { JsonObject, JsonValue } from '../../../shared/json';
import { validate } from '../relay/http';
import { EngineError } from '../errors';
import type { ToolCall } from './policy';

export type HookPermission = 'allow' | 'deny' | 'ask';

export interface HookDecision {
  permission: HookPermission;
  reason: string;
}

/** What the relay needs from any agent's event. */
export interface HookEvent {
  agent: HookAgent;
  /** `pre-tool` waits for a decision; `permission-request` too (Claude Code's permission dialog); the rest are recorded. */
  kind: 'pre-tool' | 'permission-request' | 'other';
  /** The agent's own event name (`PreToolUse`, `preToolUse`, `beforeShellExecution`, …). */
  name: string;
  sessionId: string;
  cwd: string;
  call?: ToolCall;
  /** Claude Code's transcript file (JSONL), read for tokens and shown as the session's transcript. */
  transcriptPath?: string;
  model?: string;
}

/** Other agents' tool names, in Claude Code's names (which the policy and the rules speak). */
const TOOL_ALIASES: Record<string, string> = {
  bash: 'Bash', shell: 'Bash', run_terminal_cmd: 'Bash', powershell: 'Bash',
  view: 'Read', read: 'Read', read_file: 'Read',
  create: 'Write', write: 'Write',
  edit: 'Edit', strreplace: 'Edit', str_replace: 'Edit', search_replace: 'Edit',
  delete: 'Delete', delete_file: 'Delete',
  grep: 'Grep', glob: 'Glob', ls: 'LS',
  fetch: 'WebFetch', web_fetch: 'WebFetch', web_search: 'WebSearch',
};

function canonicalTool(name: string): string {
  return TOOL_ALIASES[name.toLowerCase()] ?? name;
}

/** A tool input that may arrive as a JSON string (Copilot CLI's `toolArgs`, Cursor's MCP `tool_input`). */
function toolInput(value: string | Record<string, JsonValue> | undefined, field: string): Record<string, JsonValue> {
  if (value === undefined) return {};
  if (typeof value !== 'string') return value;
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    throw new EngineError('invalid', 'invalid_request', `${field}: not valid JSON`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new EngineError('invalid', 'invalid_request', `${field}: must be a JSON object`);
  return parsed as Record<string, JsonValue>;
}

function requireTool(name: string | undefined, field: string, event: string): string {
  if (name === undefined || name.length === 0) throw new EngineError('invalid', 'invalid_request', `${field}: required for ${event}`);
  return name;
}

export function readHookEvent(agent: HookAgent, body: unknown): HookEvent {
  switch (agent) {
    case 'claude-code':
      return readClaudeCode(validate(claudeCodeEventSchema, body));
    case 'copilot':
      return readCopilot(validate(copilotEventSchema, body));
    case 'cursor':
      return readCursor(validate(cursorEventSchema, body));
  }
}

function readClaudeCode(event: z.output<typeof claudeCodeEventSchema>): HookEvent {
  const base = {
    agent: 'claude-code' as const,
    name: event.hook_event_name,
    sessionId: event.session_id,
    cwd: event.cwd,
    ...(event.transcript_path ? { transcriptPath: event.transcript_path } : {}),
    ...(event.model ? { model: event.model } : {}),
  };
  const kind = event.hook_event_name === 'PreToolUse' ? 'pre-tool' : event.hook_event_name === 'PermissionRequest' ? 'permission-request' : 'other';
  if (kind === 'other') return { ...base, kind };
  const tool = requireTool(event.tool_name, 'tool_name', event.hook_event_name);
  return { ...base, kind, call: { tool, input: event.tool_input ?? {}, cwd: event.cwd, ...(event.permission_mode ? { permissionMode: event.permission_mode } : {}) } };
}

/**
 * Copilot's events carry no event name: a `toolName` without a `toolResult` is `preToolUse`, with one
 * `postToolUse`. Copilot CLI sends no session id either: the working folder stands for the session.
 */
function readCopilot(event: z.output<typeof copilotEventSchema>): HookEvent {
  const sessionId = event.sessionId ?? `copilot:${event.cwd}`;
  const hasResult = 'toolResult' in event;
  if (event.toolName === undefined || hasResult) {
    return { agent: 'copilot', kind: 'other', name: hasResult ? 'postToolUse' : 'event', sessionId, cwd: event.cwd };
  }
  const call: ToolCall = { tool: canonicalTool(event.toolName), input: toolInput(event.toolArgs, 'toolArgs'), cwd: event.cwd };
  return { agent: 'copilot', kind: 'pre-tool', name: 'preToolUse', sessionId, cwd: event.cwd, call };
}

function readCursor(event: z.output<typeof cursorEventSchema>): HookEvent {
  const cwd = event.cwd ?? event.workspace_roots?.[0];
  if (cwd === undefined || cwd.length === 0) throw new EngineError('invalid', 'invalid_request', 'cwd or workspace_roots: required');
  const name = event.hook_event_name;
  const base = { agent: 'cursor' as const, name, sessionId: event.conversation_id ?? `cursor:${cwd}`, cwd, ...(event.model ? { model: event.model } : {}) };
  switch (name) {
    case 'beforeShellExecution':
      return { ...base, kind: 'pre-tool', call: { tool: 'Bash', input: { command: requireTool(event.command, 'command', name) }, cwd } };
    case 'beforeReadFile':
      return { ...base, kind: 'pre-tool', call: { tool: 'Read', input: { file_path: requireTool(event.file_path, 'file_path', name) }, cwd } };
    case 'beforeMCPExecution':
      return { ...base, kind: 'pre-tool', call: { tool: requireTool(event.tool_name, 'tool_name', name), input: toolInput(event.tool_input, 'tool_input'), cwd, mcp: true } };
    case 'preToolUse':
      return { ...base, kind: 'pre-tool', call: { tool: canonicalTool(requireTool(event.tool_name, 'tool_name', name)), input: toolInput(event.tool_input, 'tool_input'), cwd } };
    default:
      return { ...base, kind: 'other' };
  }
}

/** The answer to an event that only is recorded. */
export function recordedAnswer(agent: HookAgent, name: string): JsonObject {
  return agent === 'cursor' && name === 'beforeSubmitPrompt' ? { continue: true } : {};
}

/** A decision in the agent's own output format. */
export function decisionAnswer(event: Pick<HookEvent, 'agent' | 'kind' | 'name'>, decision: HookDecision): JsonObject {
  const { permission, reason } = decision;
  switch (event.agent) {
    case 'claude-code':
      if (event.kind === 'permission-request') {
        // The permission dialog has no "ask" answer: an empty answer lets Claude Code show its own.
        if (permission === 'ask') return {};
        return { hookSpecificOutput: { hookEventName: 'PermissionRequest', decision: { behavior: permission, ...(permission === 'deny' ? { message: reason } : {}) } } };
      }
      return { hookSpecificOutput: { hookEventName: 'PreToolUse', permissionDecision: permission, permissionDecisionReason: reason } };
    case 'copilot':
      return { permissionDecision: permission, permissionDecisionReason: reason };
    case 'cursor':
      return { permission, user_message: reason, agent_message: reason };
  }
}
