// What the log viewer computes without the DOM: its requests and how entries are shortened.
import type { LogEntry, LogOutcome, LogSource } from '../../shared/logs';

/** Entries asked per page. */
export const PAGE_SIZE = 100;

export interface LogFilters {
  tool: string;
  outcome: LogOutcome | '';
  q: string;
}

export function entriesPath(id: string, filters: LogFilters, cursor?: string): string {
  const query = new URLSearchParams({ limit: String(PAGE_SIZE) });
  if (filters.tool) query.set('tool', filters.tool);
  if (filters.outcome) query.set('outcome', filters.outcome);
  if (filters.q) query.set('q', filters.q);
  if (cursor) query.set('cursor', cursor);
  return `/api/logs/${encodeURIComponent(id)}/entries?${query}`;
}

/** The text on one line, cut to `max` characters. */
export function oneLine(text: string, max = 120): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max)}…` : flat;
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

/** The tools of the loaded entries, sorted (the filter's select keeps a chosen tool the entries no longer have). */
export function toolsSeen(entries: LogEntry[]): string[] {
  return [...new Set(entries.flatMap((entry) => (entry.kind === 'tool' ? [entry.tool] : [])))].sort();
}

/** Known to hold tool calls: a non-empty seed `tools.jsonl`, or a transcript whose session's hooks counted calls. */
const hasToolCalls = (log: LogSource): boolean => (log.format === 'tools' ? log.size > 0 : (log.toolCalls ?? 0) > 0);

/**
 * The log the panel opens on, from a list newest first: the newest with tool calls, since the panel is a
 * timeline of calls and a newer chat-only transcript or summary file would open on an empty one; the
 * newest log when none is known to have calls; '' for no logs.
 */
export function defaultLogId(logs: readonly LogSource[]): string {
  return (logs.find(hasToolCalls) ?? logs[0])?.id ?? '';
}
