// How a dashboard document is written as text. Small documents are plain JSON; above the threshold
// they are compressed inside a flagged envelope, so a reader always knows what it holds. The file
// is deflated in the background (zlib's thread pool, so a large document never stalls the relay);
// Redis copies are brotli as base64 text (bench/compression: a fifth of lz-string's size, several
// times faster). Copies earlier versions wrote in the lz-string format, in Redis or a file, are still
// read. Every read is checked (envelope, decompressed length, document shape); damage is a CorruptStateError.
import { promisify } from 'node:util';
import { brotliCompressSync, brotliDecompressSync, constants as zlib, deflate, inflateSync } from 'node:zlib';
import LZString from 'lz-string';
import * as z from 'zod';
import { jsonValueSchema } from '../../../shared/protocol';
import { SEPARATE_PART_LENGTH } from './documentText';
import { migrate, schemaVersionOf } from './migrations';
import { CURRENT_SCHEMA_VERSION, type StateDocument } from './store';
import { canonical } from './tree';

export const COMPRESSION_THRESHOLD_BYTES = 50 * 1024;

/** `lz-string/…` only in what earlier versions wrote: they are read, never written. */
const FLAGS = { utf16: 'lz-string/utf16', base64: 'lz-string/base64', deflate: 'deflate-parts/base64', brotli: 'brotli/base64' } as const;

/** Brotli's quality 4 in text mode: on the bench's 200 KB document, 5 % of the JSON in about 2 ms. */
const BROTLI_OPTIONS = { params: { [zlib.BROTLI_PARAM_QUALITY]: 4, [zlib.BROTLI_PARAM_MODE]: zlib.BROTLI_MODE_TEXT } };

/** Largest document text a compressed envelope may expand to. */
const MAX_DECOMPRESSED_BYTES = 1024 * 1024 * 1024;

const deflateAsync = promisify(deflate);

const envelopeSchema = z.union([
  z.object({
    compressed: z.enum([FLAGS.utf16, FLAGS.base64, FLAGS.brotli]),
    /** Length of the JSON text before compression: a cheap check that decompression is complete. */
    length: z.number().int().nonnegative(),
    data: z.string(),
  }),
  z.object({
    compressed: z.literal(FLAGS.deflate),
    length: z.number().int().nonnegative(),
    /** The text's parts, each deflated on its own (base64); inflated and joined, they are the text. */
    parts: z.array(z.string()),
  }),
]);

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

/** A document as text for Redis: brotli-compressed (base64) and flagged when it is larger than the threshold. */
export function encodeDocument(doc: StateDocument, threshold = COMPRESSION_THRESHOLD_BYTES): string {
  const json = JSON.stringify(doc);
  if (Buffer.byteLength(json) <= threshold) return json;
  const data = brotliCompressSync(json, BROTLI_OPTIONS).toString('base64');
  return JSON.stringify({ compressed: FLAGS.brotli, length: json.length, data });
}

/**
 * Writes JSON text for a file, given in parts (see DocumentText.documentParts): above the threshold
 * each part is deflated on its own (fast level, in zlib's thread pool, off the event loop) and the
 * deflated form of a long part is kept while the same part comes back, so a save after a write
 * compresses what the write changed, not the whole document. `length` counts UTF-16 code units.
 */
export class FileTextEncoder {
  private deflated = new Map<string, Promise<string>>();

  async encode(parts: string[], threshold = COMPRESSION_THRESHOLD_BYTES): Promise<string> {
    const length = parts.reduce((sum, part) => sum + part.length, 0);
    if (length <= threshold && Buffer.byteLength(parts.join('')) <= threshold) return parts.join('');
    const kept = new Map<string, Promise<string>>();
    const data = await Promise.all(
      parts.map((part) => {
        if (part.length < SEPARATE_PART_LENGTH) return deflateBase64(part);
        const deflated = this.deflated.get(part) ?? kept.get(part) ?? deflateBase64(part);
        kept.set(part, deflated);
        return deflated;
      }),
    );
    this.deflated = kept;
    return `{"compressed":"${FLAGS.deflate}","length":${length},"parts":${JSON.stringify(data)}}`;
  }
}

async function deflateBase64(text: string): Promise<string> {
  return (await deflateAsync(text, { level: 1 })).toString('base64');
}

function decompress(envelope: z.output<typeof envelopeSchema>): string | null {
  if ('data' in envelope) {
    if (envelope.compressed === FLAGS.utf16) return LZString.decompressFromUTF16(envelope.data);
    if (envelope.compressed === FLAGS.base64) return LZString.decompressFromBase64(envelope.data);
    try {
      return brotliDecompressSync(Buffer.from(envelope.data, 'base64'), { maxOutputLength: MAX_DECOMPRESSED_BYTES }).toString('utf8');
    } catch {
      return null;
    }
  }
  let budget = MAX_DECOMPRESSED_BYTES;
  try {
    return envelope.parts
      .map((part) => {
        const text = inflateSync(Buffer.from(part, 'base64'), { maxOutputLength: budget });
        budget -= text.length;
        return text.toString('utf8');
      })
      .join('');
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
  const { length } = envelope.data;
  const json = decompress(envelope.data);
  if (typeof json !== 'string' || json.length !== length) throw new CorruptStateError(where, 'compressed data is damaged');
  try {
    return JSON.parse(json);
  } catch {
    throw new CorruptStateError(where, 'compressed data is damaged');
  }
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
