// The one typed protocol between the relay and every dashboard (webview, browser, test client).
// Inbound frames are validated with these schemas at the edge; outbound frames are built from the
// same types, so host and webview cannot drift apart.
import * as z from 'zod';
import { approvalRequestSchema, cancelSchema, decisionSchema, type Approval } from './approvals';
import { FORBIDDEN_PATH_SEGMENTS, jsonValueSchema, MAX_JSON_DEPTH, nestsDeeperThan, type JsonObject, type JsonValue } from './json';
import { toolCallBodySchema, type McpToolCallLine } from './mcp';
import type { StateStamp } from './state';
import { taskCreateSchema, taskUpdateSchema, type Task } from './tasks';

/** A `state:full` longer than this (UTF-16 code units of its JSON text) is sent deflated. */
export const FULL_STATE_COMPRESS_BYTES = 256 * 1024;

/** Largest inbound WebSocket frame the relay accepts, in bytes. */
export const MAX_FRAME_BYTES = 1024 * 1024;

/**
 * Deepest bracket nesting of an inbound frame: the frame object and one field holding a record
 * (approval `args`) around a JSON value of at most MAX_JSON_DEPTH levels.
 */
export const MAX_FRAME_DEPTH = MAX_JSON_DEPTH + 2;

/**
 * How far above the highest version a client can have seen around a path (the path, its ancestors
 * and descendants) a write may go: enough for a long offline session of edits, far too little to
 * push a path's version near 2^53, where `version + 1` stops growing and the path would freeze.
 */
export const MAX_VERSION_LEAP = 1_000_000;

const segmentSchema = z
  .string()
  .min(1, 'empty path segment')
  .max(128)
  .refine((s) => !FORBIDDEN_PATH_SEGMENTS.has(s), { message: 'forbidden path segment' });

/** A state path: dot-separated segments, e.g. `widgets.build.data`. */
export const statePathSchema = z
  .string()
  .min(1)
  .max(512)
  .transform((p) => p.split('.'))
  .pipe(z.array(segmentSchema).min(1).max(32));

export { jsonValueSchema, type JsonObject, type JsonValue } from './json';

const stateVersionSchema = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);

export const stateUpdateFrameSchema = z.object({
  type: z.literal('state:update'),
  id: z.string().min(1).max(128).optional(),
  path: statePathSchema,
  value: jsonValueSchema,
  version: stateVersionSchema,
  timestamp: z.number().nonnegative(),
});

/** An ISO-8601 date-time with its zone (`Z` or an offset), as milliseconds since the epoch. */
const isoTimestampSchema = z.iso
  .datetime({ offset: true })
  .max(40)
  .transform((text) => Date.parse(text))
  .refine((ms) => Number.isFinite(ms) && ms >= 0, { message: 'not a date-time after 1970' });

/**
 * The seed's DM-11.2 shape of the same write, `{ type, payload: { path, value, version, timestamp } }`
 * with an ISO-8601 timestamp, mapped to the flat frame. The envelope is strict, so a frame mixing
 * both shapes is refused rather than guessed at.
 */
export const seedStateUpdateFrameSchema = z
  .strictObject({
    type: z.literal('state:update'),
    payload: z.object({
      path: statePathSchema,
      value: jsonValueSchema,
      version: stateVersionSchema,
      timestamp: isoTimestampSchema,
      sourceTabId: z.string().min(1).max(128).optional(),
    }),
  })
  .transform(({ payload }): StateUpdateFrame => ({ type: 'state:update', path: payload.path, value: payload.value, version: payload.version, timestamp: payload.timestamp, dialect: 'seed' }));

/**
 * The seed's DM-11.2 `state:sync` frame, sent instead of ours to a connection that writes in the
 * seed's shape: `sourceTabId` is the writing device's id.
 */
export function seedSyncFrameText(path: string, value: JsonValue, version: number, sourceTabId: string): string {
  return JSON.stringify({ type: 'state:sync', payload: { path, value, version, sourceTabId } });
}

export const ackFrameSchema = z.object({ type: z.literal('ack'), id: z.string().min(1).max(128) });

