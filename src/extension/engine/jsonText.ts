import type * as z from 'zod';

/**
 * The value of a JSON text that `schema` accepts, or undefined: text over `maxChars`, JSON that
 * does not parse, or a value the schema refuses. Never throws, and never quotes the text (JSON.parse's
 * own message does, and the text may hold secrets).
 */
export function parseJsonAs<T>(schema: z.ZodType<T>, text: string, maxChars = Infinity): T | undefined {
  if (text.length > maxChars) return undefined;
  const parsed = schema.safeParse(parseJson(text));
  return parsed.success ? parsed.data : undefined;
}

/** The parsed JSON, or a value no schema accepts. */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/**
 * The lines of a journal that `schema` accepts, the 1-based numbers of those it does not, and the
 * last line when it lacks its newline (an append that never completed; not parsed).
 */
export function parseJsonLines<T>(text: string, schema: z.ZodType<T>): { entries: T[]; bad: number[]; torn: string } {
  const lines = text.split('\n');
  const torn = lines.pop() ?? '';
  const entries: T[] = [];
  const bad: number[] = [];
  lines.forEach((line, index) => {
    const parsed = schema.safeParse(parseJson(line));
    if (parsed.success) entries.push(parsed.data);
    else bad.push(index + 1);
  });
  return { entries, bad, torn };
}
