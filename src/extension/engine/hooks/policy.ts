// The confidence of a coding agent's tool call, computed instead of self-reported: the seed's
// DM-05.1 `calculate_confidence` weighs four factors 0.4 / 0.3 / 0.2 / 0.1 and then adjusts.
import os from 'node:os';
import path from 'node:path';
import type { ApprovalLevel, Risk } from '../../../shared/approvals';
import { isDestructiveTool, routeByConfidence, type ApprovalThresholds } from '../approvals/routing';
import type { JsonValue } from '../../../shared/json';
import { letterRuns, parseShell, programOf, type ShellCommand, type ShellSegment } from './shell';

export const FACTOR_WEIGHTS = { tool: 0.4, content: 0.3, scope: 0.2, context: 0.1 } as const;

/** A tool call as every agent's adapter hands it over, in Claude Code's tool names. */
export interface ToolCall {
  tool: string;
  input: Record<string, JsonValue>;
  /** The agent's working directory. */
  cwd: string;
  /** Claude Code's `permission_mode` (default, acceptEdits, plan, dontAsk, bypassPermissions). */
  permissionMode?: string;
  /** Set when the adapter knows the call is an MCP tool but its name is not `mcp__server__tool`. */
  mcp?: boolean;
}

export interface McpToolHints {
  readOnlyHint?: boolean;
  destructiveHint?: boolean;
}

export interface PolicyContext {
  thresholds: ApprovalThresholds;
  /** The relay's workspace; a cwd inside it widens "inside the workspace" to the whole workspace. */
  workspaceDir?: string;
  trusted: boolean;
  /** MCP annotations of `server`'s `tool`, when the relay knows that server. */
  mcpHints?: (server: string, tool: string) => McpToolHints | undefined;
}

export interface Assessment {
  confidence: number;
  level: ApprovalLevel;
  risk: Risk;
  destructive: boolean;
  /** Why, for the person: "shell command that deletes files recursively outside the workspace". */
  why: string;
  factors: { tool: number; content: number; scope: number; context: number };
}

type ToolClass = 'read' | 'edit' | 'shell' | 'network' | 'mcp' | 'delete' | 'other';

const READ_TOOLS = new Set(['Read', 'Grep', 'Glob', 'LS', 'NotebookRead', 'TodoWrite', 'TodoRead', 'BashOutput', 'ExitPlanMode']);
const EDIT_TOOLS = new Set(['Write', 'Edit', 'MultiEdit', 'NotebookEdit']);
const NETWORK_TOOLS = new Set(['WebFetch', 'WebSearch']);
const PATH_KEYS = ['file_path', 'notebook_path', 'path', 'filePath'];
/** More edits than this in one call count as a bulk operation. */
const BULK_EDITS = 10;

const TOOL_SAFETY: Record<ToolClass, number> = { read: 1, edit: 0.7, shell: 0.5, network: 0.5, mcp: 0.5, delete: 0.2, other: 0.4 };
const TOOL_PHRASE: Record<ToolClass, string> = {
  read: 'read-only tool',
  edit: 'file edit',
  shell: 'shell command',
  network: 'network request',
  mcp: 'MCP tool',
  delete: 'file deletion',
  other: 'tool call',
};

/** What the policy found in a call; the factors and the sentence are built from it. */
interface Findings {
  toolClass: ToolClass;
  toolSafety: number;
  content: number;
  destructive: string[];
  risky: string[];
  paths: string[];
  writes: boolean;
  bulk: boolean;
  /** Cannot be read fully (substitution, truncated): never auto-approved. */
  opaque: boolean;
}

