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
    const { state, ...rest } = doc;
    return `${JSON.stringify(rest).slice(0, -1)},"state":${this.json(state)}}`;
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

/** Adds fields to the JSON text of an object (which has at least one field already). */
export function withFields(objectJson: string, fields: Record<string, unknown>): string {
  return `${objectJson.slice(0, -1)},${JSON.stringify(fields).slice(1)}`;
}
