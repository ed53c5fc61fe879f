import type { HistoryRecord } from '../../../shared/history';

/** Cells a spreadsheet would read as a formula (OWASP's list: = + - @, tab and carriage return). */
const FORMULA_START = /^[=+\-@\t\r]/;
const NEEDS_QUOTES = /[",\r\n]/;

export const HISTORY_CSV_COLUMNS = ['id', 'type', 'status', 'agent', 'title', 'at', 'details'] as const;

/** One CSV cell (RFC 4180): a formula-looking text is prefixed with ', and quotes, commas and line breaks are quoted. */
export function csvCell(value: string): string {
  const safe = FORMULA_START.test(value) ? `'${value}` : value;
  return NEEDS_QUOTES.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

export function csvRow(cells: readonly string[]): string {
  return `${cells.map(csvCell).join(',')}\r\n`;
}

export function historyCsvHeader(): string {
  return csvRow(HISTORY_CSV_COLUMNS);
}

/** A record as a CSV row: `at` in ISO 8601, `details` as JSON. */
export function historyCsvRow(record: HistoryRecord): string {
  return csvRow([record.id, record.type, record.status, record.agent, record.title, new Date(record.at).toISOString(), JSON.stringify(record.details)]);
}
