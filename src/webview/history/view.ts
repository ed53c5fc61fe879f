// The History panel's pure parts: the query it sends and how a record reads in one line.
import { HISTORY_EXPORT_CAP, HISTORY_STATUSES, HISTORY_TYPES, type HistoryRecord, type HistoryType } from '../../shared/history';
import { formatCost } from '../../shared/sessions';
import { formatDuration } from '../../shared/approvals';

export interface HistoryFilters {
  type: HistoryType | '';
  status: string;
  agent: string;
  /** `YYYY-MM-DD` from a date input, or empty. */
  from: string;
  to: string;
  q: string;
}

export const NO_FILTERS: HistoryFilters = { type: '', status: '', agent: '', from: '', to: '', q: '' };

export const TYPE_LABELS: Record<HistoryType, string> = { task: 'Task', approval: 'Approval', session: 'Session', alert: 'Alert' };

/** The statuses to offer: those of the chosen type, or of every type. */
export function statusesFor(type: HistoryType | ''): string[] {
  return type ? [...HISTORY_STATUSES[type]] : [...new Set(HISTORY_TYPES.flatMap((t) => HISTORY_STATUSES[t]))];
}

/** The filters as a query string (empty ones left out), plus extra parameters such as the cursor or the format. */
export function historyQueryString(filters: HistoryFilters, extra: Record<string, string> = {}): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries({ ...filters, q: filters.q.trim() })) if (value) params.set(name, value);
  for (const [name, value] of Object.entries(extra)) params.set(name, value);
  const text = params.toString();
  return text ? `?${text}` : '';
}

/** The facts of a record worth a glance: who decided and why, what a session cost, a task's message. */
export function detailSummary(record: HistoryRecord): string {
  const d = record.details;
  const parts: string[] = [];
  switch (record.type) {
    case 'approval':
      if (typeof d.decidedBy === 'string') parts.push(`by ${d.decidedBy}`);
      if (typeof d.comment === 'string' && d.comment) parts.push(`“${d.comment}”`);
      if (typeof d.timeToDecisionMs === 'number') parts.push(`decided in ${formatDuration(d.timeToDecisionMs)}`);
      break;
    case 'task':
      if (typeof d.percent === 'number') parts.push(`${d.percent}%`);
      if (typeof d.message === 'string' && d.message) parts.push(d.message);
      if (typeof d.durationMs === 'number') parts.push(`took ${formatDuration(d.durationMs)}`);
      break;
    case 'session':
      parts.push(formatCost(typeof d.costUsd === 'number' ? d.costUsd : null, d.costApproximate === true));
      if (typeof d.outputTokens === 'number') parts.push(`${d.outputTokens} output tokens`);
      if (typeof d.model === 'string') parts.push(d.model);
      break;
    case 'alert':
      if (typeof d.subject === 'string') parts.push(d.subject);
      break;
  }
  return parts.join(' · ');
}

/** What the panel says after an export the relay capped (`x-history-truncated: true`); undefined when it holds every match. */
export function exportCapNotice(headers: Headers): string | undefined {
  if (headers.get('x-history-truncated') !== 'true') return undefined;
  return `First ${HISTORY_EXPORT_CAP.toLocaleString('en-US')} matching records exported, the newest: more match. Narrow the filters (a date range, a type, an agent) to export the rest.`;
}
