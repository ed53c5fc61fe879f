// Secret redaction for everything an agent sends to the approval desk (titles, descriptions,
// arguments, comments) before it is stored, shown or written to the audit log. The input is
// untrusted and can be a megabyte, so nothing here uses a backtracking pattern: the text is cut
// into atoms in one pass and every rule looks at a bounded neighbourhood of one atom or one
// separator, which keeps the whole scan linear in the length of the text.
import type { JsonValue } from './json';

export const REDACTED = '[redacted]';

/** Strings longer than this are not scanned but replaced whole (the HTTP body cap is lower). */
export const MAX_SCANNED_CHARS = 2 * 1024 * 1024;

// ---- keys -------------------------------------------------------------------------------------

/** Words that make a key secret wherever they appear inside one of its words (`passwordConfirm`, `DBPASSWORD`). */
const SECRET_STEMS = ['password', 'passwd', 'passphrase', 'secret', 'credential', 'apikey', 'privatekey', 'accesskey', 'authorization', 'token'];
/** Words that make a key secret only as a whole word (`auth` but not `author`). */
const SECRET_WORDS = new Set(['pass', 'pwd', 'auth', 'cookie', 'cookies', 'bearer', 'jwt', 'otp', 'sessionid', 'sid']);
/** Words containing a stem that are not secrets. */
const NOT_SECRET_WORDS = new Set(['tokenizer', 'tokenize', 'tokenized', 'tokenization', 'tokens']);
/** `key` and `id` are secret after these words (`apiKey`, `x-api-key`, `sessionId`). */
const SECRET_PAIRS: Record<string, ReadonlySet<string>> = {
  key: new Set(['api', 'access', 'private', 'secret', 'signing', 'encryption', 'master', 'ssh', 'client', 'license']),
  id: new Set(['session']),
};
/** A key ending in one of these describes a secret without holding it (`secretName`, `passwordPolicyUrl`). */
const DESCRIBING_LAST_WORDS = new Set(['name', 'names', 'url', 'uri', 'policy', 'length', 'count', 'type', 'kind', 'hint', 'label', 'field', 'format', 'expiry', 'expires', 'expiration', 'ttl', 'limit', 'version', 'provider', 'file', 'path']);
/** A key starting with one of these counts something (`maxTokens`). */
const COUNTING_FIRST_WORDS = new Set(['max', 'min', 'num', 'total']);

/** Splits `passwordConfirm`, `x-api-key`, `APIKey`, `db_password2` into lower-case words, in one pass. */
export function keyWords(key: string): string[] {
  const out: string[] = [];
  let start = -1;
  for (let i = 0; i <= key.length; i += 1) {
    const c = key[i] ?? '';
    if (!isAlnum(c)) {
      if (start >= 0) out.push(key.slice(start, i).toLowerCase());
      start = -1;
      continue;
    }
    const previous = key[i - 1] ?? '';
    const startsWord = isUpper(c) && start >= 0 && (isLower(previous) || isDigit(previous) || (isUpper(previous) && isLower(key[i + 1] ?? '')));
    if (startsWord) out.push(key.slice(start, i).toLowerCase());
    if (start < 0 || startsWord) start = i;
  }
  return out;
}

export function isSecretKey(key: string): boolean {
  const words = keyWords(key);
  if (words.length === 0) return false;
  if (DESCRIBING_LAST_WORDS.has(words[words.length - 1]) || COUNTING_FIRST_WORDS.has(words[0])) return false;
  return words.some((word, i) => {
    if (NOT_SECRET_WORDS.has(word)) return false;
    if (SECRET_WORDS.has(word) || SECRET_STEMS.some((stem) => word.includes(stem))) return true;
    return i > 0 && (SECRET_PAIRS[word]?.has(words[i - 1]) ?? false);
  });
}

// ---- text -------------------------------------------------------------------------------------

type Span = [start: number, end: number];

