import type * as z from 'zod';

/**
 * The value of a JSON text that `schema` accepts, or undefined: text over `maxChars`, JSON that
 * does not parse, or a value the schema refuses. Never throws, and never quotes the text (JSON.parse's
 * own message does, and the text may hold secrets).
 */
export function parseJsonAs<T>(schema: z.ZodType<T>, text: string, maxChars = Infinity): T | undefined {
  if (text.length > maxChars) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  const parsed = schema.safeParse(value);
  return parsed.success ? parsed.data : undefined;
}
