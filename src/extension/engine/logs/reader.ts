// Pages of an agent's JSONL log as a timeline: Claude Code transcripts (each assistant `tool_use`
// paired with the `tool_result` of the same id), the seed's `tools.jsonl` and `summary.jsonl`.
// A page reads one bounded window from a byte offset, never the whole file; a line that is not
// what its format says becomes a `malformed` entry with its line number, never dropped.
import { constants } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import type { LogEntry, LogFormat, LogOutcome, LogPage } from '../../../shared/logs';
import { parseJson } from '../jsonText';
import { EngineError } from '../errors';

/** Bytes a page reads its entries from; a Claude transcript reads as many again to find results. */
const WINDOW_BYTES = 1024 * 1024;
const RESULT_LOOKAHEAD_BYTES = 1024 * 1024;
/** A longer line is shown as `malformed` (oversize), cut, and not parsed. */
export const MAX_LINE_BYTES = 256 * 1024;
/** Characters of an input or result kept in an entry, and of a malformed line's excerpt. */
export const MAX_TEXT_CHARS = 4000;
export const MAX_RAW_CHARS = 500;
const SKIP_CHUNK_BYTES = 64 * 1024;

export interface PageRequest {
  /** A `nextCursor` of an earlier page; absent: the file's start. */
  cursor?: string;
  limit: number;
  tool?: string;
  outcome?: LogOutcome;
  /** Case-insensitive text searched in the tool, input, result, summary or malformed line. */
  q?: string;
}

export function formatOf(file: string): LogFormat {
  const name = path.basename(file);
  if (name.endsWith('tools.jsonl')) return 'tools';
  if (name.endsWith('summary.jsonl')) return 'summary';
  return 'claude-transcript';
}

interface Place {
  offset: number;
  /** Lines before `offset`. */
  line: number;
}

const CURSOR = /^(\d{1,15})\.(\d{1,12})$/;
const cursorOf = (place: Place): string => `${place.offset}.${place.line}`;

function parseCursor(cursor: string | undefined): Place {
  if (cursor === undefined) return { offset: 0, line: 0 };
  const match = CURSOR.exec(cursor);
  if (!match) throw new EngineError('invalid', 'invalid_request', 'cursor: not one this relay issued');
  return { offset: Number(match[1]), line: Number(match[2]) };
}

const excerpt = (text: string, max: number): string => (text.length > max ? `${text.slice(0, max)}… (${text.length} characters)` : text);
const asText = (value: unknown): string => (typeof value === 'string' ? value : (JSON.stringify(value) ?? ''));
const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const firstDefined = (record: Record<string, unknown>, keys: string[]): unknown => keys.map((key) => record[key]).find((value) => value !== undefined && value !== null);

function timeOf(record: Record<string, unknown>): { at?: string } {
  const value = firstDefined(record, ['timestamp', 'ts', 'time']);
  if (typeof value === 'string') return { at: value.slice(0, 64) };
  if (typeof value === 'number' && Number.isFinite(value) && Math.abs(value) < 8.64e15) return { at: new Date(value).toISOString() };
  return {};
}

type ToolCandidate = Extract<LogEntry, { kind: 'tool' }> & { toolUseId?: string };
type Candidate = LogEntry | ToolCandidate;
interface ToolResult {
  isError: boolean;
  text: string;
}

const OK_STATUSES = new Set(['ok', 'success', 'succeeded', 'completed', 'done']);
const ERROR_STATUSES = new Set(['error', 'failed', 'failure', 'errored']);

function outcomeOf(record: Record<string, unknown>): LogOutcome {
  const flag = firstDefined(record, ['success', 'ok']);
  if (typeof flag === 'boolean') return flag ? 'ok' : 'error';
  const status = typeof record.status === 'string' ? record.status.toLowerCase() : '';
  if (OK_STATUSES.has(status)) return 'ok';
  if (ERROR_STATUSES.has(status)) return 'error';
  return record.error !== undefined && record.error !== null ? 'error' : 'unknown';
}