interface Atom {
  start: number;
  end: number;
}

/** Characters that make up atoms: tokens, key names, base64 and hex runs. Everything else separates. */
function isAtomChar(c: string): boolean {
  return isAlnum(c) || c === '_' || c === '-' || c === '+' || c === '/' || c === '~';
}

function atomsOf(text: string): Atom[] {
  const atoms: Atom[] = [];
  let start = -1;
  for (let i = 0; i <= text.length; i += 1) {
    const inside = i < text.length && isAtomChar(text[i]);
    if (inside && start < 0) start = i;
    if (!inside && start >= 0) {
      atoms.push({ start, end: i });
      start = -1;
    }
  }
  return atoms;
}

const QUOTES = '"\'`';
/** A longer atom is not a key name. */
const MAX_KEY_CHARS = 128;
const VALUE_ENDS = ' \t\r\n,;&)]}<>';

/**
 * Where the secrets in `text` are: known token shapes, `key=value` and `"key": "value"` pairs with a
 * secret key, a credential after `Bearer`/`Basic`, long hex or base64 shortly after a secret word,
 * URL credentials, PEM private keys, and any of `known` (for instance the relay's own token).
 */
export function findSecrets(text: string, known: readonly string[] = []): Span[] {
  const spans: Span[] = [];
  const atoms = atomsOf(text);
  /** Atoms below this index are already inside a redacted span. */
  let covered = 0;
  let secretWordWindow = 0;
  for (let k = 0; k < atoms.length; k += 1) {
    if (k < covered) continue;
    const atom = atoms[k];
    const length = atom.end - atom.start;
    const gap = k + 1 < atoms.length ? text.slice(atom.end, atoms[k + 1].start) : text.slice(atom.end);
    const shape = length < MIN_SHAPE_CHARS ? k : tokenShapeEnd(atoms, k, text);
    if (shape > k) {
      spans.push([atom.start, atoms[shape - 1].end]);
      covered = shape;
      continue;
    }
    if (secretWordWindow > 0) {
      secretWordWindow -= 1;
      if (length >= 16 && isLongHexOrBase64(text.slice(atom.start, atom.end))) {
        spans.push([atom.start, atom.end]);
        continue;
      }
    }
    if ((length === 5 || length === 6) && isCredentialScheme(text.slice(atom.start, atom.end)) && isBlank(gap) && k + 1 < atoms.length) {
      const end = credentialRunEnd(atoms, k + 1, text);
      if (atoms[end - 1].end - atoms[k + 1].start >= 8) {
        spans.push([atoms[k + 1].start, atoms[end - 1].end]);
        covered = end;
      }
      continue;
    }
    if (length < MIN_KEY_CHARS || length > MAX_KEY_CHARS || !isSecretKey(text.slice(atom.start, atom.end))) continue;
    const assigned = assignedValue(text, atom.end, gap);
    if (assigned) {
      spans.push(assigned);
      while (covered < atoms.length && atoms[covered].start < assigned[1]) covered += 1;
      continue;
    }
    secretWordWindow = 3;
  }
  spans.push(...urlCredentials(text), ...privateKeys(text));
  for (const secret of known) if (secret.length >= 8) spans.push(...occurrences(text, secret));
  return merge(spans);
}

/** The shortest token shape (`eyJ` and eight characters). */
const MIN_SHAPE_CHARS = 11;
/** The shortest secret key word (`pwd`, `jwt`). */
const MIN_KEY_CHARS = 3;