export const subscribeFrameSchema = z.object({
  type: z.literal('subscribe'),
  channel: z.enum(['approvals', 'tasks', 'mesh', 'mcp', 'widgets', 'sessions', 'alerts', 'history']),
});

const frameId = z.string().min(1).max(128).optional();
const approvalId = z.string().min(1).max(128);

/** An agent asks for a decision; the relay answers with an `approval` frame now and again once it is terminal. */
export const approvalRequestFrameSchema = approvalRequestSchema.extend({ type: z.literal('approval:request'), id: frameId });
export const approvalDecideFrameSchema = decisionSchema.extend({ type: z.literal('approval:decide'), id: frameId, approvalId });
export const approvalCancelFrameSchema = cancelSchema.extend({ type: z.literal('approval:cancel'), id: frameId, approvalId });
/** Asks for an `approval` frame once the approval is terminal (immediately when it already is). */
export const approvalWatchFrameSchema = z.strictObject({ type: z.literal('approval:watch'), id: frameId, approvalId });
/** An agent starts a task; the relay answers with a `task` frame now and whenever the task is cancelled. */
export const taskStartFrameSchema = taskCreateSchema.extend({ type: z.literal('task:start'), id: frameId });
export const taskReportFrameSchema = taskUpdateSchema.extend({ type: z.literal('task:report'), id: frameId, taskId: z.string().min(1).max(128) });

/** Calls a tool of the MCP fleet; the relay answers with `mcp:call` frames (`started`, `progress`, then `result` or `error`). */
export const mcpCallFrameSchema = toolCallBodySchema.extend({ type: z.literal('mcp:call'), id: frameId, server: z.string().min(1).max(256), tool: z.string().min(1).max(256) });
/** Cancels a running call by the `callId` of its `started` line. */
export const mcpCancelFrameSchema = z.strictObject({ type: z.literal('mcp:cancel'), id: frameId, callId: z.string().min(1).max(128) });

export const clientFrameSchema = z.discriminatedUnion('type', [
  stateUpdateFrameSchema,
  ackFrameSchema,
  subscribeFrameSchema,
  approvalRequestFrameSchema,
  approvalDecideFrameSchema,
  approvalCancelFrameSchema,
  approvalWatchFrameSchema,
  taskStartFrameSchema,
  taskReportFrameSchema,
  mcpCallFrameSchema,
  mcpCancelFrameSchema,
]);
/** `dialect: 'seed'` marks a write that came in the seed's DM-11.2 shape, to be answered in that shape. */
export type StateUpdateFrame = z.output<typeof stateUpdateFrameSchema> & { dialect?: 'seed' };
export type ClientFrame = Exclude<z.output<typeof clientFrameSchema>, { type: 'state:update' }> | StateUpdateFrame;
export type EventChannel = z.output<typeof subscribeFrameSchema>['channel'];

export const CLIENT_FRAME_TYPES: readonly string[] = clientFrameSchema.options.map((o) => o.shape.type.value);

export type ErrorCode =
  | 'invalid_json'
  | 'frame_too_large'
  | 'unknown_type'
  | 'invalid_frame'
  | 'forbidden_path'
  | 'conflict'
  | 'unauthorized'
  | 'not_found'
  | 'cancelled'
  | 'too_many_tasks'
  | 'store_unavailable'
  | 'rate_limited'
  | 'internal';