/** A `tools.jsonl` line: `tool` (or `tool_name`, `name`), `input` (or `args`, `arguments`, `parameters`), the outcome and its text. */
function toolsLine(record: Record<string, unknown>, where: Place & { at?: string }): Candidate {
  const tool = firstDefined(record, ['tool', 'tool_name', 'name']);
  if (typeof tool !== 'string' || tool.length === 0) return malformed(where, 'shape', JSON.stringify(record));
  const outcome = outcomeOf(record);
  const input = firstDefined(record, ['input', 'args', 'arguments', 'parameters', 'params']);
  const result = firstDefined(record, outcome === 'error' ? ['error', 'output', 'result'] : ['output', 'result', 'error']);
  const duration = firstDefined(record, ['duration_ms', 'durationMs']);
  return {
    kind: 'tool',
    ...where,
    tool: tool.slice(0, 200),
    input: input === undefined ? '' : excerpt(asText(input), MAX_TEXT_CHARS),
    outcome,
    ...(result !== undefined ? { result: excerpt(asText(result), MAX_TEXT_CHARS) } : {}),
    ...(typeof duration === 'number' && Number.isFinite(duration) && duration >= 0 ? { durationMs: duration } : {}),
  };
}

/** A `summary.jsonl` line: `summary` (or `text`, `message`). */
function summaryLine(record: Record<string, unknown>, where: Place & { at?: string }): Candidate {
  const text = firstDefined(record, ['summary', 'text', 'message']);
  if (typeof text !== 'string') return malformed(where, 'shape', JSON.stringify(record));
  return { kind: 'summary', ...where, text: excerpt(text, MAX_TEXT_CHARS) };
}

function resultText(content: unknown): string {
  if (!Array.isArray(content)) return asText(content ?? '');
  const texts = content.filter((block) => isRecord(block) && block.type === 'text').map((block) => String((block as { text?: unknown }).text ?? ''));
  return texts.length === content.length ? texts.join('\n') : asText(content);
}

/** The `tool_result` blocks of a Claude Code `user` line. */
function collectResults(record: Record<string, unknown>, results: Map<string, ToolResult>): void {
  const content = isRecord(record.message) ? record.message.content : undefined;
  if (record.type !== 'user' || !Array.isArray(content)) return;
  for (const block of content) {
    if (isRecord(block) && block.type === 'tool_result' && typeof block.tool_use_id === 'string') {
      results.set(block.tool_use_id, { isError: block.is_error === true, text: excerpt(resultText(block.content), MAX_TEXT_CHARS) });
    }
  }
}

/** A Claude Code line's timeline entries: its `tool_use` blocks, or its summary. */
function transcriptLine(record: Record<string, unknown>, where: Place & { at?: string }): Candidate[] {
  if (record.type === 'summary' && typeof record.summary === 'string') return [{ kind: 'summary', ...where, text: excerpt(record.summary, MAX_TEXT_CHARS) }];
  const content = isRecord(record.message) ? record.message.content : undefined;
  if (record.type !== 'assistant' || !Array.isArray(content)) return [];
  return content
    .filter((block): block is Record<string, unknown> => isRecord(block) && block.type === 'tool_use')
    .map((block) => ({
      kind: 'tool',
      ...where,
      tool: String(block.name ?? '').slice(0, 200),
      input: excerpt(asText(block.input ?? {}), MAX_TEXT_CHARS),
      outcome: 'unknown',
      toolUseId: String(block.id ?? ''),
    }));
}

function malformed(where: Place & { at?: string }, reason: 'json' | 'shape' | 'oversize', raw: string): LogEntry {
  return { kind: 'malformed', line: where.line, offset: where.offset, reason, raw: excerpt(raw, MAX_RAW_CHARS) };
}

function entriesOfLine(format: LogFormat, text: string, where: Place): Candidate[] {
  const parsed = parseJson(text);
  if (parsed === undefined) return [malformed(where, 'json', text)];
  if (!isRecord(parsed)) return [malformed(where, 'shape', text)];
  const placed = { ...where, ...timeOf(parsed) };
  if (format === 'tools') return [toolsLine(parsed, placed)];
  if (format === 'summary') return [summaryLine(parsed, placed)];
  return transcriptLine(parsed, placed);
}

/** True when the entry passes the filters known so far (a transcript call's outcome and result come later). */
function matches(entry: Candidate, request: PageRequest, final: boolean): boolean {
  const q = request.q?.toLowerCase();
  if (entry.kind === 'malformed') return !q || entry.raw.toLowerCase().includes(q);
  if (request.tool !== undefined && (entry.kind !== 'tool' || entry.tool !== request.tool)) return false;
  if (request.outcome !== undefined && (entry.kind !== 'tool' || (final && entry.outcome !== request.outcome))) return false;
  if (!q || !final) return true;
  const haystack = entry.kind === 'tool' ? `${entry.tool}\n${entry.input}\n${entry.result ?? ''}` : entry.text;
  return haystack.toLowerCase().includes(q);
}

