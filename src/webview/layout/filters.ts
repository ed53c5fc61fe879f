// Filters and search of the dashboard's long lists (waiting approvals, agent sessions): pure, so
// the panels only hold the chosen values. '' means "any" for every select.
import type { Approval, ApprovalLevel, Risk } from '../../shared/approvals';
import { HOOK_AGENT_LABELS } from '../../shared/hooks';
import type { AgentSession, SessionStatus } from '../../shared/sessions';

export interface ApprovalFilter {
  query: string;
  level: ApprovalLevel | '';
  risk: Risk | '';
  agent: string;
  tool: string;
}

export const NO_APPROVAL_FILTER: ApprovalFilter = { query: '', level: '', risk: '', agent: '', tool: '' };

export interface SessionFilter {
  query: string;
  status: SessionStatus | '';
}

export const NO_SESSION_FILTER: SessionFilter = { query: '', status: '' };

/** Does the filter narrow anything (a select set, or a query that is not only spaces)? */
export function isFiltering(filter: ApprovalFilter | SessionFilter): boolean {
  return Object.entries(filter).some(([key, value]) => (key === 'query' ? value.trim() !== '' : value !== ''));
}

/** Case-insensitive substring search of `query` (trimmed) in any of `texts`; an empty query matches. */
function matchesQuery(query: string, texts: ReadonlyArray<string | undefined>): boolean {
  const needle = query.trim().toLowerCase();
  return needle === '' || texts.some((text) => text?.toLowerCase().includes(needle));
}

/** `wanted` is '' (any) or equals `actual`. */
const selected = (wanted: string, actual: string | undefined) => wanted === '' || wanted === actual;

export function filterApprovals(approvals: readonly Approval[], filter: ApprovalFilter): Approval[] {
  return approvals.filter(
    (a) =>
      selected(filter.level, a.level) &&
      selected(filter.risk, a.risk) &&
      selected(filter.agent, a.agent) &&
      selected(filter.tool, a.tool) &&
      matchesQuery(filter.query, [a.title, a.description, a.agent, a.tool]),
  );
}

/** The agents and tools the approvals name, each sorted and once: the choices of the agent and tool selects. */
export function approvalFilterOptions(approvals: readonly Approval[]): { agents: string[]; tools: string[] } {
  const distinct = (values: Array<string | undefined>) => [...new Set(values.filter((v): v is string => v !== undefined))].sort();
  return { agents: distinct(approvals.map((a) => a.agent)), tools: distinct(approvals.map((a) => a.tool)) };
}

/** Sessions of the status, whose agent (id or label) or folder contains the query. */
export function filterSessions(sessions: readonly AgentSession[], filter: SessionFilter): AgentSession[] {
  return sessions.filter((s) => selected(filter.status, s.status) && matchesQuery(filter.query, [s.agent, HOOK_AGENT_LABELS[s.agent], s.cwd]));
}

/** One entry of a filter select: a value and the words shown for it. */
export interface FilterOption {
  value: string;
  label: string;
}

/**
 * The entries of a filter select: the "any" entry ('') first when `anyLabel` words one, then `options`
 * (a plain string is its own label). A chosen value the options no longer have is kept, so the control never lies.
 */
export function filterSelectOptions(value: string, options: ReadonlyArray<string | FilterOption>, anyLabel?: string): FilterOption[] {
  const entries = options.map((option) => (typeof option === 'string' ? { value: option, label: option } : option));
  const kept = value === '' || entries.some((entry) => entry.value === value) ? [] : [{ value, label: value }];
  return [...(anyLabel === undefined ? [] : [{ value: '', label: anyLabel }]), ...kept, ...entries];
}