export function assessToolCall(call: ToolCall, context: PolicyContext): Assessment {
  const findings = inspect(call, context);
  const root = workspaceRoot(call.cwd, context.workspaceDir);
  const outside = findings.paths.filter((p) => !isInside(resolvePath(p, call.cwd), root));

  const scope = outside.length > 0 ? (findings.writes ? 0 : 0.3) : findings.bulk ? 0.5 : 1;
  const mode = call.permissionMode;
  const contextFactor = !context.trusted ? 0 : mode === 'bypassPermissions' || mode === 'dontAsk' ? 0.5 : 1;
  const factors = { tool: findings.toolSafety, content: findings.content, scope, context: contextFactor };
  let confidence =
    100 * (FACTOR_WEIGHTS.tool * factors.tool + FACTOR_WEIGHTS.content * factors.content + FACTOR_WEIGHTS.scope * factors.scope + FACTOR_WEIGHTS.context * factors.context);

  // Adjustments: the person already accepts edits in this mode; some calls never pass on their own.
  if (mode === 'acceptEdits' && findings.toolClass === 'edit' && outside.length === 0) confidence += 10;
  const belowAuto = context.thresholds.auto - 1;
  const belowQuick = context.thresholds.quick - 1;
  if (findings.opaque || !context.trusted || (outside.length > 0 && findings.writes)) confidence = Math.min(confidence, belowAuto);
  const destructive = findings.destructive.length > 0;
  if (destructive) confidence = Math.min(confidence, belowQuick);
  confidence = Math.max(0, Math.min(100, Math.round(confidence)));

  let level = routeByConfidence(confidence, context.thresholds);
  // Whatever the thresholds say, a destructive call is never approved without a person or a rule.
  if (destructive && level === 'auto') level = 'quick';

  const risk: Risk = destructive || (outside.length > 0 && findings.writes) ? 'high' : findings.toolClass === 'read' && outside.length === 0 ? 'low' : 'medium';
  return { confidence, level, risk, destructive, why: sentence(findings, outside.length > 0, context.trusted), factors };
}

function sentence(findings: Findings, outside: boolean, trusted: boolean): string {
  const clauses = [...findings.destructive, ...findings.risky];
  if (outside) {
    const where = 'outside the workspace';
    if (clauses.length > 0) clauses[0] = `${clauses[0]} ${where}`;
    else clauses.push(findings.writes ? `writes ${where}` : `reads ${where}`);
  }
  if (findings.bulk) clauses.push('affects many files');
  if (findings.opaque) clauses.push('cannot be fully inspected');
  if (!trusted) clauses.push('runs in an untrusted workspace');
  return clauses.length > 0 ? `${TOOL_PHRASE[findings.toolClass]} that ${clauses.join(' and ')}` : TOOL_PHRASE[findings.toolClass];
}

function inspect(call: ToolCall, context: PolicyContext): Findings {
  const base: Findings = { toolClass: 'other', toolSafety: TOOL_SAFETY.other, content: 0.6, destructive: [], risky: [], paths: [], writes: false, bulk: false, opaque: false };
  const tool = call.tool;
  const filePaths = PATH_KEYS.map((key) => call.input[key]).filter((v): v is string => typeof v === 'string' && v.length > 0);
  if (tool === 'Bash') return inspectShell(typeof call.input.command === 'string' ? call.input.command : '', base);
  if (READ_TOOLS.has(tool)) return { ...base, toolClass: 'read', toolSafety: TOOL_SAFETY.read, content: 1, paths: filePaths };
  if (EDIT_TOOLS.has(tool)) {
    const edits = Array.isArray(call.input.edits) ? call.input.edits.length : 0;
    return { ...base, toolClass: 'edit', toolSafety: TOOL_SAFETY.edit, content: 0.8, paths: filePaths, writes: true, bulk: edits > BULK_EDITS };
  }
  if (tool === 'Delete') return { ...base, toolClass: 'delete', toolSafety: TOOL_SAFETY.delete, content: 0, paths: filePaths, writes: true, destructive: ['deletes a file'] };
  if (NETWORK_TOOLS.has(tool)) return { ...base, toolClass: 'network', toolSafety: tool === 'WebSearch' ? 0.7 : TOOL_SAFETY.network, risky: ['reaches the network'] };
  const mcp = splitMcpName(tool);
  if (mcp || call.mcp) {
    const hints = mcp ? context.mcpHints?.(mcp.server, mcp.tool) : undefined;
    const name = mcp?.tool ?? tool;
    if (hints?.destructiveHint === true || (hints?.readOnlyHint !== true && isDestructiveTool(name))) {
      return { ...base, toolClass: 'mcp', toolSafety: 0.1, content: 0, destructive: [hints?.destructiveHint ? 'its server marks destructive' : 'may delete data'] };
    }
    if (hints?.readOnlyHint === true) return { ...base, toolClass: 'mcp', toolSafety: 0.9, content: 1 };
    return { ...base, toolClass: 'mcp', toolSafety: TOOL_SAFETY.mcp };
  }
  return { ...base, paths: filePaths };
}

/** `mcp__server__tool` → { server, tool }. */
export function splitMcpName(name: string): { server: string; tool: string } | undefined {
  if (!name.startsWith('mcp__')) return undefined;
  const rest = name.slice('mcp__'.length);
  const split = rest.indexOf('__');
  if (split <= 0 || split + 2 >= rest.length) return undefined;
  return { server: rest.slice(0, split), tool: rest.slice(split + 2) };
}

// ---- shell ---------------------------------------------------------------------------------

