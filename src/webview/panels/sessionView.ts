// How the sessions panel words and orders coding-agent sessions, and filters a transcript.
import type { AgentSession, SessionStatus, TranscriptEntry } from '../../shared/sessions';

export { formatCost, formatCount } from '../../shared/sessions';

const STATUS_ORDER: Record<SessionStatus, number> = { waiting: 0, running: 1, idle: 2, ended: 3 };

export const STATUS_LABELS: Record<SessionStatus, string> = { waiting: 'waiting for you', running: 'running', idle: 'idle', ended: 'ended' };

/** Sessions waiting for a person first, then running, idle and ended; the most recent first within each. */
export function orderSessions(sessions: readonly AgentSession[]): AgentSession[] {
  return [...sessions].sort((a, b) => STATUS_ORDER[a.status] - STATUS_ORDER[b.status] || b.lastEventAt - a.lastEventAt);
}

export type Outcome = 'all' | 'ok' | 'error';

export interface TranscriptFilter {
  query: string;
  /** A tool name, or '' for every entry. */
  tool: string;
  outcome: Outcome;
}

/** The tool names called in `entries`, sorted. */
export function toolsOf(entries: readonly TranscriptEntry[]): string[] {
  return [...new Set(entries.flatMap((e) => (e.kind === 'tool_use' ? [e.tool] : [])))].sort();
}

function searchableText(entry: TranscriptEntry): string {
  switch (entry.kind) {
    case 'message':
    case 'tool_result':
    case 'malformed':
      return entry.text;
    case 'tool_use':
      return `${entry.tool} ${entry.input}`;
    case 'other':
      return entry.type;
    default:
      return '';
  }
}

/**
 * The entries that match: a tool or outcome filter keeps tool calls only (the call and its result,
 * the outcome read from the result; a call without a result yet has none); the query matches text,
 * tool names and inputs, case-insensitively.
 */
export function filterTranscript(entries: readonly TranscriptEntry[], filter: TranscriptFilter): TranscriptEntry[] {
  const toolById = new Map<string, string>();
  const errorById = new Map<string, boolean>();
  for (const entry of entries) {
    if (entry.kind === 'tool_use') toolById.set(entry.id, entry.tool);
    if (entry.kind === 'tool_result') errorById.set(entry.toolUseId, entry.isError);
  }
  const query = filter.query.trim().toLowerCase();
  const toolFiltered = filter.tool !== '' || filter.outcome !== 'all';
  return entries.filter((entry) => {
    if (toolFiltered) {
      const id = entry.kind === 'tool_use' ? entry.id : entry.kind === 'tool_result' ? entry.toolUseId : undefined;
      if (id === undefined) return false;
      if (filter.tool !== '' && toolById.get(id) !== filter.tool) return false;
      if (filter.outcome !== 'all' && errorById.get(id) !== (filter.outcome === 'error')) return false;
    }
    return query === '' || searchableText(entry).toLowerCase().includes(query);
  });
}
