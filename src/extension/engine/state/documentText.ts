import type { JsonObject, JsonValue } from '../../../shared/protocol';
import type { StateDocument } from './store';

/**
 * The JSON text of the dashboard state, remembered per object of the tree, so that a save or a
 * `state:full` after a write serialises only what the write changed (the value written and the
 * objects on its path) rather than the whole document: tens of milliseconds per megabyte, on the
 * event loop. Whoever changes the state says where: `changed(state, path)` after a path write
 * (objects on the way are changed in place); a replaced document brings new objects, so nothing
 * stale can be found for them.
 */
export class DocumentText {
  private texts = new WeakMap<object, string>();

  changed(state: JsonObject, path: string): void {
    let node: JsonValue | undefined = state;
    for (const segment of path.split('.')) {
      if (typeof node !== 'object' || node === null) return;
      this.texts.delete(node);
      node = Array.isArray(node) || !Object.hasOwn(node, segment) ? undefined : node[segment];
    }
  }

  state(state: JsonObject): string {
    return this.json(state);
  }

  document(doc: StateDocument): string {
    return this.documentParts(doc).join('');
  }

  /**
   * The document's JSON text in parts, in order: every value whose text is at least
   * SEPARATE_PART_LENGTH long (and has no such value inside) is a part of its own, the same string
   * from one call to the next while it is unchanged, so a store can compress it once.
   */
  documentParts(doc: StateDocument): string[] {
    const { state, ...rest } = doc;
    const parts: string[] = [`${JSON.stringify(rest).slice(0, -1)},"state":`];
    this.collect(state, parts);
    parts.push('}');
    return mergeSmall(parts);
  }

  private collect(value: JsonValue, parts: string[]): void {
    const text = this.json(value);
    if (text.length < SEPARATE_PART_LENGTH || typeof value !== 'object' || value === null || Array.isArray(value)) {
      parts.push(text);
      return;
    }
    const keys = Object.keys(value);
    if (!keys.some((key) => this.json(value[key]).length >= SEPARATE_PART_LENGTH)) {
      parts.push(text);
      return;
    }
    parts.push('{');
    keys.forEach((key, index) => {
      parts.push(`${index > 0 ? ',' : ''}${JSON.stringify(key)}:`);
      this.collect(value[key], parts);
    });
    parts.push('}');
  }

  private json(value: JsonValue): string {
    if (typeof value !== 'object' || value === null) return JSON.stringify(value);
    let text = this.texts.get(value);
    if (text === undefined) {
      text = Array.isArray(value) ? JSON.stringify(value) : `{${Object.keys(value).map((key) => `${JSON.stringify(key)}:${this.json(value[key])}`).join(',')}}`;
      this.texts.set(value, text);
    }
    return text;
  }
}

/** Values whose JSON text is at least this long are parts of their own (see `documentParts`). */
export const SEPARATE_PART_LENGTH = 64 * 1024;

/** Joins runs of short parts, keeping the long ones as they are (the same strings). */
function mergeSmall(parts: string[]): string[] {
  const merged: string[] = [];
  let run = '';
  for (const part of parts) {
    if (part.length >= SEPARATE_PART_LENGTH) {
      if (run) merged.push(run);
      merged.push(part);
      run = '';
    } else run += part;
  }
  if (run) merged.push(run);
  return merged;
}

/** Adds fields to the JSON text of an object (which has at least one field already). */
export function withFields(objectJson: string, fields: Record<string, unknown>): string {
  return `${objectJson.slice(0, -1)},${JSON.stringify(fields).slice(1)}`;
}