const READ_ONLY_PROGRAMS = new Set([
  'ls', 'cat', 'head', 'tail', 'less', 'more', 'grep', 'rg', 'ag', 'wc', 'pwd', 'echo', 'printf', 'which', 'whoami', 'date',
  'file', 'stat', 'du', 'df', 'tree', 'diff', 'sort', 'uniq', 'cut', 'tr', 'basename', 'dirname', 'realpath', 'true', 'false', 'test', 'type',
]);
const READ_ONLY_GIT = new Set(['status', 'log', 'diff', 'show', 'rev-parse', 'ls-files', 'blame', 'describe', 'shortlog', 'grep']);
const SHELLS = new Set(['sh', 'bash', 'zsh', 'dash', 'ksh', 'fish', 'python', 'python3', 'node', 'perl', 'ruby']);
const DOWNLOADERS = new Set(['curl', 'wget']);
const NETWORK_PROGRAMS = new Set(['curl', 'wget', 'ssh', 'scp', 'rsync', 'nc', 'ftp', 'sftp']);
const NON_PATHS = new Set(['/dev/null', '/dev/stdout', '/dev/stderr']);

function inspectShell(command: string, base: Findings): Findings {
  const parsed = parseShell(command);
  const findings: Findings = { ...base, toolClass: 'shell', toolSafety: TOOL_SAFETY.shell, opaque: parsed.substitution || parsed.truncated };
  let readOnly = parsed.segments.length > 0;
  parsed.segments.forEach((segment, index) => {
    const { program, args, elevated } = programOf(segment);
    const previous = index > 0 ? programOf(parsed.segments[index - 1]).program : '';
    const verdict = judgeProgram(program, args, segment, previous, parsed);
    findings.destructive.push(...verdict.destructive);
    findings.risky.push(...verdict.risky);
    if (elevated) findings.risky.push('runs as administrator');
    if (verdict.bulk) findings.bulk = true;
    if (!verdict.readOnly || segment.redirects.length > 0 || elevated) readOnly = false;
    if (!verdict.readOnly || segment.redirects.length > 0) findings.writes = true;
    for (const word of [...args, ...segment.redirects]) if (looksLikePath(word)) findings.paths.push(word);
  });
  findings.destructive = [...new Set(findings.destructive)];
  findings.risky = [...new Set(findings.risky)];
  findings.content = findings.destructive.length > 0 || findings.opaque ? 0 : findings.risky.length > 0 ? 0.3 : readOnly ? 1 : 0.6;
  return findings;
}

interface ProgramVerdict {
  readOnly: boolean;
  destructive: string[];
  risky: string[];
  bulk: boolean;
}

function judgeProgram(program: string, args: string[], segment: ShellSegment, previous: string, parsed: ShellCommand): ProgramVerdict {
  const verdict: ProgramVerdict = { readOnly: false, destructive: [], risky: [], bulk: false };
  const flags = args.filter((a) => a.startsWith('-'));
  const recursive = flags.some((f) => f === '--recursive' || (!f.startsWith('--') && (f.includes('r') || f.includes('R'))));
  const hasGlob = args.some((a) => a.includes('*'));
  switch (program) {
    case 'rm':
      verdict.destructive.push(recursive ? 'deletes files recursively' : 'deletes files');
      verdict.bulk = recursive || hasGlob;
      break;
    case 'rmdir':
    case 'unlink':
    case 'shred':
      verdict.destructive.push('deletes files');
      break;
    case 'find':
      if (args.includes('-delete') || args.includes('-exec') || args.includes('-execdir') || args.includes('-ok')) {
        verdict.destructive.push(args.includes('-delete') ? 'deletes files' : 'runs a command on every file found');
        verdict.bulk = true;
      } else {
        verdict.readOnly = true;
      }
      break;
    case 'dd':
      if (args.some((a) => a.startsWith('of='))) verdict.destructive.push('overwrites a device or file');
      break;
    case 'kill':
    case 'pkill':
    case 'killall':
      verdict.destructive.push('stops processes');
      break;
    case 'chmod':
    case 'chown':
      verdict.risky.push('changes file permissions');
      verdict.bulk = recursive;
      break;
    case 'git':
      judgeGit(args, verdict);
      break;
    case 'npm':
    case 'yarn':
    case 'pnpm':
      if (args[0] === 'publish') verdict.risky.push('publishes a package');
      if (args[0] === 'unpublish') verdict.destructive.push('unpublishes a package');
      break;
    case 'docker':
    case 'podman':
      if (args[0] === 'rm' || args[0] === 'rmi' || (args[0] === 'system' && args[1] === 'prune') || args[0] === 'prune') verdict.destructive.push('deletes containers or images');
      break;
    case 'kubectl':
      if (args[0] === 'delete') verdict.destructive.push('deletes cluster resources');
      break;
    case 'terraform':
      if (args[0] === 'destroy') verdict.destructive.push('destroys infrastructure');
      break;
    default:
      if (program.startsWith('mkfs')) verdict.destructive.push('formats a disk');
      else if (READ_ONLY_PROGRAMS.has(program)) verdict.readOnly = true;
  }
  if (NETWORK_PROGRAMS.has(program)) verdict.risky.push('reaches the network');
  if (SHELLS.has(program) && ((segment.piped && DOWNLOADERS.has(previous)) || (parsed.substitution && args.some((a) => a.includes('curl ') || a.includes('wget '))))) {
    verdict.destructive.push('runs a script downloaded from the network');
  }
  judgeSql(segment.words, verdict);
  return verdict;
}

