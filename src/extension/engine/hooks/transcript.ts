// Claude Code's transcript (JSONL): token usage read incrementally, and pages of readable entries.
// One API response is written as several lines repeating the same `message.id` and usage, so each
// message id counts once; a last line without its newline is left for the next read. The latest
// response's context and the failed tool results (with the tool of their call) are kept for the alerts.
import { open, stat } from 'node:fs/promises';
import type { SessionContext, SessionTokens, ToolFailure, TranscriptEntry, TranscriptPage } from '../../../shared/sessions';
import { contextWindowOf, responsePriceUsd } from './pricing';

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
/** Failed tool results kept per session, the latest. */
export const MAX_TOOL_FAILURES = 20;
/** Tool call ids remembered to name the tool of a failed result; results follow their calls closely. */
const MAX_TOOL_CALLS = 10_000;
const MAX_TOOL_NAME = 300;

interface TranscriptLine {
  type?: unknown;
  isSidechain?: unknown;
  timestamp?: unknown;
  message?: { id?: unknown; model?: unknown; usage?: Usage; content?: unknown };
}

type ContentBlock = { type?: unknown; id?: unknown; name?: unknown; tool_use_id?: unknown; is_error?: unknown };

const blocksOf = (content: unknown): ContentBlock[] => (Array.isArray(content) ? content.filter((block) => typeof block === 'object' && block !== null) : []);

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
  context: SessionContext | undefined;
  toolFailures: ToolFailure[] = [];
  private readonly seen = new Set<string>();
  /** Tool call id → tool name. */
  private readonly toolCalls = new Map<string, string>();
  /** The window of the model of the latest response, looked up once per change of model. */
  private windowOf: { model: string | undefined; window: number | undefined } = { model: undefined, window: undefined };
  private pending = Buffer.alloc(0);

  /** `now` dates a failed result whose line carries no time. */
  constructor(
    readonly file: string,
    private readonly now: () => number = Date.now,
  ) {}

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
    this.toolCalls.clear();
    this.context = undefined;
    this.toolFailures = [];
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
    let parsed: TranscriptLine;
    try {
      parsed = JSON.parse(text);
    } catch {
      this.malformedLines += 1;
      return;
    }
    const message = parsed?.message;
    if (parsed?.type === 'user') this.failedResults(blocksOf(message?.content), parsed.timestamp);
    if (parsed?.type !== 'assistant' || typeof message?.id !== 'string') return;
    this.rememberToolCalls(blocksOf(message.content));
    if (!message.usage) return;
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
    // A sidechain's responses (a task Claude delegated) run in a context of their own; a message without input tokens
    // is one Claude Code wrote itself (an API error), not a response.
    const sent = response.input + response.cacheRead + response.cacheWrite;
    if (parsed.isSidechain !== true && sent > 0) this.context = this.contextOf(sent, typeof message.model === 'string' ? message.model : undefined);
    const price = typeof message.model === 'string' ? responsePriceUsd(message.model, response) : undefined;
    if (price === undefined) this.unpricedResponses += 1;
    else {
      this.costUsd += price;
      this.pricedResponses += 1;
    }
  }

  /**
   * A response's context: the tokens it was sent (input, cache read, cache write). A response larger than
   * its model's known window ran with a larger one (a long-context option), so that window is not claimed.
   */
  private contextOf(tokens: number, model: string | undefined): SessionContext {
    if (model !== this.windowOf.model) this.windowOf = { model, window: model === undefined ? undefined : contextWindowOf(model) };
    const { window } = this.windowOf;
    return window !== undefined && tokens <= window ? { tokens, window } : { tokens };
  }

  private rememberToolCalls(blocks: ContentBlock[]): void {
    for (const block of blocks) {
      if (block.type !== 'tool_use' || typeof block.id !== 'string' || typeof block.name !== 'string') continue;
      if (this.toolCalls.size >= MAX_TOOL_CALLS) this.toolCalls.clear();
      this.toolCalls.set(block.id, block.name.slice(0, MAX_TOOL_NAME));
    }
  }

  private failedResults(blocks: ContentBlock[], timestamp: unknown): void {
    for (const block of blocks) {
      if (block.type !== 'tool_result' || block.is_error !== true) continue;
      const tool = (typeof block.tool_use_id === 'string' && this.toolCalls.get(block.tool_use_id)) || 'unknown tool';
      const at = typeof timestamp === 'string' ? Date.parse(timestamp) : NaN;
      this.toolFailures.push({ tool, at: Number.isFinite(at) ? at : this.now() });
      if (this.toolFailures.length > MAX_TOOL_FAILURES) this.toolFailures.shift();
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
