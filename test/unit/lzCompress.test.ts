import { strict as assert } from 'node:assert';
import LZString from 'lz-string';
import { lzCompress } from '../../src/extension/engine/state/lzCompress';

/** Deterministic pseudo-random text over `alphabet` code units, so a failure is reproducible. */
function randomText(length: number, alphabet: number, seed: number): string {
  let state = seed;
  const codes: number[] = [];
  for (let i = 0; i < length; i++) {
    state = (Math.imul(state, 1_103_515_245) + 12_345) >>> 0;
    codes.push(state % alphabet);
  }
  return String.fromCharCode(...codes);
}

const dashboardJson = JSON.stringify({
  widgets: Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`build-${i}`, { title: `Build #${i}`, status: i % 7 ? 'passed' : 'failed', steps: ['lint', 'test'].map((step) => ({ step, ms: (i * 37) % 900 })) }])),
  notes: { text: 'Déploiement gelé — reviewer 👀 owns the checklist' },
});

const inputs: Record<string, string> = {
  empty: '',
  'one character': 'a',
  'two equal characters': 'aa',
  'a short repeat': 'abababababab',
  'a long run of one character': 'x'.repeat(100_000),
  'random ASCII': randomText(20_000, 128, 1),
  'random Latin-1 (8-bit literals)': randomText(20_000, 256, 2),
  'random BMP (16-bit literals)': randomText(5_000, 65_536, 3),
  'emoji (surrogate pairs)': '😀🚀✅'.repeat(2_000),
  'dashboard JSON': dashboardJson,
};

describe('lzCompress (the lz-string format, faster)', () => {
  for (const [name, input] of Object.entries(inputs)) {
    it(`writes exactly what lz-string writes, and lz-string reads it back: ${name}`, () => {
      const codes = lzCompress(input);
      const base64 = codes.toBase64();
      const utf16 = codes.toUTF16();
      assert.equal(base64, LZString.compressToBase64(input));
      assert.equal(utf16, LZString.compressToUTF16(input));
      if (input.length > 0) {
        assert.equal(LZString.decompressFromBase64(base64), input);
        assert.equal(LZString.decompressFromUTF16(utf16), input);
      }
    });
  }

  it('keeps phrases lz-string cannot (object-key names like __proto__) and still round-trips', () => {
    const input = '{"__proto__":{"constructor":"hasOwnProperty"}}'.repeat(500);
    assert.equal(LZString.decompressFromBase64(lzCompress(input).toBase64()), input);
    assert.equal(LZString.decompressFromUTF16(lzCompress(input).toUTF16()), input);
  });

  it('writes UTF-16 text of printable, non-surrogate code units only', () => {
    const utf16 = lzCompress(randomText(50_000, 65_536, 4)).toUTF16();
    for (let i = 0; i < utf16.length; i++) {
      const unit = utf16.charCodeAt(i);
      assert.ok(unit >= 32 && unit < 0xd800, `code unit ${unit} at ${i}`);
    }
  });
});
