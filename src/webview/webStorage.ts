// How the browser dashboard keeps a value in web storage (sessionStorage): JSON, and above the
// threshold lz-string's `compressToUTF16` behind a flag, so that loading knows which it holds and a
// large batch of unsent writes stays well inside the origin's quota. compressToUTF16 packs 15 bits
// into each character from U+0020 to U+801F, never a surrogate, so the text is well-formed UTF-16
// that web storage keeps as is. Damage and a full storage come back as a problem to show, never a throw.
import LZString from 'lz-string';

/** Web storage counts UTF-16 code units, so the threshold does too: 50 K of them. */
export const COMPRESS_ABOVE_CHARS = 50 * 1024;

/** `lz-string/utf16,<length of the JSON>,<data>`; JSON text never starts with `l`, so old plain values read as before. */
const COMPRESSED_PREFIX = 'lz-string/utf16,';
const COMPRESSED_HEADER = /^lz-string\/utf16,(\d{1,10}),/;

/** The little of a `Storage` used here. */
export type TextStorage = Pick<Storage, 'getItem' | 'setItem'>;

/** What was stored (`undefined` when nothing was), or why it cannot be read. */
export type StoredValue = { value: unknown } | { problem: string };

export function encodeForStorage(value: unknown): string {
  const json = JSON.stringify(value);
  if (json.length <= COMPRESS_ABOVE_CHARS) return json;
  const compressed = `${COMPRESSED_PREFIX}${json.length},${LZString.compressToUTF16(json)}`;
  // Data that does not compress (already random) is kept plain: the flag is only worth its gain.
  return compressed.length < json.length ? compressed : json;
}

export function decodeStoredText(text: string | null): StoredValue {
  if (text === null) return { value: undefined };
  let json: string | null = text;
  if (text.startsWith(COMPRESSED_PREFIX)) {
    const header = COMPRESSED_HEADER.exec(text);
    if (!header) return unreadable('the compressed header is damaged');
    json = LZString.decompressFromUTF16(text.slice(header[0].length));
    // The length is a cheap check that decompression gave the whole text back.
    if (json === null || json.length !== Number(header[1])) return unreadable('the compressed data is damaged');
  }
  try {
    return { value: JSON.parse(json) as unknown };
  } catch (error) {
    return unreadable(errorMessage(error));
  }
}

export function readStored(storage: TextStorage, key: string): StoredValue {
  let text: string | null;
  try {
    text = storage.getItem(key);
  } catch (error) {
    return unreadable(`the browser refused to read it (${errorMessage(error)})`);
  }
  return decodeStoredText(text);
}

/** Undefined once stored; else why not. A value that did not fit leaves the previous one in place. */
export function writeStored(storage: TextStorage, key: string, value: unknown): string | undefined {
  try {
    storage.setItem(key, encodeForStorage(value));
    return undefined;
  } catch (error) {
    if (error instanceof DOMException && error.name === 'QuotaExceededError') return "the browser's storage for this page is full";
    return `the browser refused to store it (${errorMessage(error)})`;
  }
}

function unreadable(detail: string): StoredValue {
  return { problem: `unreadable: ${detail}` };
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
