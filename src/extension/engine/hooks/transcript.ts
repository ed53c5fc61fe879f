// Claude Code's transcript (JSONL): token usage read incrementally, and pages of readable entries.
// One API response is written as several lines repeating the same `message.id` and usage, so each
// message id counts once; a last line without its newline is left for the next read.
import { open, stat } from 'node:fs/promises';
import type { SessionTokens, TranscriptEntry, TranscriptPage } from '../../../shared/sessions';
import { responsePriceUsd } from './pricing';

/** Bytes read per step; a line longer than this is reported malformed rather than buffered without end. */
const CHUNK_BYTES = 1024 * 1024;
const MAX_LINE_BYTES = 4 * CHUNK_BYTES;
/** Entries per transcript page, and bytes a page reads at most. */
export const TRANSCRIPT_PAGE_ENTRIES = 200;
const PAGE_BYTES = 2 * CHUNK_BYTES;
/** Characters of one text shown in a page (the file keeps the rest). */
const MAX_ENTRY_TEXT = 8000;
/** Message ids remembered to count each once; far more than one session's responses. */
const MAX_SEEN_IDS = 200_000;

interface Usage {
  input_tokens?: unknown;
  output_tokens?: unknown;
  cache_read_input_tokens?: unknown;
  cache_creation_input_tokens?: unknown;
}

const count = (value: unknown): number => (typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : 0);

/** Follows one transcript file: call `readNew()` after each hook event. */
export class TranscriptTail {
  offset = 0;
  readonly tokens: SessionTokens = { input: 0, output: 0, cacheRead: 0, cacheWrite: 0 };
  model: string | undefined;
  malformedLines = 0;
  /** The price of the responses whose model is in the price table. */
  costUsd = 0;
  pricedResponses = 0;
  /** Responses whose model has no price (their tokens are counted, their cost is not). */
  unpricedResponses = 0;
  private readonly seen = new Set<string>();
  private pending = Buffer.alloc(0);

  constructor(readonly file: string) {}

  /** Reads what was appended since the last call; resolves once the file's current end is reached. */
  async readNew(): Promise<void> {
    const handle = await open(this.file, 'r');
    try {
      const { size } = await handle.stat();
      if (size < this.offset) this.restart();
      const buffer = Buffer.alloc(CHUNK_BYTES);
      while (this.offset < size) {
        const { bytesRead } = await handle.read(buffer, 0, Math.min(CHUNK_BYTES, size - this.offset), this.offset);
        if (bytesRead === 0) break;
        this.offset += bytesRead;
        this.take(buffer.subarray(0, bytesRead));
      }
    } finally {
      await handle.close();
    }
  }

  private restart(): void {
    this.offset = 0;
    this.pending = Buffer.alloc(0);
    this.seen.clear();
    Object.assign(this.tokens, { input: 0, output: 0, cacheRead: 0, cacheWrite: 0 });
    this.costUsd = 0;
    this.pricedResponses = 0;
    this.unpricedResponses = 0;
  }

  private take(chunk: Buffer): void {
    let data = this.pending.length > 0 ? Buffer.concat([this.pending, chunk]) : chunk;
    let start = 0;
    for (let newline = data.indexOf(10, start); newline >= 0; newline = data.indexOf(10, start)) {
      this.line(data.subarray(start, newline).toString('utf8'));
      start = newline + 1;
    }
    data = data.subarray(start);
    if (data.length > MAX_LINE_BYTES) {
      this.malformedLines += 1;
      data = Buffer.alloc(0);
    }
    this.pending = Buffer.from(data);
  }

  private line(text: string): void {
    if (text.trim().length === 0) return;
    let parsed: { type?: unknown; message?: { id?: unknown; model?: unknown; usage?: Usage } };
    try {
      parsed = JSON.parse(text);
    } catch {
      this.malformedLines += 1;
      return;
    }
    const message = parsed?.message;
    if (parsed?.type !== 'assistant' || typeof message?.id !== 'string' || !message.usage) return;
    if (typeof message.model === 'string') this.model = message.model;
    if (this.seen.has(message.id)) return;
    if (this.seen.size >= MAX_SEEN_IDS) this.seen.clear();
    this.seen.add(message.id);
    const usage = message.usage;
    const response: SessionTokens = {
      input: count(usage.input_tokens),
      output: count(usage.output_tokens),
      cacheRead: count(usage.cache_read_input_tokens),
      cacheWrite: count(usage.cache_creation_input_tokens),
    };
    this.tokens.input += response.input;
    this.tokens.output += response.output;
    this.tokens.cacheRead += response.cacheRead;
    this.tokens.cacheWrite += response.cacheWrite;
    const price = typeof message.model === 'string' ? responsePriceUsd(message.model, response) : undefined;
    if (price === undefined) this.unpricedResponses += 1;
    else {
      this.costUsd += price;
      this.pricedResponses += 1;
    }
  }
}