async function readFully(handle: FileHandle, offset: number, length: number): Promise<Buffer> {
  const data = Buffer.alloc(length);
  let filled = 0;
  while (filled < length) {
    const { bytesRead } = await handle.read(data, filled, length - filled, offset + filled);
    if (bytesRead === 0) break;
    filled += bytesRead;
  }
  return data.subarray(0, filled);
}

/** The offset just past the newline at or after `from`, or `size` when the file ends first; reads small chunks. */
async function skipLine(handle: FileHandle, from: number, size: number): Promise<number> {
  const chunk = Buffer.alloc(SKIP_CHUNK_BYTES);
  for (let at = from; at < size; ) {
    const { bytesRead } = await handle.read(chunk, 0, Math.min(SKIP_CHUNK_BYTES, size - at), at);
    if (bytesRead === 0) break;
    const newline = chunk.subarray(0, bytesRead).indexOf(10);
    if (newline >= 0) return at + newline + 1;
    at += bytesRead;
  }
  return size;
}

/**
 * One page of `file`'s timeline from `request.cursor`: up to `limit` entries that pass the filters
 * (a line's entries are never split between pages), read from one window of the file. A page may
 * hold fewer entries and still have a `nextCursor` when the filters skipped the rest of its window.
 */
export async function readLogPage(file: string, format: LogFormat, request: PageRequest): Promise<LogPage> {
  const start = parseCursor(request.cursor);
  const handle = await open(file, constants.O_RDONLY | constants.O_NOFOLLOW);
  try {
    const { size, nlink } = await handle.stat();
    // Another hard link may name the file from outside the log folder (a link to a file there looks
    // like any file here); agents write their logs as new files, with one link. Checked on the open
    // file, so a link made after the list was read is refused too.
    if (nlink > 1) throw new EngineError('not_found', 'not_found', 'this log has another hard link, so it is not read');
    const base = Math.min(start.offset, size);
    const lookahead = format === 'claude-transcript' ? RESULT_LOOKAHEAD_BYTES : 0;
    const data = await readFully(handle, base, Math.min(WINDOW_BYTES + lookahead, size - base));
    const candidates: Candidate[] = [];
    const results = new Map<string, ToolResult>();
    let resume: Place = { offset: base, line: start.line };
    let matched = 0;
    let collecting = true;
    for (let pos = 0; pos < data.length; ) {
      const newline = data.indexOf(10, pos);
      collecting &&= pos < WINDOW_BYTES && matched < request.limit;
      if (!collecting && lookahead === 0) break;
      const where = { offset: base + pos, line: resume.line + 1 };
      const lineBytes = (newline < 0 ? data.length : newline) - pos;
      if (lineBytes > MAX_LINE_BYTES) {
        if (!collecting) break;
        // Only the line's start is decoded; the excerpt says it goes on.
        candidates.push({ kind: 'malformed', ...where, reason: 'oversize', raw: `${data.toString('utf8', pos, pos + MAX_RAW_CHARS)}… (longer than ${MAX_LINE_BYTES} bytes)` });
        matched += matches(candidates.at(-1)!, request, false) ? 1 : 0;
        const after = newline < 0 ? await skipLine(handle, base + data.length, size) : base + newline + 1;
        resume = { offset: after, line: where.line };
        if (newline < 0) break;
        pos = newline + 1;
        continue;
      }
      // A last line without its newline is still being written: it belongs to a later page.
      if (newline < 0) break;
      const text = data.toString('utf8', pos, newline);
      pos = newline + 1;
      if (collecting) {
        if (text.trim().length > 0) {
          const found = entriesOfLine(format, text, where);
          candidates.push(...found);
          matched += found.filter((entry) => matches(entry, request, false)).length;
        }
        resume = { offset: base + pos, line: where.line };
      }
      if (format === 'claude-transcript' && text.includes('"tool_result"')) {
        const parsed = parseJson(text);
        if (isRecord(parsed)) collectResults(parsed, results);
      }
    }
    const entries = candidates.map((candidate) => settle(candidate, results)).filter((entry) => matches(entry, request, true));
    return { entries, ...(resume.offset < size ? { nextCursor: cursorOf(resume) } : {}), size, readTo: resume.offset };
  } finally {
    await handle.close();
  }
}

/** A transcript call with its result's outcome and text; other entries as they are. */
function settle(candidate: Candidate, results: Map<string, ToolResult>): LogEntry {
  if (candidate.kind !== 'tool' || !('toolUseId' in candidate)) return candidate;
  const { toolUseId, ...entry } = candidate;
  const result = toolUseId ? results.get(toolUseId) : undefined;
  return result ? { ...entry, outcome: result.isError ? 'error' : 'ok', result: result.text } : entry;
}
