import * as z from 'zod';
import { DEFAULT_HISTORY_PAGE, HISTORY_TYPES, MAX_HISTORY_PAGE, MAX_HISTORY_SEARCH_CHARS, type HistoryRecord } from '../../../shared/history';

const DAY_MS = 24 * 60 * 60 * 1000;
const MAX_CURSOR_CHARS = 600;
/** `<at>.<id>`: linear to match (one bounded digit run, then anything). */
const CURSOR_TEXT = /^(\d{1,15})\.([\x21-\x7e]{1,400})$/;

/** An ISO date (`2026-11-30`, the whole day) or date-time with an offset (`2026-11-30T10:00:00Z`). */
const isoDate = z.union([z.iso.datetime({ offset: true }), z.iso.date()], { error: 'must be an ISO date (2026-11-30) or date-time (2026-11-30T10:00:00Z)' });

const filterShape = {
  type: z.enum(HISTORY_TYPES).optional(),
  status: z.string().regex(/^[a-z-]{1,40}$/, 'must be a status such as approved or completed').optional(),
  agent: z.string().min(1).max(100).optional(),
  from: isoDate.optional(),
  to: isoDate.optional(),
  q: z.string().max(MAX_HISTORY_SEARCH_CHARS, `must be at most ${MAX_HISTORY_SEARCH_CHARS} characters`).optional(),
};

export const historyFilterSchema = z.strictObject(filterShape).transform(toFilter);

export const historyQuerySchema = z
  .strictObject({
    ...filterShape,
    limit: z.coerce.number().int().min(1).max(MAX_HISTORY_PAGE).default(DEFAULT_HISTORY_PAGE),
    cursor: z.string().max(MAX_CURSOR_CHARS).optional(),
  })
  .transform((input, ctx) => {
    const cursor = input.cursor === undefined ? undefined : decodeCursor(input.cursor);
    if (input.cursor !== undefined && !cursor) {
      ctx.addIssue({ code: 'custom', path: ['cursor'], message: 'is not a cursor this relay gave out' });
      return z.NEVER;
    }
    return { ...toFilter(input), limit: input.limit, cursor };
  });

export const historyExportSchema = z.strictObject({ ...filterShape, format: z.enum(['csv', 'json']) }).transform((input) => ({ ...toFilter(input), format: input.format }));

/** What a record must match; `from` inclusive, `to` exclusive (a date-only `to` takes in that whole day). */
export interface HistoryFilter {
  type?: string;
  status?: string;
  agent?: string;
  from?: number;
  to?: number;
  /** Lower-cased search text. */
  q?: string;
}

export interface HistoryQuery extends HistoryFilter {
  limit: number;
  /** Only records older than this one (newest first). */
  cursor?: Position;
}

/** Where a record sits in the newest-first order. */
export interface Position {
  at: number;
  id: string;
}

function toFilter(input: { type?: string; status?: string; agent?: string; from?: string; to?: string; q?: string }): HistoryFilter {
  const q = input.q?.trim().toLowerCase();
  return {
    type: input.type,
    status: input.status,
    agent: input.agent,
    from: input.from === undefined ? undefined : Date.parse(input.from),
    to: input.to === undefined ? undefined : Date.parse(input.to) + (input.to.length === 10 ? DAY_MS : 0),
    q: q === '' ? undefined : q,
  };
}

export function matchesFilter(record: HistoryRecord, filter: HistoryFilter): boolean {
  if (filter.type !== undefined && record.type !== filter.type) return false;
  if (filter.status !== undefined && record.status !== filter.status) return false;
  if (filter.agent !== undefined && record.agent !== filter.agent) return false;
  if (filter.from !== undefined && record.at < filter.from) return false;
  if (filter.to !== undefined && record.at >= filter.to) return false;
  return filter.q === undefined || searchText(record).includes(filter.q);
}

/** Records never change in place (a new version is a new object), so each one's search text is built once. */
const searchTexts = new WeakMap<HistoryRecord, string>();

function searchText(record: HistoryRecord): string {
  let text = searchTexts.get(record);
  if (text === undefined) {
    text = [record.title, record.agent, record.status, record.type, ...Object.values(record.details).map(String)].join('\n').toLowerCase();
    searchTexts.set(record, text);
  }
  return text;
}

/** Newest first; records of the same millisecond by id, descending (the order Redis gives equal scores). */
export function newestFirst(a: Position, b: Position): number {
  if (a.at !== b.at) return b.at - a.at;
  return a.id < b.id ? 1 : a.id > b.id ? -1 : 0;
}

export function encodeCursor(position: Position): string {
  return Buffer.from(`${position.at}.${position.id}`).toString('base64url');
}

export function decodeCursor(cursor: string): Position | undefined {
  if (!/^[A-Za-z0-9_-]+$/.test(cursor)) return undefined;
  const match = CURSOR_TEXT.exec(Buffer.from(cursor, 'base64url').toString('latin1'));
  return match ? { at: Number(match[1]), id: match[2] } : undefined;
}

/**
 * Takes records in newest-first order (after the cursor) until the page is full; `more` says whether
 * one more matched, so the last record's position becomes the next cursor.
 */
export class PageCollector {
  readonly records: HistoryRecord[] = [];
  private more = false;

  constructor(private readonly query: HistoryQuery) {}

  /** False once the page is full (stop reading). */
  offer(record: HistoryRecord): boolean {
    if (this.query.cursor && newestFirst(record, this.query.cursor) <= 0) return true;
    if (!matchesFilter(record, this.query)) return true;
    if (this.records.length === this.query.limit) {
      this.more = true;
      return false;
    }
    this.records.push(record);
    return true;
  }

  page(): { records: HistoryRecord[]; nextCursor?: string } {
    const last = this.records.at(-1);
    return this.more && last ? { records: this.records, nextCursor: encodeCursor(last) } : { records: this.records };
  }
}
