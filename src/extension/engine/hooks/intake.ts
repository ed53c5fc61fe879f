// The hook door: a coding agent's event in, the agent's answer out. A tool call is decided by a rule,
// by the policy (auto level only), or by a person through the approval queue; nothing else allows it.
import { createHash } from 'node:crypto';
import type { Approval } from '../../../shared/approvals';
import type { ApprovalThresholds } from '../approvals/routing';
import { looksSecret, REDACTED, redactSecrets } from '../../../shared/redact';
import { HOOK_AGENT_LABELS, type HookAgent } from '../../../shared/hooks';
import type { JsonObject, JsonValue } from '../../../shared/json';
import type { ApprovalQueue } from '../approvals/queue';
import type { Logger } from '../log';
import { decisionAnswer, readHookEvent, recordedAnswer, type HookDecision, type HookEvent } from './adapters';
import { assessToolCall, type McpToolHints, type ToolCall } from './policy';
import type { HookRules } from './rules';
import { sessionClause } from './origin';
import type { SessionTracker } from './sessions';

export interface HookSettings {
  /** How long a tool call waits for a person before `onTimeout` applies. */
  decisionTimeoutSeconds: number;
  onTimeout: 'ask' | 'deny';
  thresholds: ApprovalThresholds;
}

export interface HookIntakeOptions {
  queue: ApprovalQueue;
  rules: HookRules;
  sessions: SessionTracker;
  logger: Logger;
  settings: HookSettings;
  workspaceDir?: string;
  trusted: boolean;
  mcpHints?: (server: string, tool: string) => McpToolHints | undefined;
}

/** Longest string of a tool input kept in the approval (the full input stays with the agent). */
const MAX_ARG_CHARS = 4000;
const MAX_TITLE_DETAIL = 120;

export class HookIntake {
  private settings: HookSettings;

  constructor(private readonly options: HookIntakeOptions) {
    this.settings = options.settings;
  }

  configure(settings: HookSettings): void {
    this.settings = settings;
  }

  /** Answers one event in the agent's format; `signal` aborts when the agent hangs up. */
  async handle(agent: HookAgent, body: unknown, signal?: AbortSignal): Promise<JsonObject> {
    const event = readHookEvent(agent, body);
    this.options.sessions.observe(event);
    if (event.kind === 'other' || !event.call) return recordedAnswer(agent, event.name);
    const decision = await this.decide(event, event.call, signal);
    this.options.sessions.decided(event, decision);
    this.options.logger.debug(`${agent} ${event.name} ${event.call.tool}: ${decision.permission}`);
    return decisionAnswer(event, decision);
  }

  private async decide(event: HookEvent, call: ToolCall, signal: AbortSignal | undefined): Promise<HookDecision> {
    const rule = this.options.rules.decide(call, event.agent, event.sessionId);
    if (rule) return { permission: rule.decision, reason: `Agent Mesh rule: always ${rule.decision} ${rule.pattern} (${rule.scope})` };

    const assessment = assessToolCall(call, {
      thresholds: this.settings.thresholds,
      workspaceDir: this.options.workspaceDir,
      trusted: this.options.trusted,
      mcpHints: this.options.mcpHints,
    });
    if (assessment.level === 'auto') return { permission: 'allow', reason: `Agent Mesh policy: ${assessment.why} (confidence ${assessment.confidence})` };

    const timeoutSeconds = this.settings.decisionTimeoutSeconds;
    const label = HOOK_AGENT_LABELS[event.agent];
    const approval = await this.options.queue.request({
      title: titleFor(label, call),
      description: `${capitalize(assessment.why)}${sessionClause(event.sessionId, event.cwd)}${assessment.confidence} from the policy.`.slice(0, 4000),
      agent: label,
      tool: approvalTool(call),
      args: boundedArgs(call.input),
      confidence: assessment.confidence,
      risk: assessment.risk,
      destructive: assessment.destructive,
      timeoutMs: timeoutSeconds * 1000,
    });
    if (approval.status === 'pending') this.options.sessions.waiting(event);
    const settled = approval.status === 'pending' ? await this.options.queue.waitFor(approval.id, undefined, signal) : approval;
    if (settled.status === 'pending') {
      // The agent hung up (its own hook timeout) or the relay is stopping: nobody is left to obey a decision.
      await this.options.queue.cancel(approval.id, { by: 'agent hook', reason: signal?.aborted ? 'the agent stopped waiting' : 'the relay stopped' }).catch(() => undefined);
      return { permission: 'ask', reason: 'Agent Mesh stopped before anyone decided' };
    }
    return this.answerFor(settled, timeoutSeconds);
  }

  private answerFor(approval: Approval, timeoutSeconds: number): HookDecision {
    const by = approval.decidedBy ?? 'someone';
    switch (approval.status) {
      case 'approved':
        return { permission: 'allow', reason: `Approved in Agent Mesh by ${by}` };
      case 'rejected':
        return { permission: 'deny', reason: approval.comment?.trim() || `Rejected in Agent Mesh by ${by}` };
      case 'cancelled':
        return { permission: 'deny', reason: `Cancelled in Agent Mesh${approval.reason ? `: ${approval.reason}` : ''}` };
      default: {
        const reason = `No decision in Agent Mesh within ${timeoutSeconds} s`;
        return { permission: this.settings.onTimeout, reason };
      }
    }
  }
}

/**
 * The approval's tool names the exact call, `Bash(npm publish)`, so that an "always allow this tool"
 * rule made from the approval covers this call only, never every shell command. Too long to name
 * whole (or holding a secret), it carries a hash of the input instead of a cut another call could share.
 */
function approvalTool(call: ToolCall): string {
  const subject = call.input.command ?? call.input.file_path ?? call.input.notebook_path ?? call.input.path ?? call.input.url;
  if (typeof subject !== 'string') return call.tool.slice(0, 200);
  const named = `${call.tool}(${subject})`;
  if (named.length <= 200 && !named.includes('\n') && !looksSecret(subject)) return named;
  return `${call.tool.slice(0, 120)}(#${createHash('sha256').update(JSON.stringify(call.input)).digest('hex').slice(0, 32)})`;
}

/** "Claude Code wants to run `npm publish`". */
function titleFor(label: string, call: ToolCall): string {
  const command = call.input.command;
  const file = call.input.file_path ?? call.input.path ?? call.input.url;
  const detail = typeof command === 'string' ? `run \`${oneLine(command)}\`` : typeof file === 'string' ? `use ${call.tool} on ${oneLine(file)}` : `use ${call.tool}`;
  return `${label} wants to ${detail}`.slice(0, 200);
}

function oneLine(text: string): string {
  if (looksSecret(text)) return REDACTED;
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > MAX_TITLE_DETAIL ? `${flat.slice(0, MAX_TITLE_DETAIL - 1)}…` : flat;
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** The tool input for the approval: secrets redacted, long strings cut. */
function boundedArgs(input: Record<string, JsonValue>): Record<string, JsonValue> {
  const cut = (value: JsonValue): JsonValue => {
    if (typeof value === 'string') return value.length > MAX_ARG_CHARS ? `${value.slice(0, MAX_ARG_CHARS)}… (${value.length} characters)` : value;
    if (Array.isArray(value)) return value.map(cut);
    if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, cut(v)]));
    return value;
  };
  return redactSecrets(cut(input)) as Record<string, JsonValue>;
}
