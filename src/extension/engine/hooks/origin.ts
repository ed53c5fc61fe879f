// Which agent session a hook approval came from. The intake writes it into the approval's
// description with `sessionClause`; the VS Code faces read it back with `hookApprovalOrigin`.
import type { Approval } from '../../../shared/approvals';
import { HOOK_AGENT_LABELS, HOOK_AGENTS, type HookAgent } from '../../../shared/hooks';

const SESSION_MARK = '. Session ';
const IN_MARK = ' in ';
const CONFIDENCE_MARK = '. Confidence ';

export function sessionClause(sessionId: string, cwd: string): string {
  return `${SESSION_MARK}${sessionId}${IN_MARK}${cwd}${CONFIDENCE_MARK}`;
}

export interface HookApprovalOrigin {
  agent: HookAgent;
  sessionId: string;
  cwd: string;
}

/** The session behind an approval the hook door created; undefined for every other approval. */
export function hookApprovalOrigin(approval: Pick<Approval, 'agent' | 'description'>): HookApprovalOrigin | undefined {
  const agent = HOOK_AGENTS.find((candidate) => HOOK_AGENT_LABELS[candidate] === approval.agent);
  const text = approval.description;
  if (!agent || !text) return undefined;
  const start = text.indexOf(SESSION_MARK);
  const end = text.lastIndexOf(CONFIDENCE_MARK);
  if (start < 0 || end <= start) return undefined;
  const clause = text.slice(start + SESSION_MARK.length, end);
  const split = clause.indexOf(IN_MARK);
  if (split <= 0) return undefined;
  return { agent, sessionId: clause.slice(0, split), cwd: clause.slice(split + IN_MARK.length) };
}

/** The last folder of a working directory, as people name it ("api/"). */
export function folderName(cwd: string): string {
  const parts = cwd.split(/[\\/]/).filter(Boolean);
  return parts.length > 0 ? `${parts[parts.length - 1]}/` : cwd;
}

/** "Claude Code in api/ wants to run `npm publish`" from the hook approval's title. */
export function hookApprovalMessage(approval: Pick<Approval, 'agent' | 'title'>, origin: HookApprovalOrigin): string {
  const label = HOOK_AGENT_LABELS[origin.agent];
  const where = ` in ${folderName(origin.cwd)}`;
  return approval.title.startsWith(`${label} `) ? `${label}${where}${approval.title.slice(label.length)}` : `${label}${where}: ${approval.title}`;
}
