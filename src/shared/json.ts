// JSON values and their schema, in a module of their own so that schema modules (approvals, tasks)
// and the frame protocol that includes them can all import it without an import cycle.
import * as z from 'zod';

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

/** Path segments that could reach an object's prototype and are refused everywhere. */
export const FORBIDDEN_PATH_SEGMENTS: ReadonlySet<string> = new Set(['__proto__', 'prototype', 'constructor']);

/** Deepest nesting a JSON value may have; deeper input is refused instead of walked. */
export const MAX_JSON_DEPTH = 64;

/** Whether `value` is plain JSON data (what JSON.parse produces), nested at most MAX_JSON_DEPTH deep. */
export function isJsonValue(value: unknown, depth = 0): value is JsonValue {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return true;
    case 'number':
      return Number.isFinite(value);
    case 'object': {
      if (value === null) return true;
      if (depth >= MAX_JSON_DEPTH) return false;
      if (Array.isArray(value)) return value.every((item) => isJsonValue(item, depth + 1));
      const prototype = Object.getPrototypeOf(value);
      if (prototype !== Object.prototype && prototype !== null) return false;
      for (const key in value) if (!isJsonValue((value as Record<string, unknown>)[key], depth + 1)) return false;
      return true;
    }
    default:
      return false;
  }
}

/**
 * Whether JSON text nests objects and arrays deeper than `limit`, found in one linear pass that
 * counts brackets outside strings, so that nothing recursive (the schema check, JSON.stringify of
 * an error message) ever walks a value nested thousands of levels deep.
 */
export function nestsDeeperThan(text: string, limit: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (inString) {
      if (code === 0x5c /* \ */) i++;
      else if (code === 0x22 /* " */) inString = false;
    } else if (code === 0x22) inString = true;
    else if (code === 0x7b /* { */ || code === 0x5b /* [ */) {
      if (++depth > limit) return true;
    } else if (code === 0x7d /* } */ || code === 0x5d /* ] */) depth--;
  }
  return false;
}

// A hand-written check instead of a recursive zod union: every state update passes through it, and it
// is an order of magnitude faster. As a refinement of `unknown` it still converts to JSON Schema (`{}`,
// which is what any JSON value is), as the MCP SDK needs for tool input schemas.
export const jsonValueSchema = z
  .unknown()
  .refine(isJsonValue, {
    error: (issue) => (issue.input === undefined ? 'required' : `expected a JSON value nested at most ${MAX_JSON_DEPTH} levels deep`),
  }) as unknown as z.ZodType<JsonValue>;