/** The atom index just past a known token shape starting at atom `k`, or `k` when there is none. */
function tokenShapeEnd(atoms: Atom[], k: number, text: string): number {
  const t = text.slice(atoms[k].start, atoms[k].end);
  if (/^sk-/i.test(t) && t.length >= 19 && onlyChars(t, 3, isKeyChar)) return k + 1;
  if (t.length >= 34 && t[0] === 'g' && t[1] === 'h' && 'pousr'.includes(t[2]) && t[3] === '_' && onlyChars(t, 4, isAlnum)) return k + 1;
  if (t.startsWith('github_pat_') && t.length >= 31) return k + 1;
  if (t.length >= 14 && t.startsWith('xox') && 'abprs'.includes(t[3]) && t[4] === '-') return k + 1;
  if (t.length === 20 && (t.startsWith('AKIA') || t.startsWith('ASIA')) && onlyChars(t, 4, (c) => isUpper(c) || isDigit(c))) return k + 1;
  if (t.startsWith('eyJ') && t.length >= 11 && k + 2 < atoms.length) {
    const [payload, signature] = [atoms[k + 1], atoms[k + 2]];
    const dotted = text.slice(atoms[k].end, payload.start) === '.' && text.slice(payload.end, signature.start) === '.';
    if (dotted && payload.end - payload.start >= 8 && signature.end - signature.start >= 8) return k + 3;
  }
  return k;
}

/** `password=hunter2`, `token: "abc"`, `"apiKey": "…"`: the value's span, or undefined when the key is not assigned. */
function assignedValue(text: string, keyEnd: number, gap: string): Span | undefined {
  let i = 0;
  while (i < gap.length && QUOTES.includes(gap[i])) i += 1;
  while (i < gap.length && isBlank(gap[i])) i += 1;
  const operator = gap[i];
  if (operator !== '=' && operator !== ':') return undefined;
  i += 1;
  let spaced = false;
  while (i < gap.length && isBlank(gap[i])) {
    spaced = true;
    i += 1;
  }
  const quote = QUOTES.includes(gap[i] ?? '') ? gap[i] : undefined;
  const start = keyEnd + i + (quote ? 1 : 0);
  let end = start;
  if (quote) {
    end = text.indexOf(quote, start);
    if (end < 0) end = text.length;
  } else {
    while (end < text.length && !VALUE_ENDS.includes(text[end]) && !QUOTES.includes(text[end])) end += 1;
  }
  if (end === start) return undefined;
  // "the password: the user forgot it" is prose, not an assignment.
  if (operator === ':' && spaced && !quote && isPlainWord(text, start, end)) return undefined;
  return [start, end];
}

/** Atoms joined by `.` or `=` only (a bearer token, a base64 credential). */
function credentialRunEnd(atoms: Atom[], k: number, text: string): number {
  let end = k + 1;
  while (end < atoms.length && /^[.=]+$/.test(text.slice(atoms[end - 1].end, atoms[end].start).slice(0, 4))) end += 1;
  return end;
}

/** `scheme://user:password@host`: the `user:password` part. Each `://` looks only up to the next `/`. */
function urlCredentials(text: string): Span[] {
  const spans: Span[] = [];
  for (let at = text.indexOf('://'); at >= 0; at = text.indexOf('://', at + 3)) {
    const start = at + 3;
    let colon = -1;
    let atSign = -1;
    for (let i = start; i < text.length && text[i] !== '/' && !isBlank(text[i]); i += 1) {
      if (text[i] === '@') atSign = i;
      else if (text[i] === ':' && atSign < 0) colon = i;
    }
    if (colon > start && atSign > colon) spans.push([start, atSign]);
  }
  return spans;
}

/** `-----BEGIN … PRIVATE KEY-----` through its END line (or the end of the text). */
function privateKeys(text: string): Span[] {
  const spans: Span[] = [];
  for (let at = text.indexOf('-----BEGIN '); at >= 0; at = text.indexOf('-----BEGIN ', at + 11)) {
    const header = text.slice(at, at + 80);
    const headerEnd = header.indexOf('-----', 11);
    if (headerEnd < 0 || !header.slice(0, headerEnd).endsWith('PRIVATE KEY')) continue;
    const footer = text.indexOf('-----END', at + headerEnd + 5);
    const footerEnd = footer < 0 ? -1 : text.indexOf('-----', footer + 8);
    const end = footerEnd < 0 ? text.length : footerEnd + 5;
    spans.push([at, end]);
    at = end - 11;
  }
  return spans;
}

