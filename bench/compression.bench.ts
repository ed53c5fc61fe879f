// Compression of a realistic ~200 KB dashboard document: lz-string (the format earlier versions
// stored) beside node:zlib's deflate, gzip and brotli, in the encodings the stores keep (base64 text)
// and as raw bytes. These figures chose the server-side formats: brotli for Redis, deflate for the file.
// Ratio = stored bytes / JSON bytes (UTF-16 output is stored as UTF-8 by Redis, counted so).
import { brotliCompressSync, brotliDecompressSync, constants as zlibConstants, deflateSync, gunzipSync, gzipSync, inflateSync } from 'node:zlib';
import LZString from 'lz-string';
import { emptyDocument, type StateDocument } from '../src/extension/engine/state/store';
import type { Bench, BenchCase } from './run';

const TARGET_BYTES = 200 * 1024;
const RUNS = 15;

/** A busy session's document: widgets with histories, task progress, approvals, layout and notes. */
export function realisticDocument(targetBytes = TARGET_BYTES): StateDocument {
  const doc = emptyDocument(1_763_700_000_000);
  const agents = ['planner', 'reviewer', 'researcher', 'builder'];
  const widgets: Record<string, StateDocument['state'][string]> = {};
  const tasks: Record<string, StateDocument['state'][string]> = {};
  const approvals: StateDocument['state'][string][] = [];
  let i = 0;
  const size = () => JSON.stringify(doc).length;
  doc.state = { layout: { columns: 3, collapsed: ['mesh'], order: ['approvals', 'tasks', 'widgets', 'mcp', 'mesh'] }, notes: { text: 'Deploy freeze from 17:00; reviewer owns the release checklist.' }, widgets, tasks, approvals };
  while (size() < targetBytes) {
    const agent = agents[i % agents.length];
    widgets[`build-${i}`] = {
      type: i % 2 ? 'progress' : 'table',
      title: `Build #${1200 + i} (${agent})`,
      data: { status: i % 7 === 0 ? 'failed' : 'passed', durationMs: 41_000 + ((i * 7919) % 30_000), steps: ['install', 'lint', 'test', 'package'].map((step, s) => ({ step, ms: 800 + ((i * 31 + s * 97) % 9000), ok: !(i % 7 === 0 && s === 2) })) },
    };
    tasks[`task-${i}`] = { agent, title: `Summarise PR ${4000 + i}`, progress: (i * 13) % 101, steps: [{ name: 'fetch diff', weight: 1, done: true }, { name: 'review', weight: 3, done: i % 3 !== 0 }], updatedAt: 1_763_700_000_000 + i * 1000 };
    approvals.push({ id: `apr-${i}`, title: `Run migration on staging (${agent})`, risk: ['low', 'medium', 'high'][i % 3], confidence: 40 + (i % 60), status: ['approved', 'rejected', 'expired'][i % 3], decidedBy: 'alice', comment: i % 4 ? null : 'only after the backup finished' });
    doc.paths[`widgets.build-${i}`] = { version: 1 + (i % 5), timestamp: 1_763_700_000_000 + i * 1000, deviceId: `vscode-${agent}` };
    i++;
  }
  doc.version = i;
  return doc;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

function time<T>(fn: () => T): { ms: number; result: T } {
  const start = process.hrtime.bigint();
  const result = fn();
  return { ms: Number(process.hrtime.bigint() - start) / 1e6, result };
}

type Codec = { compress(s: string): string | Uint8Array; decompress(d: string | Uint8Array): string | null; bytes(d: string | Uint8Array): number };

const CODECS: Record<string, Codec> = {
  'lz-string, utf16 (Redis before)': { compress: LZString.compressToUTF16, decompress: (d) => LZString.decompressFromUTF16(d as string), bytes: (out) => Buffer.byteLength(out as string, 'utf8') },
  'lz-string, base64': { compress: LZString.compressToBase64, decompress: (d) => LZString.decompressFromBase64(d as string), bytes: (out) => out.length },
  'zlib deflate level 1, base64 (file)': base64Of(zlibCodec((s) => deflateSync(s, { level: 1 }), inflateSync)),
  'zlib brotli quality 4, base64 (Redis)': base64Of(zlibCodec((s) => brotliCompressSync(s, brotliQuality(4)), brotliDecompressSync)),
  'zlib gzip level 6 (raw bytes)': zlibCodec((s) => gzipSync(s), gunzipSync),
  'zlib brotli quality 11 (raw bytes)': zlibCodec((s) => brotliCompressSync(s, brotliQuality(11)), brotliDecompressSync),
};

function brotliQuality(quality: number) {
  return { params: { [zlibConstants.BROTLI_PARAM_QUALITY]: quality, [zlibConstants.BROTLI_PARAM_MODE]: zlibConstants.BROTLI_MODE_TEXT } };
}

function zlibCodec(compress: (s: string) => Buffer, decompress: (b: Buffer) => Buffer): Codec {
  return { compress, decompress: (d) => decompress(d as Buffer).toString('utf8'), bytes: (out) => (out as Buffer).length };
}

/** Base64 text of a byte codec's output: what a text-only store (a JSON file, a Redis string read as text) holds. */
function base64Of(codec: Codec): Codec {
  return {
    compress: (s) => Buffer.from(codec.compress(s) as Buffer).toString('base64'),
    decompress: (d) => codec.decompress(Buffer.from(d as string, 'base64')),
    bytes: (out) => (out as string).length,
  };
}

const bench: Bench = {
  name: 'compression',
  async run() {
    const json = JSON.stringify(realisticDocument());
    const jsonBytes = Buffer.byteLength(json);
    const cases: BenchCase[] = [];
    const results = new Map<string, { ratio: number; compressMs: number }>();
    for (const [label, codec] of Object.entries(CODECS)) {
      const compressMs: number[] = [];
      const decompressMs: number[] = [];
      let stored: string | Uint8Array = '';
      for (let run = 0; run < RUNS; run++) {
        const c = time(() => codec.compress(json));
        compressMs.push(c.ms);
        stored = c.result;
        const d = time(() => codec.decompress(stored));
        decompressMs.push(d.ms);
        if (d.result !== json) throw new Error(`${label} did not round-trip`);
      }
      const ratio = codec.bytes(stored) / jsonBytes;
      results.set(label, { ratio, compressMs: median(compressMs) });
      cases.push({ label, metrics: { jsonKB: jsonBytes / 1024, storedKB: codec.bytes(stored) / 1024, ratio, compressMs: median(compressMs), decompressMs: median(decompressMs) } });
    }
    const get = (label: string) => results.get(label)!;
    const redis = get('zlib brotli quality 4, base64 (Redis)');
    const before = get('lz-string, utf16 (Redis before)');
    return {
      name: 'compression',
      description: `A ${(jsonBytes / 1024).toFixed(0)} KB dashboard document (widgets, tasks, approvals, stamps); median of ${RUNS} runs. Stores compress above 50 KB: Redis copies with brotli (quality 4, text mode) as base64, the file with deflate (level 1) in parts, both from node:zlib; earlier versions wrote lz-string, which is still read.`,
      cases,
      ratios: {
        'size Redis (brotli, base64) vs JSON': redis.ratio,
        'size file (deflate, base64) vs JSON': get('zlib deflate level 1, base64 (file)').ratio,
        'Redis size: brotli vs lz-string utf16': redis.ratio / before.ratio,
        'Redis compress speed: brotli vs lz-string utf16': before.compressMs / redis.compressMs,
      },
      figures: {
        'compress 200 KB for Redis (ms)': redis.compressMs,
        'compress 200 KB for the file (ms)': get('zlib deflate level 1, base64 (file)').compressMs,
      },
      targets: {
        'size Redis (brotli, base64) vs JSON': '≤ 0.4',
        'size file (deflate, base64) vs JSON': '≤ 0.4',
        'compress 200 KB for Redis (ms)': '< 10',
        'compress 200 KB for the file (ms)': '< 10',
      },
    };
  },
};

export default bench;
