// A small JSON-with-comments parser that keeps every value's position, so problems in mcp.json can
// point at a line and column (VS Code diagnostics, headless log lines). Accepts `//` and `/* */`
// comments and trailing commas, like VS Code does for its own config files.

export type JsonNode =
  | { kind: 'object'; offset: number; length: number; properties: JsonProperty[] }
  | { kind: 'array'; offset: number; length: number; items: JsonNode[] }
  | { kind: 'string'; offset: number; length: number; value: string }
  | { kind: 'number'; offset: number; length: number; value: number }
  | { kind: 'boolean'; offset: number; length: number; value: boolean }
  | { kind: 'null'; offset: number; length: number; value: null };

export interface JsonProperty {
  key: string;
  keyOffset: number;
  keyLength: number;
  value: JsonNode;
}

export interface JsonSyntaxError {
  message: string;
  offset: number;
  length: number;
}

class SyntaxFailure extends Error {
  constructor(
    message: string,
    readonly offset: number,
    readonly length = 1,
  ) {
    super(message);
  }
}

const ESCAPES: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };
const MAX_DEPTH = 64;

/** Parses the text; a syntax error yields no tree and one error with its position. */
export function parseJsonc(text: string): { root?: JsonNode; error?: JsonSyntaxError } {
  let pos = 0;

  const skipTrivia = () => {
    while (pos < text.length) {
      const c = text[pos];
      if (c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\uFEFF') pos++;
      else if (c === '/' && text[pos + 1] === '/') {
        while (pos < text.length && text[pos] !== '\n') pos++;
      } else if (c === '/' && text[pos + 1] === '*') {
        const end = text.indexOf('*/', pos + 2);
        if (end < 0) throw new SyntaxFailure('unterminated comment', pos, 2);
        pos = end + 2;
      } else return;
    }
  };

  const readString = (): { value: string; offset: number; length: number } => {
    const start = pos;
    pos++; // opening quote
    let value = '';
    while (pos < text.length) {
      const c = text[pos];
      if (c === '"') {
        pos++;
        return { value, offset: start, length: pos - start };
      }
      if (c === '\n') break;
      if (c === '\\') {
        const next = text[pos + 1];
        if (next === 'u') {
          const hex = text.slice(pos + 2, pos + 6);
          if (!/^[0-9a-fA-F]{4}$/.test(hex)) throw new SyntaxFailure('invalid unicode escape', pos, 2);
          value += String.fromCharCode(parseInt(hex, 16));
          pos += 6;
        } else if (next !== undefined && next in ESCAPES) {
          value += ESCAPES[next];
          pos += 2;
        } else throw new SyntaxFailure('invalid escape character', pos, 2);
      } else {
        value += c;
        pos++;
      }
    }
    throw new SyntaxFailure('unterminated string', start, pos - start);
  };

  const readValue = (depth: number): JsonNode => {
    if (depth > MAX_DEPTH) throw new SyntaxFailure(`nesting deeper than ${MAX_DEPTH}`, pos);
    skipTrivia();
    const start = pos;
    const c = text[pos];
    if (c === undefined) throw new SyntaxFailure('value expected', pos, 0);
    if (c === '{') {
      pos++;
      const properties: JsonProperty[] = [];
      for (;;) {
        skipTrivia();
        if (text[pos] === '}') break;
        if (text[pos] !== '"') throw new SyntaxFailure(properties.length ? 'property name or "}" expected' : 'property name expected', pos);
        const key = readString();
        skipTrivia();
        if (text[pos] !== ':') throw new SyntaxFailure('":" expected', pos);
        pos++;
        properties.push({ key: key.value, keyOffset: key.offset, keyLength: key.length, value: readValue(depth + 1) });
        skipTrivia();
        if (text[pos] === ',') pos++;
        else if (text[pos] !== '}') throw new SyntaxFailure('"," or "}" expected', pos);
      }
      pos++;
      return { kind: 'object', offset: start, length: pos - start, properties };
    }
    if (c === '[') {
      pos++;
      const items: JsonNode[] = [];
      for (;;) {
        skipTrivia();
        if (text[pos] === ']') break;
        items.push(readValue(depth + 1));
        skipTrivia();
        if (text[pos] === ',') pos++;
        else if (text[pos] !== ']') throw new SyntaxFailure('"," or "]" expected', pos);
      }
      pos++;
      return { kind: 'array', offset: start, length: pos - start, items };
    }
    if (c === '"') return { kind: 'string', ...readString() };
    const literal = /^(?:true|false|null|-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?)/.exec(text.slice(pos, pos + 64));
    if (!literal) throw new SyntaxFailure('value expected', pos);
    pos += literal[0].length;
    const length = pos - start;
    if (literal[0] === 'true' || literal[0] === 'false') return { kind: 'boolean', offset: start, length, value: literal[0] === 'true' };
    if (literal[0] === 'null') return { kind: 'null', offset: start, length, value: null };
    return { kind: 'number', offset: start, length, value: Number(literal[0]) };
  };

  try {
    const root = readValue(0);
    skipTrivia();
    if (pos < text.length) throw new SyntaxFailure('end of file expected', pos);
    return { root };
  } catch (error) {
    if (!(error instanceof SyntaxFailure)) throw error;
    return { error: { message: error.message, offset: Math.min(error.offset, text.length), length: error.length } };
  }
}

/** The plain value of a node (objects and arrays rebuilt recursively). */
export function nodeValue(node: JsonNode): unknown {
  switch (node.kind) {
    case 'object': {
      const result: Record<string, unknown> = {};
      for (const p of node.properties) {
        // Never let a key reach the prototype; such keys are not meaningful in an MCP config.
        if (p.key === '__proto__') continue;
        result[p.key] = nodeValue(p.value);
      }
      return result;
    }
    case 'array':
      return node.items.map(nodeValue);
    default:
      return node.value;
  }
}

export function property(node: JsonNode | undefined, key: string): JsonProperty | undefined {
  if (node?.kind !== 'object') return undefined;
  // Like JSON.parse, the last duplicate wins.
  for (let i = node.properties.length - 1; i >= 0; i--) if (node.properties[i].key === key) return node.properties[i];
  return undefined;
}

/** The deepest node along the path (so a problem in a missing property points at its parent). */
export function deepestNode(root: JsonNode, path: ReadonlyArray<string | number>): JsonNode {
  let node = root;
  for (const segment of path) {
    let next: JsonNode | undefined;
    if (typeof segment === 'number' && node.kind === 'array') next = node.items[segment];
    else if (typeof segment === 'string') next = property(node, segment)?.value;
    if (!next) return node;
    node = next;
  }
  return node;
}

/** 1-based line and column of an offset. */
export function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text[i] === '\n') {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}

