// How a dashboard document is written as text. Small documents are plain JSON; above the threshold
// they are compressed inside a flagged envelope, so a reader always knows what it holds. The file
// is deflated in the background (zlib's thread pool, so a large document never stalls the relay);
// Redis copies are lz-string (our faster compressor of the same format, lzCompress.ts), and files
// written as lz-string by earlier versions are still read. Every read is checked (envelope,
// decompressed length, document shape); damage is a CorruptStateError.
import { promisify } from 'node:util';
import { deflate, inflateSync } from 'node:zlib';
import LZString from 'lz-string';
import * as z from 'zod';
import { jsonValueSchema } from '../../../shared/protocol';
import { lzCompress } from './lzCompress';
import { migrate, schemaVersionOf } from './migrations';
import { CURRENT_SCHEMA_VERSION, type StateDocument } from './store';
import { canonical } from './tree';

export const COMPRESSION_THRESHOLD_BYTES = 50 * 1024;

/**
 * `utf16`: compressToUTF16, valid text for string stores (Redis). `base64`: compressToBase64, for
 * the JSON file, which stays plain ASCII.
 */
export type TextEncoding = 'utf16' | 'base64';

const FLAGS = { utf16: 'lz-string/utf16', base64: 'lz-string/base64', deflate: 'deflate/base64' } as const;

/** Largest document text a compressed envelope may expand to. */
const MAX_DECOMPRESSED_BYTES = 1024 * 1024 * 1024;

const deflateAsync = promisify(deflate);

const envelopeSchema = z.object({
  compressed: z.enum([FLAGS.utf16, FLAGS.base64, FLAGS.deflate]),
  /** Length of the JSON text before compression: a cheap check that decompression is complete. */
  length: z.number().int().nonnegative(),
  data: z.string(),
});

const stampSchema = z.object({ version: z.number().int().nonnegative(), timestamp: z.number().nonnegative(), deviceId: z.string() });

export const documentSchema = z.object({
  schemaVersion: z.literal(CURRENT_SCHEMA_VERSION),
  version: z.number().int().nonnegative(),
  state: z.record(z.string(), jsonValueSchema),
  paths: z.record(z.string(), stampSchema),
  lastModified: z.number().nonnegative(),
  resetAt: z.number().nonnegative(),
});

export class CorruptStateError extends Error {
  constructor(
    readonly where: string,
    detail: string,
  ) {
    super(`dashboard state in ${where} is unreadable: ${detail}`);
    this.name = 'CorruptStateError';
  }
}

/** JSON text, compressed and flagged when it is larger than the threshold. */
export function encodeText(json: string, encoding: TextEncoding, threshold = COMPRESSION_THRESHOLD_BYTES): string {
  if (Buffer.byteLength(json) <= threshold) return json;
  const codes = lzCompress(json);
  const data = encoding === 'utf16' ? codes.toUTF16() : codes.toBase64();
  return JSON.stringify({ compressed: FLAGS[encoding], length: json.length, data });
}

/**
 * JSON text for a file, deflated (fast level, off the event loop) and flagged when it is larger
 * than the threshold. `length` counts UTF-16 code units, as for the lz-string envelopes.
 */
export async function encodeFileText(json: string, threshold = COMPRESSION_THRESHOLD_BYTES): Promise<string> {
  if (json.length <= threshold && Buffer.byteLength(json) <= threshold) return json;
  const data = (await deflateAsync(json, { level: 1 })).toString('base64');
  return `{"compressed":"${FLAGS.deflate}","length":${json.length},"data":"${data}"}`;
}

function decompress(compressed: (typeof FLAGS)[keyof typeof FLAGS], data: string): string | null {
  if (compressed === FLAGS.utf16) return LZString.decompressFromUTF16(data);
  if (compressed === FLAGS.base64) return LZString.decompressFromBase64(data);
  try {
    return inflateSync(Buffer.from(data, 'base64'), { maxOutputLength: MAX_DECOMPRESSED_BYTES }).toString('utf8');
  } catch {
    return null;
  }
}

/** The JSON value a stored text holds, decompressing a flagged envelope. */
export function decodeText(text: string, where: string): unknown {
  let outer: unknown;
  try {
    outer = JSON.parse(text);
  } catch (error) {
    throw new CorruptStateError(where, `not JSON (${(error as Error).message})`);
  }
  if (typeof outer !== 'object' || outer === null || !('compressed' in outer)) return outer;
  const envelope = envelopeSchema.safeParse(outer);
  if (!envelope.success) throw new CorruptStateError(where, `bad compression envelope (${envelope.error.issues[0]?.message})`);
  const { compressed, length, data } = envelope.data;
  const json = decompress(compressed, data);
  if (typeof json !== 'string' || json.length !== length) throw new CorruptStateError(where, 'compressed data is damaged');
  try {
    return JSON.parse(json);
  } catch {
    throw new CorruptStateError(where, 'compressed data is damaged');
  }
}

export function encodeDocument(doc: StateDocument, encoding: TextEncoding, threshold?: number): string {
  return encodeText(JSON.stringify(doc), encoding, threshold);
}

/** Reads a stored document of the current schema; an older one must go through `migrate` first. */
export function toDocument(raw: unknown, where: string): StateDocument {
  const parsed = documentSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new CorruptStateError(where, `not a dashboard document (${issue?.path.join('.') || '(root)'}: ${issue?.message})`);
  }
  // Written by a version that kept keys in arrival order: bring it to the order every replica uses.
  return { ...parsed.data, state: canonical(parsed.data.state) };
}

/** Decodes and, in memory, upgrades a document (Redis copies; the file store migrates with a backup). */
export async function decodeDocument(text: string, where: string): Promise<StateDocument> {
  const raw = decodeText(text, where);
  return toDocument(schemaVersionOf(raw) === CURRENT_SCHEMA_VERSION ? raw : (await migrate(raw)).doc, where);
}