function occurrences(text: string, secret: string): Span[] {
  const spans: Span[] = [];
  for (let at = text.indexOf(secret); at >= 0; at = text.indexOf(secret, at + secret.length)) spans.push([at, at + secret.length]);
  return spans;
}

function merge(spans: Span[]): Span[] {
  spans.sort((a, b) => a[0] - b[0]);
  const out: Span[] = [];
  for (const span of spans) {
    const last = out[out.length - 1];
    if (last && span[0] <= last[1]) last[1] = Math.max(last[1], span[1]);
    else out.push([span[0], span[1]]);
  }
  return out;
}

function isCredentialScheme(word: string): boolean {
  const lower = word.toLowerCase();
  return lower === 'bearer' || lower === 'basic';
}

function isLongHexOrBase64(t: string): boolean {
  if (t.length >= 16 && onlyChars(t, 0, isHex)) return true;
  if (t.length < 20) return false;
  let digits = 0;
  let letters = 0;
  for (const c of t) {
    if (isDigit(c)) digits += 1;
    else if (isAlnum(c)) letters += 1;
    else if (c !== '+' && c !== '/' && c !== '_' && c !== '-') return false;
  }
  return digits > 0 && letters > 0;
}

/** A short run of letters only, like an ordinary word in a sentence. */
function isPlainWord(text: string, start: number, end: number): boolean {
  if (end - start >= 12) return false;
  for (let i = start; i < end; i += 1) if (!isLower(text[i]) && !isUpper(text[i])) return false;
  return true;
}

function onlyChars(t: string, from: number, test: (c: string) => boolean): boolean {
  for (let i = from; i < t.length; i += 1) if (!test(t[i])) return false;
  return true;
}

const isLower = (c: string) => c >= 'a' && c <= 'z';
const isUpper = (c: string) => c >= 'A' && c <= 'Z';
const isDigit = (c: string) => c >= '0' && c <= '9';
const isAlnum = (c: string) => isLower(c) || isUpper(c) || isDigit(c);
const isHex = (c: string) => isDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
const isKeyChar = (c: string) => isAlnum(c) || c === '_' || c === '-';
const isBlank = (s: string) => s.trim() === '';

// ---- redaction --------------------------------------------------------------------------------

export function looksSecret(value: string, known: readonly string[] = []): boolean {
  return value.length > MAX_SCANNED_CHARS || findSecrets(value, known).length > 0;
}

/** Free text with each secret replaced by `[redacted]` and the rest kept readable. */
export function redactText(text: string, known: readonly string[] = []): string {
  if (text.length > MAX_SCANNED_CHARS) return REDACTED;
  const spans = findSecrets(text, known);
  if (spans.length === 0) return text;
  let out = '';
  let from = 0;
  for (const [start, end] of spans) {
    out += text.slice(from, start) + REDACTED;
    from = end;
  }
  return out + text.slice(from);
}

/**
 * A copy of `value` where values under secret-looking keys, and whole strings that contain a
 * secret, are replaced by `[redacted]` (an argument is a value, not prose: none of it is kept).
 */
export function redactSecrets<T extends JsonValue>(value: T, known?: readonly string[]): T;
export function redactSecrets(value: JsonValue, known: readonly string[] = []): JsonValue {
  if (typeof value === 'string') return looksSecret(value, known) ? REDACTED : value;
  if (Array.isArray(value)) return value.map((v) => redactSecrets(v, known));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, JsonValue> = {};
    for (const [key, inner] of Object.entries(value)) {
      out[key] = isSecretKey(key) && inner !== null && inner !== '' ? REDACTED : redactSecrets(inner, known);
    }
    return out;
  }
  return value;
}
