// "Always allow" / "always deny" rules for coding agents' tool calls, in Claude Code's permission-rule
// syntax, persisted with the workspace. Matching is linear: no regular expression ever sees the input.
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import * as z from 'zod';
import { hookRuleInputSchema, hookRuleSchema, type HookAgent, type HookRule, type HookRuleDecision } from '../../../shared/hooks';
import { CollectionFile } from '../collectionFile';
import type { Logger } from '../log';
import { validate } from '../relay/http';
import { EngineError } from '../errors';
import { splitMcpName, workspaceRoot, type ToolCall } from './policy';
import { MAX_SCANNED_COMMAND, parseShell } from './shell';

/** Tools whose rule argument is a file path glob, and the tool name their rules are written with. */
const PATH_RULE_TOOL: Record<string, 'Read' | 'Edit'> = {
  Read: 'Read', Grep: 'Read', Glob: 'Read', LS: 'Read', NotebookRead: 'Read',
  Edit: 'Edit', Write: 'Edit', MultiEdit: 'Edit', NotebookEdit: 'Edit',
};
const MAX_MATCHED_PATH = 4096;

export interface RulePattern {
  tool: string;
  argument?: string;
}

/** `Bash(git status:*)` → { tool: 'Bash', argument: 'git status:*' }; an error message for what cannot be a rule. */
export function parseRulePattern(pattern: string): RulePattern | string {
  const open = pattern.indexOf('(');
  if (open < 0) return /^[\w.-]+$/.test(pattern) ? { tool: pattern } : `"${pattern}" is not a tool name`;
  if (!pattern.endsWith(')')) return `"${pattern}" must end with ")"`;
  const tool = pattern.slice(0, open);
  const argument = pattern.slice(open + 1, -1);
  if (!/^[\w.-]+$/.test(tool)) return `"${tool}" is not a tool name`;
  if (argument.length === 0) return { tool };
  if (tool === 'Bash' || PATH_RULE_TOOL[tool] === tool) return { tool, argument };
  if (tool === 'WebFetch') return argument.startsWith('domain:') && argument.length > 'domain:'.length ? { tool, argument } : 'WebFetch rules take "domain:<host>"';
  return `rules for ${tool} take no argument (write "${tool}")`;
}

/** Whether the rule covers the call. Allow rules on Bash cover a single simple command only; deny rules any part. */
export function ruleMatches(rule: Pick<HookRule, 'pattern' | 'decision'>, call: ToolCall, workspaceDir: string | undefined): boolean {
  const pattern = parseRulePattern(rule.pattern);
  if (typeof pattern === 'string') return false;
  if (!toolMatches(pattern.tool, call.tool)) return false;
  if (pattern.argument === undefined) return true;
  if (pattern.tool === 'Bash') return bashMatches(pattern.argument, call, rule.decision);
  if (pattern.tool === 'WebFetch') return domainMatches(pattern.argument.slice('domain:'.length), call.input.url);
  const file = [call.input.file_path, call.input.notebook_path, call.input.path].find((v): v is string => typeof v === 'string');
  if (file === undefined) return false;
  const root = workspaceRoot(call.cwd, workspaceDir);
  return globMatches(resolveRuleGlob(pattern.argument, root), path.resolve(call.cwd, file));
}

function toolMatches(ruleTool: string, tool: string): boolean {
  if (ruleTool === tool) return true;
  if (PATH_RULE_TOOL[tool] !== undefined && PATH_RULE_TOOL[tool] === ruleTool) return true;
  const mcp = splitMcpName(tool);
  if (!mcp) return false;
  return ruleTool === `mcp__${mcp.server}` || ruleTool === `mcp__${mcp.server}__*`;
}

function bashMatches(argument: string, call: ToolCall, decision: HookRuleDecision): boolean {
  const command = typeof call.input.command === 'string' ? call.input.command.trim() : '';
  if (command.length > MAX_SCANNED_COMMAND) return decision === 'deny' && commandMatches(argument, command.slice(0, MAX_SCANNED_COMMAND));
  const parsed = parseShell(command);
  if (decision === 'deny') return commandMatches(argument, command) || parsed.segments.some((s) => commandMatches(argument, s.words.join(' ')));
  // `Bash(git status:*)` must not allow `git status && rm -rf ~`.
  const simple = parsed.segments.length === 1 && !parsed.substitution && parsed.segments[0].redirects.length === 0;
  return simple && commandMatches(argument, command);
}

function commandMatches(argument: string, command: string): boolean {
  if (argument.endsWith(':*')) {
    const prefix = argument.slice(0, -2);
    return command === prefix || command.startsWith(`${prefix} `);
  }
  return argument.includes('*') ? globMatches(argument, command, false) : command === argument;
}

function domainMatches(domain: string, url: unknown): boolean {
  if (typeof url !== 'string') return false;
  try {
    const host = new URL(url).hostname;
    return host === domain || host.endsWith(`.${domain}`);
  } catch {
    return false;
  }
}

/** Claude Code's path forms: `//abs`, `~/home`, `/from-workspace-root`, `./relative` or `relative`. */
function resolveRuleGlob(glob: string, root: string): string {
  if (glob.startsWith('//')) return glob.slice(1);
  if (glob.startsWith('~/')) return path.join(os.homedir(), glob.slice(2));
  return path.join(root, glob);
}

