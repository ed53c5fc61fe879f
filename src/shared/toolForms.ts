// Host-agnostic halves of "call a tool": planning an argument form from a tool's JSON schema
// (quick inputs for flat schemas, a JSON editor otherwise) and rendering a result as Markdown.

export type FieldKind = 'string' | 'number' | 'integer' | 'boolean' | 'enum';

export interface FormField {
  name: string;
  kind: FieldKind;
  required: boolean;
  description?: string;
  options?: string[];
  default?: unknown;
}

export type ArgumentForm = { kind: 'fields'; fields: FormField[] } | { kind: 'json'; skeleton: Record<string, unknown>; reason: string };

type Schema = Record<string, unknown>;

/** Quick inputs when every property is a scalar or an enum of strings; otherwise a JSON form. */
export function planArgumentForm(inputSchema: unknown): ArgumentForm {
  const schema = (inputSchema ?? {}) as Schema;
  const properties = (schema.properties ?? {}) as Record<string, Schema>;
  const required = new Set(Array.isArray(schema.required) ? (schema.required as string[]) : []);
  const fields: FormField[] = [];
  for (const [name, property] of Object.entries(properties)) {
    const kind = fieldKind(property);
    if (!kind) return { kind: 'json', skeleton: skeletonOf(properties, required), reason: `"${name}" is not a simple value` };
    fields.push({
      name,
      kind,
      required: required.has(name),
      ...(typeof property.description === 'string' ? { description: property.description } : {}),
      ...(kind === 'enum' ? { options: (property.enum as unknown[]).map(String) } : {}),
      ...(property.default !== undefined ? { default: property.default } : {}),
    });
  }
  return { kind: 'fields', fields };
}

function fieldKind(property: Schema): FieldKind | undefined {
  if (Array.isArray(property.enum) && property.enum.every((v) => typeof v === 'string')) return 'enum';
  const type = property.type;
  if (type === 'string' || type === 'number' || type === 'integer' || type === 'boolean') return type;
  return undefined;
}

function skeletonOf(properties: Record<string, Schema>, required: Set<string>): Record<string, unknown> {
  const skeleton: Record<string, unknown> = {};
  for (const [name, property] of Object.entries(properties)) {
    if (!required.has(name) && property.default === undefined) continue;
    skeleton[name] = property.default ?? placeholderFor(property);
  }
  return skeleton;
}

function placeholderFor(property: Schema): unknown {
  switch (property.type) {
    case 'string':
      return '';
    case 'number':
    case 'integer':
      return 0;
    case 'boolean':
      return false;
    case 'array':
      return [];
    case 'object':
      return {};
    default:
      return null;
  }
}

/** Turns what the user typed into the field's value, or says why it does not fit. */
export function parseField(field: FormField, raw: string): { value?: unknown; error?: string } {
  const text = raw.trim();
  if (text === '') return field.required ? { error: `${field.name} is required` } : {};
  switch (field.kind) {
    case 'number':
    case 'integer': {
      const value = Number(text);
      if (!Number.isFinite(value)) return { error: `${field.name} must be a number` };
      if (field.kind === 'integer' && !Number.isInteger(value)) return { error: `${field.name} must be a whole number` };
      return { value };
    }
    case 'boolean':
      if (text !== 'true' && text !== 'false') return { error: `${field.name} must be true or false` };
      return { value: text === 'true' };
    case 'enum':
      if (!field.options!.includes(text)) return { error: `${field.name} must be one of ${field.options!.join(', ')}` };
      return { value: text };
    default:
      return { value: raw };
  }
}

/** Parses a JSON arguments object typed by the user. */
export function parseJsonArguments(text: string): { value?: Record<string, unknown>; error?: string } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { error: `not valid JSON: ${(error as Error).message}` };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { error: 'the arguments must be a JSON object' };
  return { value: value as Record<string, unknown> };
}

/** One item of a tool result's `content`. */
export interface ContentItem {
  type: string;
  text?: string;
  data?: string;
  mimeType?: string;
  uri?: string;
  name?: string;
  description?: string;
  resource?: { uri: string; mimeType?: string; text?: string; blob?: string };
}

/** A tool result as a Markdown document: text, images as data URIs, resource links and embedded resources, structured content. */
export function renderToolResult(server: string, tool: string, result: Record<string, unknown>): string {
  const lines = [`# ${tool} · ${server}`, ''];
  if (result.isError === true) lines.push('> **The tool reported an error.**', '');
  for (const item of (Array.isArray(result.content) ? result.content : []) as ContentItem[]) {
    switch (item.type) {
      case 'text':
        lines.push(looksLikeJson(item.text ?? '') ? fence('json', JSON.stringify(JSON.parse(item.text!), null, 2)) : (item.text ?? ''), '');
        break;
      case 'image':
        lines.push(`![image (${item.mimeType})](data:${item.mimeType};base64,${item.data})`, '');
        break;
      case 'audio':
        lines.push(`*Audio (${item.mimeType}, ${Math.round(((item.data?.length ?? 0) * 3) / 4)} bytes) — not shown.*`, '');
        break;
      case 'resource_link':
        lines.push(`[${item.name ?? item.uri}](${item.uri})${item.description ? ` — ${item.description}` : ''}${item.mimeType ? ` (${item.mimeType})` : ''}`, '');
        break;
      case 'resource': {
        const resource = item.resource!;
        lines.push(`**Resource** \`${resource.uri}\`${resource.mimeType ? ` (${resource.mimeType})` : ''}`, '');
        if (resource.text !== undefined) lines.push(fence('', resource.text), '');
        else if (resource.blob !== undefined) lines.push(`*Binary content, ${Math.round((resource.blob.length * 3) / 4)} bytes.*`, '');
        break;
      }
      default:
        lines.push(fence('json', JSON.stringify(item, null, 2)), '');
    }
  }
  if (result.structuredContent !== undefined) lines.push('## Structured content', '', fence('json', JSON.stringify(result.structuredContent, null, 2)), '');
  return lines.join('\n');
}

function looksLikeJson(text: string): boolean {
  const trimmed = text.trim();
  if (!/^[[{]/.test(trimmed)) return false;
  try {
    JSON.parse(trimmed);
    return true;
  } catch {
    return false;
  }
}

function fence(language: string, body: string): string {
  const ticks = body.includes('```') ? '````' : '```';
  return `${ticks}${language}\n${body}\n${ticks}`;
}