/**
 * Sets `path` to `value` in the text and returns the new text, keeping comments and formatting
 * elsewhere: an existing value is replaced, a missing property is appended to the deepest existing
 * object on the path (creating the objects in between).
 */
export function setProperty(text: string, path: readonly string[], value: unknown): string {
  if (path.length === 0) throw new Error('setProperty needs a path');
  const source = text.trim() === '' ? '{}\n' : text;
  const { root, error } = parseJsonc(source);
  if (!root) {
    const at = lineColumn(source, error!.offset);
    throw new Error(`the file is not valid JSON (${error!.message} at line ${at.line}, column ${at.column}); fix it first`);
  }
  if (root.kind !== 'object') throw new Error('the file must contain a JSON object');
  let parent = root;
  let depth = 0;
  while (depth < path.length - 1) {
    const next = property(parent, path[depth])?.value;
    if (next?.kind !== 'object') break;
    parent = next;
    depth++;
  }
  let inserted = value;
  for (let j = path.length - 1; j > depth; j--) inserted = { [path[j]]: inserted };
  const parentIndent = indentAt(source, parent.offset);
  const childIndent = parentIndent + '  ';
  const serialize = (v: unknown) => JSON.stringify(v, null, 2).replace(/\n/g, `\n${childIndent}`);
  const existing = property(parent, path[depth]);
  if (existing) {
    return splice(source, existing.value.offset, existing.value.length, serialize(inserted));
  }
  const entry = `${JSON.stringify(path[depth])}: ${serialize(inserted)}`;
  const last = parent.properties[parent.properties.length - 1];
  if (!last) return splice(source, parent.offset, parent.length, `{\n${childIndent}${entry}\n${parentIndent}}`);
  const afterLast = last.value.offset + last.value.length;
  const comma = /^\s*,/.exec(source.slice(afterLast));
  if (comma) return splice(source, afterLast + comma[0].length, 0, `\n${childIndent}${entry},`);
  return splice(source, afterLast, 0, `,\n${childIndent}${entry}`);
}

function splice(text: string, offset: number, length: number, insert: string): string {
  return text.slice(0, offset) + insert + text.slice(offset + length);
}

function indentAt(text: string, offset: number): string {
  const lineStart = text.lastIndexOf('\n', offset - 1) + 1;
  return /^[ \t]*/.exec(text.slice(lineStart))![0];
}
