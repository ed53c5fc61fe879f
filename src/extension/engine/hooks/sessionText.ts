// How a coding-agent session reads in VS Code: its one-line summary and its transcript as markdown.
import { HOOK_AGENT_LABELS } from '../../../shared/hooks';
import { escapeMarkdown } from '../../../shared/markdown';
import { contextPercent, formatCost, formatCount, formatTokens, type AgentSession, type TranscriptEntry } from '../../../shared/sessions';
import { folderName } from './origin';

/** "$0.42", "≈$0.0013" when part of the usage has no price, "" when nothing has one. */
export function sessionCost(session: Pick<AgentSession, 'costUsd' | 'costApproximate'>): string {
  return session.costUsd === null ? '' : formatCost(session.costUsd, session.costApproximate);
}

/** Agent · folder, then status · tokens · cost. */
export function sessionSummary(session: AgentSession): { label: string; description: string } {
  const { input, output, cacheRead, cacheWrite } = session.tokens;
  const tokens = input + output + cacheRead + cacheWrite;
  return {
    label: `${HOOK_AGENT_LABELS[session.agent]} · ${folderName(session.cwd)}`,
    description: [session.status, tokens > 0 ? `${formatCount(tokens)} tokens` : '', sessionCost(session)].filter(Boolean).join(' · '),
  };
}

/** The tokens by kind, then cost · model · share of the context window; undefined before the session used any. */
export function sessionUsage(session: AgentSession): { label: string; description: string } | undefined {
  if (Object.values(session.tokens).every((count) => count === 0)) return undefined;
  const percent = contextPercent(session);
  const context = percent === undefined ? '' : `${percent} % of the context window`;
  return { label: formatTokens(session.tokens), description: [sessionCost(session), session.model, context].filter(Boolean).join(' · ') };
}

/** "2 agents · 1 waiting for you"; undefined when no session is live. */
export function sessionsStatusText(sessions: readonly AgentSession[]): string | undefined {
  const live = sessions.filter((session) => session.status !== 'ended');
  if (live.length === 0) return undefined;
  const waiting = live.filter((session) => session.status === 'waiting').length;
  return `${live.length} agent${live.length === 1 ? '' : 's'}${waiting > 0 ? ` · ${waiting} waiting for you` : ''}`;
}

/** Longest run of backticks in the text, so a fence around it never closes early. */
function fenceFor(text: string): string {
  let longest = 0;
  let run = 0;
  for (const char of text) {
    run = char === '`' ? run + 1 : 0;
    longest = Math.max(longest, run);
  }
  return '`'.repeat(Math.max(3, longest + 1));
}

const fenced = (text: string, language = ''): string => {
  const fence = fenceFor(text);
  return `${fence}${language}\n${text}\n${fence}`;
};

function entryMarkdown(entry: TranscriptEntry): string {
  switch (entry.kind) {
    case 'message':
      return `### ${entry.role === 'user' ? 'User' : 'Assistant'}${entry.at ? ` · ${entry.at}` : ''}\n\n${fenced(entry.text)}`;
    case 'thinking':
      return `*thinking (${entry.characters} characters)*`;
    case 'tool_use':
      return `**Tool call** \`${entry.tool.replace(/`/g, "'")}\`\n\n${fenced(entry.input, 'json')}`;
    case 'tool_result':
      return `**Tool result**${entry.isError ? ' (error)' : ''}\n\n${fenced(entry.text)}`;
    case 'other':
      return `*${entry.type.replace(/[*_`]/g, '')} entry*`;
    case 'malformed':
      return `**Line that is not JSON**\n\n${fenced(entry.text)}`;
  }
}

/**
 * The transcript as a readable markdown document. Every text the agent or a tool wrote is fenced,
 * so nothing in it renders as markdown, links or HTML.
 */
export function transcriptMarkdown(session: AgentSession, entries: readonly TranscriptEntry[], truncated: boolean): string {
  const { label, description } = sessionSummary(session);
  const details = [description, session.model, `session ${session.sessionId}`].filter(Boolean).join(' · ');
  const header = `# ${escapeMarkdown(label)}\n\n${escapeMarkdown(details)}\n`;
  const body = entries.map(entryMarkdown).join('\n\n');
  const tail = truncated ? '\n\n*…the rest of the transcript is not shown.*' : '';
  return `${header}\n${body}${tail}\n`;
}