/** Frames the relay sends. */
export type ServerFrame =
  | { type: 'hello'; deviceId: string; serverVersion: string }
  /** `stamps`: the accepted write of every path, so a client versions its next write of it. */
  | { type: 'state:full'; state: JsonObject; version: number; stamps: Record<string, StateStamp> }
  /**
   * A `state:full` whose text is longer than FULL_STATE_COMPRESS_BYTES, sent in its place deflated
   * (zlib format): `data` is base64 of the `state:full` frame's text, `length` that text's length
   * in UTF-16 code units.
   */
  | { type: 'state:full-deflated'; version: number; length: number; data: string }
  /** `version` is the path's version; `stateVersion` the whole document's after this change. */
  | { type: 'state:sync'; path: string; value: JsonValue; version: number; timestamp: number; sourceDeviceId: string; stateVersion: number }
  /** The state store's health (sent on connect and on every change): degraded while Redis is unreachable. */
  | { type: 'status'; store: 'file' | 'redis'; status: 'ok' | 'degraded'; detail?: string; notices: string[] }
  | { type: 'ack'; id: string; version: number; stateVersion: number }
  | { type: 'event'; channel: EventChannel; name: string; payload: JsonValue }
  | { type: 'error'; code: ErrorCode; message: string; id?: string }
  /** An approval this client asked for or watches (`id` echoes the frame that asked). */
  | { type: 'approval'; id?: string; approval: Approval }
  /** A task this client started or reports on; `status: 'cancelled'` tells the agent to stop. */
  | { type: 'task'; id?: string; task: Task }
  /** A line of a tool call this client started (`id` echoes the `mcp:call` frame). */
  | { type: 'mcp:call'; id?: string; line: McpToolCallLine };

export type ParsedFrame = { ok: true; frame: ClientFrame } | { ok: false; code: ErrorCode; message: string; id?: string };

/** Parses and validates one inbound frame; never throws. */
export function parseClientFrame(raw: string | Uint8Array, maxBytes = MAX_FRAME_BYTES): ParsedFrame {
  // A UTF-16 unit is at most 3 UTF-8 bytes, so only a long text is encoded to learn its size.
  const size = typeof raw !== 'string' ? raw.byteLength : raw.length * 3 <= maxBytes ? raw.length : new TextEncoder().encode(raw).byteLength;
  if (size > maxBytes) return { ok: false, code: 'frame_too_large', message: `frame of ${size} bytes exceeds ${maxBytes}` };
  const text = typeof raw === 'string' ? raw : new TextDecoder().decode(raw);
  if (nestsDeeperThan(text, MAX_FRAME_DEPTH)) {
    return { ok: false, code: 'invalid_frame', message: `frame is nested too deep (values may nest at most ${MAX_JSON_DEPTH} levels)` };
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return { ok: false, code: 'invalid_json', message: 'frame is not valid JSON' };
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    return { ok: false, code: 'invalid_frame', message: 'frame must be a JSON object with a "type"' };
  }
  const record = data as Record<string, unknown>;
  const id = typeof record.id === 'string' && record.id.length <= 128 ? record.id : undefined;
  if (typeof record.type !== 'string' || !CLIENT_FRAME_TYPES.includes(record.type)) {
    const named = typeof record.type === 'string' ? JSON.stringify(record.type.slice(0, 64)) : `of type ${record.type === null ? 'null' : Array.isArray(record.type) ? 'array' : typeof record.type}`;
    return { ok: false, code: 'unknown_type', message: `unknown frame type ${named}`, id };
  }
  const schema = record.type === 'state:update' && 'payload' in record ? seedStateUpdateFrameSchema : clientFrameSchema;
  const parsed = schema.safeParse(data);
  if (!parsed.success) {
    const forbidden = parsed.error.issues.some((i) => i.message === 'forbidden path segment');
    return {
      ok: false,
      code: forbidden ? 'forbidden_path' : 'invalid_frame',
      message: parsed.error.issues.map((i) => `${i.path.join('.') || '(frame)'}: ${i.message}`).join('; '),
      id,
    };
  }
  return { ok: true, frame: parsed.data };
}

/** What the webview host (extension) tells the webview in the ready handshake. */
export type HostToWebviewMessage =
  | { type: 'init'; relayUrl: string; wsUrl: string; token: string; surface: 'sidebar' | 'panel' }
  /** The postMessage bridge (when the webview cannot open the socket itself): the relay's frames, verbatim. */
  | { type: 'bridge:open' }
  | { type: 'bridge:frame'; data: string }
  | { type: 'bridge:closed'; reason: string };
export type WebviewToHostMessage =
  | { type: 'ready' }
  | { type: 'openInBrowser' }
  /** Asks the extension host to open the relay socket on the webview's behalf, as `deviceId`. */
  | { type: 'bridge:connect'; deviceId: string }
  | { type: 'bridge:send'; data: string }
  | { type: 'bridge:disconnect' };
