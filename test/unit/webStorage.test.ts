import assert from 'node:assert/strict';
import LZString from 'lz-string';
import { COMPRESS_ABOVE_CHARS, decodeStoredText, encodeForStorage, readStored, writeStored, type TextStorage } from '../../src/webview/webStorage';

/** A realistic batch of unsent writes: notes and widget layouts, repetitive as JSON is. */
function pendingWrites(totalChars: number): unknown[] {
  const writes = [];
  for (let i = 0; JSON.stringify(writes).length < totalChars; i++) {
    writes.push({ id: `a1b2c3-${i}`, path: `widgets.w${i % 40}.layout`, value: { title: `Build ${i} — ✓ ok 🚀`, columns: i % 4, rows: [1, 2, 3] }, version: i + 1, timestamp: 1_764_000_000_000 + i });
  }
  return writes;
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** A Storage with a quota, as the browser's throws once a value does not fit (here in UTF-16 code units). */
function storageWithQuota(quotaChars: number): TextStorage & { items: Map<string, string> } {
  const items = new Map<string, string>();
  return {
    items,
    getItem: (key) => items.get(key) ?? null,
    setItem: (key, value) => {
      if (value.length + key.length > quotaChars) throw new DOMException(`Setting the value of '${key}' exceeded the quota.`, 'QuotaExceededError');
      items.set(key, value);
    },
  };
}

describe('web storage codec (lz-string above 50 KB, flagged)', () => {
  it('keeps a value below the threshold as plain JSON and reads it back', () => {
    const value = pendingWrites(10_000);
    const text = encodeForStorage(value);
    assert.equal(text, JSON.stringify(value));
    assert.deepEqual(decodeStoredText(text), { value });
  });

  it('compresses a value above the threshold with compressToUTF16 behind a flag, and reads it back', () => {
    const value = pendingWrites(COMPRESS_ABOVE_CHARS + 20_000);
    const json = JSON.stringify(value);
    const text = encodeForStorage(value);
    assert.match(text, /^lz-string\/utf16,\d+,/, 'flagged, with the JSON length');
    assert.ok(text.length < json.length / 4, `compressed to ${text.length} of ${json.length} characters`);
    const data = text.slice(text.indexOf(',', text.indexOf(',') + 1) + 1);
    assert.equal(LZString.decompressFromUTF16(data), json, "lz-string's own UTF-16 format");
    assert.deepEqual(decodeStoredText(text), { value });
  });

  it('writes the compressed form as well-formed UTF-16 (no lone surrogates), which web storage keeps as is', () => {
    for (const seed of [1, 2, 3]) {
      // Every plane of the BMP below the surrogates, and astral characters, in a cycle that compresses.
      const value = Array.from({ length: 6000 }, (_, i) => `${'\u{1F680}'.repeat((i * seed) % 5)}${String.fromCharCode(0x20 + (((i % 499) * 7919 * seed) % 0xd000))}-${i % 13}`);
      const text = encodeForStorage(value);
      assert.ok(text.startsWith('lz-string/utf16,'), 'compressed');
      assert.doesNotMatch(text, LONE_SURROGATE);
      assert.equal(text, new TextDecoder().decode(new TextEncoder().encode(text)), 'survives a UTF-8 round trip unchanged');
      assert.deepEqual(decodeStoredText(text), { value });
    }
  });

  it('reads plain JSON written before compression existed, and nothing stored as no value', () => {
    assert.deepEqual(decodeStoredText('[{"id":"x-1","path":"notes","value":1,"version":1,"timestamp":5}]'), { value: [{ id: 'x-1', path: 'notes', value: 1, version: 1, timestamp: 5 }] });
    assert.deepEqual(decodeStoredText(null), { value: undefined });
  });

  it('reports damaged data as a problem, never a throw or an empty value', () => {
    const good = encodeForStorage(pendingWrites(COMPRESS_ABOVE_CHARS + 1000));
    const damaged = [
      '[{"id":',
      good.slice(0, good.length - 200),
      good.replace(/^lz-string\/utf16,\d+,/, 'lz-string/utf16,12,'),
      'lz-string/utf16,x,abc',
      'lz-string/utf16,5,',
      `lz-string/utf16,4,${LZString.compressToUTF16('{"a"')}`,
    ];
    for (const text of damaged) {
      const read = decodeStoredText(text);
      assert.ok('problem' in read, `reported: ${text.slice(0, 30)}`);
      assert.match(read.problem, /unreadable/);
    }
  });

  it('reads and writes a storage, and reports a full storage instead of throwing', () => {
    const storage = storageWithQuota(COMPRESS_ABOVE_CHARS);
    const value = pendingWrites(COMPRESS_ABOVE_CHARS * 2);
    assert.equal(writeStored(storage, 'k', value), undefined, 'compressed, it fits');
    assert.deepEqual(readStored(storage, 'k'), { value });

    const incompressible = Array.from({ length: 20_000 }, (_, i) => ((i * 2654435761) >>> 0).toString(36));
    const problem = writeStored(storage, 'k', incompressible);
    assert.match(problem ?? '', /storage .*full/);
    assert.deepEqual(readStored(storage, 'k'), { value }, 'the last value that fitted stays');
  });

  it('reports a storage the browser refuses to open', () => {
    const refusing: TextStorage = {
      getItem: () => {
        throw new DOMException('The operation is insecure.', 'SecurityError');
      },
      setItem: () => {
        throw new DOMException('The operation is insecure.', 'SecurityError');
      },
    };
    assert.match((readStored(refusing, 'k') as { problem: string }).problem, /insecure/);
    assert.match(writeStored(refusing, 'k', []) ?? '', /insecure/);
  });
});