function judgeGit(args: string[], verdict: ProgramVerdict): void {
  let i = 0;
  while (i < args.length && args[i].startsWith('-')) i += args[i] === '-C' || args[i] === '-c' ? 2 : 1;
  const sub = args[i] ?? '';
  const rest = args.slice(i + 1);
  const has = (...options: string[]) => rest.some((a) => options.includes(a));
  switch (sub) {
    case 'push':
      if (has('--force', '-f', '--mirror', '--delete', '-d') || rest.some((a) => a.startsWith('--force-with-lease') || a.startsWith('+') || (a.startsWith(':') && a.length > 1))) {
        verdict.destructive.push('force-pushes or deletes remote history');
      } else {
        verdict.risky.push('pushes to a remote');
      }
      return;
    case 'reset':
      if (has('--hard', '--keep', '--merge')) verdict.destructive.push('discards uncommitted changes');
      return;
    case 'clean':
      if (rest.some((a) => a === '--force' || (a.startsWith('-') && !a.startsWith('--') && a.includes('f')))) verdict.destructive.push('deletes untracked files');
      return;
    case 'checkout':
      if (has('--', '.', '-f', '--force')) verdict.destructive.push('discards uncommitted changes');
      return;
    case 'restore':
      if (!has('--staged', '-S')) verdict.destructive.push('discards uncommitted changes');
      return;
    case 'branch':
      if (has('-D', '--delete', '-d')) verdict.destructive.push('deletes a branch');
      else if (!has('-m', '-M', '-c', '-C')) verdict.readOnly = true;
      return;
    case 'stash':
      if (rest[0] === 'drop' || rest[0] === 'clear') verdict.destructive.push('drops stashed changes');
      return;
    default:
      if (READ_ONLY_GIT.has(sub)) verdict.readOnly = true;
  }
}

/** `DROP TABLE`, `DROP DATABASE`, `TRUNCATE TABLE`, `DELETE FROM`: word pairs, anywhere in the segment. */
function judgeSql(words: string[], verdict: ProgramVerdict): void {
  const runs = letterRuns(words);
  for (let i = 0; i + 1 < runs.length; i++) {
    const [a, b] = [runs[i], runs[i + 1]];
    if (a === 'drop' && (b === 'table' || b === 'database' || b === 'schema')) verdict.destructive.push(`drops a database ${b}`);
    else if (a === 'truncate' && b === 'table') verdict.destructive.push('empties a database table');
    else if (a === 'delete' && b === 'from') verdict.destructive.push('deletes database rows');
  }
}

// ---- paths ---------------------------------------------------------------------------------

function looksLikePath(word: string): boolean {
  if (NON_PATHS.has(word)) return false;
  return word.startsWith('/') || word.startsWith('~') || word === '..' || word.startsWith('../') || word.includes('/../');
}

function resolvePath(p: string, cwd: string): string {
  if (p === '~' || p.startsWith('~/')) return path.join(os.homedir(), p.slice(1));
  return path.resolve(cwd, p);
}

/** The workspace the call is judged against: the relay's workspace when the cwd is inside it, else the cwd. */
export function workspaceRoot(cwd: string, workspaceDir: string | undefined): string {
  const resolvedCwd = path.resolve(cwd);
  if (workspaceDir && isInside(resolvedCwd, path.resolve(workspaceDir))) return path.resolve(workspaceDir);
  return resolvedCwd;
}

export function isInside(target: string, root: string): boolean {
  const relative = path.relative(root, target);
  return relative === '' || (relative !== '..' && !relative.startsWith(`..${path.sep}`) && !path.isAbsolute(relative));
}
