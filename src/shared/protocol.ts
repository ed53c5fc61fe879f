// The one typed protocol between the relay and every dashboard (webview, browser, test client).
// Inbound frames are validated with these schemas at the edge; outbound frames are built from the
// same types, so host and webview cannot drift apart.
import { z } from 'zod';

/** Largest inbound WebSocket frame the relay accepts, in bytes. */
export const MAX_FRAME_BYTES = 1024 * 1024;

/** Path segments that could reach an object's prototype and are refused everywhere. */
export const FORBIDDEN_PATH_SEGMENTS: ReadonlySet<string> = new Set(['__proto__', 'prototype', 'constructor']);

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

export const jsonValueSchema: z.ZodType<JsonValue> = z.lazy(() =>
  z.union([z.string(), z.number(), z.boolean(), z.null(), z.array(jsonValueSchema), z.record(z.string(), jsonValueSchema)]),
);
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

export const stateUpdateFrameSchema = z.object({
  type: z.literal('state:update'),
  id: z.string().min(1).max(128).optional(),
  path: statePathSchema,
  value: jsonValueSchema,
  version: z.number().int().nonnegative(),
  timestamp: z.number().nonnegative(),
});

export const ackFrameSchema = z.object({ type: z.literal('ack'), id: z.string().min(1).max(128) });

export const subscribeFrameSchema = z.object({
  type: z.literal('subscribe'),
  channel: z.enum(['approvals', 'tasks', 'mesh', 'mcp', 'widgets']),
});

export const clientFrameSchema = z.discriminatedUnion('type', [stateUpdateFrameSchema, ackFrameSchema, subscribeFrameSchema]);
export type ClientFrame = z.output<typeof clientFrameSchema>;
export type StateUpdateFrame = z.output<typeof stateUpdateFrameSchema>;
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
  | 'internal';

/** Frames the relay sends. */
export type ServerFrame =
  | { type: 'hello'; deviceId: string; serverVersion: string }
  | { type: 'state:full'; state: JsonObject; version: number }
  | { type: 'state:sync'; path: string; value: JsonValue; version: number; sourceDeviceId: string }
  | { type: 'ack'; id: string; version: number }
  | { type: 'event'; channel: EventChannel; name: string; payload: JsonValue }
  | { type: 'error'; code: ErrorCode; message: string; id?: string };

export type ParsedFrame = { ok: true; frame: ClientFrame } | { ok: false; code: ErrorCode; message: string; id?: string };

/** Parses and validates one inbound frame; never throws. */
export function parseClientFrame(raw: string | Buffer, maxBytes = MAX_FRAME_BYTES): ParsedFrame {
  const size = typeof raw === 'string' ? Buffer.byteLength(raw) : raw.length;
  if (size > maxBytes) return { ok: false, code: 'frame_too_large', message: `frame of ${size} bytes exceeds ${maxBytes}` };
  let data: unknown;
  try {
    data = JSON.parse(raw.toString());
  } catch {
    return { ok: false, code: 'invalid_json', message: 'frame is not valid JSON' };
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    return { ok: false, code: 'invalid_frame', message: 'frame must be a JSON object with a "type"' };
  }
  const record = data as Record<string, unknown>;
  const id = typeof record.id === 'string' ? record.id : undefined;
  if (typeof record.type !== 'string' || !CLIENT_FRAME_TYPES.includes(record.type)) {
    return { ok: false, code: 'unknown_type', message: `unknown frame type ${JSON.stringify(record.type ?? null)}`, id };
  }
  const parsed = clientFrameSchema.safeParse(data);
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
export type HostToWebviewMessage = { type: 'init'; relayUrl: string; wsUrl: string; token: string; surface: 'sidebar' | 'panel' };
export type WebviewToHostMessage = { type: 'ready' } | { type: 'openInBrowser' };