type GlobToken = { kind: 'char'; c: string } | { kind: 'one' } | { kind: 'star' } | { kind: 'globstar' } | { kind: 'globstarSlash' };

function tokenizeGlob(glob: string, pathAware: boolean): GlobToken[] {
  const tokens: GlobToken[] = [];
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '*' && glob[i + 1] === '*' && pathAware) {
      if (glob[i + 2] === '/') {
        tokens.push({ kind: 'globstarSlash' });
        i += 2;
      } else {
        tokens.push({ kind: 'globstar' });
        i += 1;
      }
    } else if (c === '*') {
      tokens.push(pathAware ? { kind: 'star' } : { kind: 'globstar' });
    } else if (c === '?' && pathAware) {
      tokens.push({ kind: 'one' });
    } else {
      tokens.push({ kind: 'char', c });
    }
  }
  return tokens;
}

/**
 * Glob matching by dynamic programming over (pattern token, text position): O(pattern × text), never
 * exponential. With `pathAware`, `*` and `?` stop at `/`, `**` crosses it and `**∕` may match nothing.
 */
export function globMatches(glob: string, text: string, pathAware = true): boolean {
  if (text.length > MAX_MATCHED_PATH) return false;
  const tokens = tokenizeGlob(glob, pathAware);
  let previous = new Array<boolean>(text.length + 1).fill(false);
  previous[0] = true;
  for (const token of tokens) {
    const current = new Array<boolean>(text.length + 1).fill(false);
    let anyBefore = false;
    for (let j = 0; j <= text.length; j++) {
      const ch = text[j - 1];
      switch (token.kind) {
        case 'char':
          current[j] = j > 0 && previous[j - 1] && ch === token.c;
          break;
        case 'one':
          current[j] = j > 0 && previous[j - 1] && ch !== '/';
          break;
        case 'star':
          current[j] = previous[j] || (j > 0 && current[j - 1] && ch !== '/');
          break;
        case 'globstar':
          current[j] = previous[j] || (j > 0 && current[j - 1]);
          break;
        case 'globstarSlash':
          current[j] = previous[j] || (j > 0 && ch === '/' && anyBefore);
          break;
      }
      if (previous[j]) anyBefore = true;
    }
    previous = current;
  }
  return previous[text.length];
}

const storedRulesSchema = z.array(hookRuleSchema).max(10_000);

/** The rules, kept in one file of the data folder; every change is on disk before it is answered. */
export class HookRules {
  private rules: HookRule[] = [];
  private readonly file: CollectionFile;
  private readonly listeners = new Set<(rules: HookRule[]) => void>();

  constructor(
    file: string,
    logger: Logger,
    private readonly workspaceDir: string | undefined,
    private readonly now: () => number = Date.now,
  ) {
    this.file = new CollectionFile(file, 'hook rules', logger, () => this.rules);
  }

  async load(): Promise<void> {
    this.rules = (await this.file.read((raw) => storedRulesSchema.parse(raw))) ?? [];
  }

  list(): HookRule[] {
    return [...this.rules];
  }

  get problem(): string | undefined {
    return this.file.problem;
  }

  onProblemChange(listener: () => void): () => void {
    return this.file.onProblemChange(listener);
  }

  onChange(listener: (rules: HookRule[]) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async add(raw: unknown): Promise<HookRule> {
    const input = validate(hookRuleInputSchema, raw);
    const pattern = parseRulePattern(input.pattern);
    if (typeof pattern === 'string') throw new EngineError('invalid', 'invalid_request', `pattern: ${pattern}`);
    if (input.scope === 'session' && input.sessionId === undefined) throw new EngineError('invalid', 'invalid_request', 'sessionId: required for a session rule');
    const rule: HookRule = {
      id: randomUUID(),
      decision: input.decision,
      pattern: input.pattern,
      agent: input.agent,
      scope: input.scope,
      ...(input.scope === 'session' ? { sessionId: input.sessionId } : {}),
      createdAt: this.now(),
      createdBy: input.by ?? 'api',
    };
    await this.commit([...this.rules, rule], `the ${rule.decision} rule ${rule.pattern}`);
    return rule;
  }

  async revoke(id: string): Promise<void> {
    if (!this.rules.some((r) => r.id === id)) throw new EngineError('not_found', 'not_found', `no hook rule ${id}`);
    await this.commit(
      this.rules.filter((r) => r.id !== id),
      'revoking the rule',
    );
  }

  /** The rule that decides the call: a deny rule wins over an allow rule. */
  decide(call: ToolCall, agent: HookAgent, sessionId: string): HookRule | undefined {
    const applicable = this.rules.filter((r) => (r.agent === '*' || r.agent === agent) && (r.scope === 'workspace' || r.sessionId === sessionId));
    return (
      applicable.find((r) => r.decision === 'deny' && ruleMatches(r, call, this.workspaceDir)) ??
      applicable.find((r) => r.decision === 'allow' && ruleMatches(r, call, this.workspaceDir))
    );
  }

  flush(): Promise<void> {
    return this.file.flush();
  }

  private async commit(next: HookRule[], change: string): Promise<void> {
    const before = this.rules;
    this.rules = next;
    try {
      await this.file.write(change);
    } catch (error) {
      this.rules = before;
      throw error;
    }
    for (const listener of this.listeners) listener(this.list());
  }
}
