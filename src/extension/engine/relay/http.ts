import type { IncomingMessage, ServerResponse } from 'node:http';
import type { z } from 'zod';
import type { ApiErrorBody } from '../../../shared/api';

export const MAX_BODY_BYTES = 1024 * 1024;
/** Longest request target the relay reads (414 past it). */
export const MAX_URL_BYTES = 16 * 1024;
/** Most header bytes the relay reads (431 past it); the parser itself stops at `PARSER_MAX_HEADER_BYTES`. */
export const MAX_HEADER_BYTES = 32 * 1024;
export const PARSER_MAX_HEADER_BYTES = 64 * 1024;

/** Sent on every answer: no sniffing, no Referer, never framed. */
export const PROTECTIVE_HEADERS: Readonly<Record<string, string>> = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
};

const bodyLimits = new WeakMap<IncomingMessage, number>();

/** The body limit of the route `req` is for; `readJsonBody` enforces it. */
export function limitBody(req: IncomingMessage, maxBytes: number): void {
  bodyLimits.set(req, maxBytes);
}

export function hasBody(req: IncomingMessage): boolean {
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

/** True for `application/json` with any parameters (e.g. `; charset=utf-8`). */
export function isJsonContentType(value: string | undefined): boolean {
  return value !== undefined && value.split(';')[0].trim().toLowerCase() === 'application/json';
}

/** Sum of the header names and values as received. */
export function headerBytes(req: IncomingMessage): number {
  let total = 0;
  for (const part of req.rawHeaders) total += part.length;
  return total;
}

/** An error that becomes an HTTP answer `{ error: { code, message } }`. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Aborted when the caller hangs up before its answer is written. A finished answer aborts nothing:
 * every abort builds a DOMException, a cost each hook POST paid for nothing.
 */
export function hangUpSignal(res: ServerResponse): AbortSignal {
  const controller = new AbortController();
  res.once('close', () => {
    if (!res.writableFinished) controller.abort();
  });
  return controller.signal;
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const payload = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(payload),
    'cache-control': 'no-store',
    ...headers,
  });
  res.end(payload);
}

export function sendError(res: ServerResponse, error: HttpError, headers: Record<string, string> = {}): void {
  const body: ApiErrorBody = { error: { code: error.code, message: error.message } };
  sendJson(res, error.status, body, headers);
}

/** Reads a JSON body with the route's size cap; an empty body reads as `{}`. */
export async function readJsonBody(req: IncomingMessage, maxBytes = bodyLimits.get(req) ?? MAX_BODY_BYTES): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > maxBytes) throw new HttpError(413, 'body_too_large', `request body exceeds ${maxBytes} bytes`);
    chunks.push(chunk as Buffer);
  }
  if (size === 0) return {};
  const text = Buffer.concat(chunks).toString('utf8');
  try {
    return JSON.parse(text);
  } catch {
    throw new HttpError(400, 'invalid_json', 'request body is not valid JSON');
  }
}

/** Validates a value against a schema or throws a 400 naming every problem. */
export function validate<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const message = parsed.error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; ');
    throw new HttpError(400, 'invalid_request', message);
  }
  return parsed.data;
}