/**
 * A page of the transcript from byte `cursor`: messages, tool calls with their inputs, tool results,
 * thinking collapsed to its length, malformed lines as they are. `nextCursor` is absent at the end
 * (a partial last line is not part of any page until it is complete).
 */
export async function readTranscriptPage(file: string, cursor: number, limit = TRANSCRIPT_PAGE_ENTRIES): Promise<TranscriptPage> {
  const { size } = await stat(file);
  const handle = await open(file, 'r');
  const entries: TranscriptEntry[] = [];
  let offset = Math.min(cursor, size);
  try {
    const length = Math.min(PAGE_BYTES, size - offset);
    const buffer = Buffer.alloc(length);
    const { bytesRead } = await handle.read(buffer, 0, length, offset);
    const data = buffer.subarray(0, bytesRead);
    let start = 0;
    for (let newline = data.indexOf(10); newline >= 0 && entries.length < limit; newline = data.indexOf(10, start)) {
      const line = data.subarray(start, newline).toString('utf8');
      if (line.trim().length > 0) entries.push(...entriesOf(line, offset + start));
      start = newline + 1;
    }
    if (start === 0 && bytesRead === PAGE_BYTES) {
      // One line longer than a page: shown as malformed (cut) so the reader can move past it.
      entries.push({ kind: 'malformed', offset, text: data.toString('utf8', 0, MAX_ENTRY_TEXT) });
      start = data.length;
    }
    offset += start;
  } finally {
    await handle.close();
  }
  return { entries, ...(offset < size ? { nextCursor: offset } : {}), size };
}

const cut = (text: string): string => (text.length > MAX_ENTRY_TEXT ? `${text.slice(0, MAX_ENTRY_TEXT)}… (${text.length} characters)` : text);

function entriesOf(line: string, offset: number): TranscriptEntry[] {
  let parsed: { type?: unknown; timestamp?: unknown; message?: { role?: unknown; model?: unknown; content?: unknown } };
  try {
    parsed = JSON.parse(line);
  } catch {
    return [{ kind: 'malformed', offset, text: cut(line) }];
  }
  const type = typeof parsed?.type === 'string' ? parsed.type : 'unknown';
  const at = typeof parsed?.timestamp === 'string' ? { at: parsed.timestamp } : {};
  const content = parsed?.message?.content;
  if ((type !== 'user' && type !== 'assistant') || content === undefined) return [{ kind: 'other', offset, type, ...at }];
  const role = type;
  if (typeof content === 'string') return [{ kind: 'message', offset, role, text: cut(content), ...at }];
  if (!Array.isArray(content)) return [{ kind: 'other', offset, type, ...at }];
  return content.map((block: Record<string, unknown>): TranscriptEntry => {
    switch (block?.type) {
      case 'text':
        return { kind: 'message', offset, role, text: cut(String(block.text ?? '')), ...at };
      case 'thinking':
        return { kind: 'thinking', offset, characters: String(block.thinking ?? '').length, ...at };
      case 'tool_use':
        return { kind: 'tool_use', offset, id: String(block.id ?? ''), tool: String(block.name ?? ''), input: cut(JSON.stringify(block.input ?? {})), ...at };
      case 'tool_result': {
        const text = typeof block.content === 'string' ? block.content : JSON.stringify(block.content ?? '');
        return { kind: 'tool_result', offset, toolUseId: String(block.tool_use_id ?? ''), isError: block.is_error === true, text: cut(text), ...at };
      }
      default:
        return { kind: 'other', offset, type: `${type}/${String(block?.type)}`, ...at };
    }
  });
}
