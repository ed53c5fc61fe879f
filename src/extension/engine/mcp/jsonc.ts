// JSON with comments, as VS Code reads and writes its own config files, through `jsonc-parser`:
// a tree with positions (so problems in mcp.json point at a line and column) and edits that keep
// comments, indentation and line endings.
import { applyEdits, getNodeValue, modify, parseTree, printParseErrorCode, type FormattingOptions, type Node, type ParseError } from 'jsonc-parser';

export type JsonNode = Node;

export interface JsonSyntaxError {
  message: string;
  offset: number;
  length: number;
}

/** Larger files are refused rather than parsed (config files are a few kilobytes). */
export const MAX_JSONC_BYTES = 1024 * 1024;

const PARSE_OPTIONS = { allowTrailingComma: true, disallowComments: false, allowEmptyContent: false };

const ERROR_TEXT: Record<string, string> = {
  InvalidSymbol: 'invalid symbol',
  InvalidNumberFormat: 'invalid number',
  PropertyNameExpected: 'property name expected',
  ValueExpected: 'value expected',
  ColonExpected: '":" expected',
  CommaExpected: '"," expected',
  CloseBraceExpected: '"}" expected',
  CloseBracketExpected: '"]" expected',
  EndOfFileExpected: 'end of file expected',
  InvalidCommentToken: 'invalid comment',
  UnexpectedEndOfComment: 'unterminated comment',
  UnexpectedEndOfString: 'unterminated string',
  UnexpectedEndOfNumber: 'unterminated number',
  InvalidUnicode: 'invalid unicode escape',
  InvalidEscapeCharacter: 'invalid escape character',
  InvalidCharacter: 'invalid character',
};

/** Parses the text; any syntax error yields no tree and the first error with its position. */
export function parseJsonc(text: string): { root?: JsonNode; error?: JsonSyntaxError } {
  if (Buffer.byteLength(text, 'utf8') > MAX_JSONC_BYTES) return { error: { message: `larger than ${MAX_JSONC_BYTES} bytes`, offset: 0, length: 0 } };
  const errors: ParseError[] = [];
  let root: JsonNode | undefined;
  try {
    root = parseTree(text, errors, PARSE_OPTIONS);
  } catch {
    // The parser recurses per nesting level; absurd nesting exhausts the stack.
    return { error: { message: 'nested too deeply', offset: 0, length: 0 } };
  }
  const first = errors[0];
  if (first) return { error: { message: ERROR_TEXT[printParseErrorCode(first.error)] ?? 'invalid JSON', offset: Math.min(first.offset, text.length), length: first.length } };
  if (!root) return { error: { message: 'value expected', offset: 0, length: 0 } };
  return { root };
}

/** The plain value of a node, as JSON.parse builds it (a `__proto__` key stays an own property). */
export function nodeValue(node: JsonNode): unknown {
  return JSON.parse(JSON.stringify(getNodeValue(node)) ?? 'null');
}

/** The property node (key and value as its two children) of an object node; like JSON.parse, the last duplicate wins. */
function propertyNode(node: JsonNode | undefined, key: string): JsonNode | undefined {
  if (node?.type !== 'object' || !node.children) return undefined;
  for (let i = node.children.length - 1; i >= 0; i--) if (node.children[i].children?.[0]?.value === key) return node.children[i];
  return undefined;
}

/** The value of a property of an object node. */
export function child(node: JsonNode | undefined, key: string): JsonNode | undefined {
  return propertyNode(node, key)?.children?.[1];
}

/** The key of a property of an object node (where editors underline a problem with the property). */
export function keyOf(node: JsonNode | undefined, key: string): JsonNode | undefined {
  return propertyNode(node, key)?.children?.[0];
}

/** The object's properties, in order, as key and value node. */
export function entries(node: JsonNode): Array<{ key: string; value: JsonNode }> {
  if (node.type !== 'object') return [];
  return (node.children ?? []).flatMap((p) => (p.children?.length === 2 ? [{ key: String(p.children[0].value), value: p.children[1] }] : []));
}

/** The deepest node along the path (so a problem in a missing property points at its parent). */
export function deepestNode(root: JsonNode, path: ReadonlyArray<string | number>): JsonNode {
  let node = root;
  for (const segment of path) {
    const next = typeof segment === 'number' ? (node.type === 'array' ? node.children?.[segment] : undefined) : child(node, segment);
    if (!next) return node;
    node = next;
  }
  return node;
}

/** 1-based line and column of an offset. */
export function lineColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  const lineStart = before.lastIndexOf('\n') + 1;
  return { line: before.split('\n').length, column: offset - lineStart + 1 };
}

/**
 * Sets `path` to `value` in the text (removes it when `value` is undefined) and returns the new
 * text, keeping comments, indentation and line endings; missing objects on the path are created.
 */
export function setProperty(text: string, path: ReadonlyArray<string | number>, value: unknown): string {
  if (path.length === 0) throw new Error('setProperty needs a path');
  const source = text.trim() === '' ? '{}\n' : text;
  const { root, error } = parseJsonc(source);
  if (!root) {
    const at = lineColumn(source, error!.offset);
    throw new Error(`the file is not valid JSON (${error!.message} at line ${at.line}, column ${at.column}); fix it first`);
  }
  if (root.type !== 'object') throw new Error('the file must contain a JSON object');
  return applyEdits(source, modify(source, [...path], value, { formattingOptions: formattingOf(source) }));
}

/** The file's own indentation and line ending, so an edit looks as if the person made it. */
function formattingOf(text: string): FormattingOptions {
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const indented = /^([ \t]+)\S/m.exec(text)?.[1];
  if (indented?.startsWith('\t')) return { insertSpaces: false, tabSize: 1, eol };
  return { insertSpaces: true, tabSize: indented ? Math.min(indented.length, 8) : 2, eol };
}
