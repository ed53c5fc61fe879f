// MCP form-mode elicitation: the fields a server's requested schema asks for (flat primitives only,
// as the spec allows), their defaults (SEP-1034) and the check of a person's answer against them.
// Shared by the engine (the authoritative check), the dashboard card and the VS Code input flow.

export type ElicitationValue = string | number | boolean | string[];
export type ElicitationContent = Record<string, ElicitationValue>;
export type ElicitationAction = 'accept' | 'decline' | 'cancel';

export interface ElicitationOption {
  value: string;
  label: string;
}

export interface ElicitationField {
  name: string;
  title: string;
  description?: string;
  kind: 'string' | 'number' | 'integer' | 'boolean' | 'enum' | 'multi';
  required: boolean;
  options?: ElicitationOption[];
  default?: ElicitationValue;
  minLength?: number;
  maxLength?: number;
  format?: 'email' | 'uri' | 'date' | 'date-time';
  minimum?: number;
  maximum?: number;
  minItems?: number;
  maxItems?: number;
}

/** Longest text a person may put in one field, whatever the schema allows. */
export const MAX_ELICITATION_TEXT = 10_000;

type Schema = Record<string, unknown>;

const isObject = (value: unknown): value is Schema => typeof value === 'object' && value !== null && !Array.isArray(value);
const numberOf = (value: unknown) => (typeof value === 'number' && Number.isFinite(value) ? value : undefined);
const stringOf = (value: unknown) => (typeof value === 'string' ? value : undefined);
const FORMATS = new Set(['email', 'uri', 'date', 'date-time']);

/** The form's fields, in the schema's order; a property that is not a primitive the spec allows is left out. */
export function elicitationFields(requestedSchema: unknown): ElicitationField[] {
  if (!isObject(requestedSchema) || !isObject(requestedSchema.properties)) return [];
  const required = new Set(Array.isArray(requestedSchema.required) ? requestedSchema.required.filter((r): r is string => typeof r === 'string') : []);
  const fields: ElicitationField[] = [];
  for (const [name, property] of Object.entries(requestedSchema.properties)) {
    if (!isObject(property)) continue;
    const field = fieldOf(name, property, required.has(name));
    if (field) fields.push(field);
  }
  return fields;
}

function fieldOf(name: string, property: Schema, required: boolean): ElicitationField | undefined {
  const base = {
    name,
    title: stringOf(property.title) ?? name,
    required,
    ...(typeof property.description === 'string' ? { description: property.description } : {}),
  };
  const options = optionsOf(property);
  if (options) {
    const fallback = stringOf(property.default);
    return { ...base, kind: 'enum', options, ...(fallback !== undefined && options.some((o) => o.value === fallback) ? { default: fallback } : {}) };
  }
  switch (property.type) {
    case 'string': {
      const format = stringOf(property.format);
      return {
        ...base,
        kind: 'string',
        ...definedNumbers({ minLength: property.minLength, maxLength: property.maxLength }),
        ...(format && FORMATS.has(format) ? { format: format as ElicitationField['format'] } : {}),
        ...(typeof property.default === 'string' ? { default: property.default } : {}),
      };
    }
    case 'number':
    case 'integer':
      return { ...base, kind: property.type, ...definedNumbers({ minimum: property.minimum, maximum: property.maximum, default: property.default }) };
    case 'boolean':
      return { ...base, kind: 'boolean', ...(typeof property.default === 'boolean' ? { default: property.default } : {}) };
    case 'array': {
      const itemOptions = isObject(property.items) ? optionsOf(property.items) : undefined;
      if (!itemOptions) return undefined;
      const defaults = Array.isArray(property.default) ? property.default.filter((v): v is string => itemOptions.some((o) => o.value === v)) : undefined;
      return { ...base, kind: 'multi', options: itemOptions, ...definedNumbers({ minItems: property.minItems, maxItems: property.maxItems }), ...(defaults ? { default: defaults } : {}) };
    }
    default:
      return undefined;
  }
}

/** `enum` (with the legacy `enumNames` as labels) or `oneOf`/`anyOf` of `{ const, title }`. */
function optionsOf(property: Schema): ElicitationOption[] | undefined {
  if (Array.isArray(property.enum)) {
    const names = Array.isArray(property.enumNames) ? property.enumNames : [];
    const values = property.enum.filter((v): v is string => typeof v === 'string');
    return values.map((value, i) => ({ value, label: typeof names[i] === 'string' ? names[i] : value }));
  }
  const titled = Array.isArray(property.oneOf) ? property.oneOf : Array.isArray(property.anyOf) ? property.anyOf : undefined;
  if (!titled) return undefined;
  return titled.filter((o): o is Schema => isObject(o) && typeof o.const === 'string').map((o) => ({ value: o.const as string, label: stringOf(o.title) ?? (o.const as string) }));
}

function definedNumbers<K extends string>(values: Record<K, unknown>): Partial<Record<K, number>> {
  return Object.fromEntries(Object.entries(values).filter(([, v]) => numberOf(v) !== undefined)) as Partial<Record<K, number>>;
}

/** What the form shows before the person types anything: each field's default, where it has one. */
export function initialElicitationValues(fields: readonly ElicitationField[]): ElicitationContent {
  const values: ElicitationContent = {};
  for (const field of fields) if (field.default !== undefined) values[field.name] = Array.isArray(field.default) ? [...field.default] : field.default;
  return values;
}

/**
 * The answer the server receives: the person's values over the defaults, each checked against its
 * field; anything the schema does not ask for, or that does not fit, is refused with every reason.
 */
export function checkElicitationContent(fields: readonly ElicitationField[], content: unknown): { ok: true; content: ElicitationContent } | { ok: false; errors: string[] } {
  if (!isObject(content)) return { ok: false, errors: ['the answer must be an object of field values'] };
  const byName = new Map(fields.map((f) => [f.name, f]));
  const errors = Object.keys(content)
    .filter((key) => !byName.has(key))
    .map((key) => `${key.slice(0, 100)} is not a field of this form`);
  const answer: ElicitationContent = {};
  for (const field of fields) {
    const value = Object.hasOwn(content, field.name) && content[field.name] !== undefined ? content[field.name] : field.default;
    if (value === undefined) {
      if (field.required) errors.push(`${field.name} is required`);
      continue;
    }
    const problem = fieldProblem(field, value);
    if (problem) errors.push(`${field.name} ${problem}`);
    else answer[field.name] = value as ElicitationValue;
  }
  return errors.length > 0 ? { ok: false, errors } : { ok: true, content: answer };
}

function fieldProblem(field: ElicitationField, value: unknown): string | undefined {
  switch (field.kind) {
    case 'string':
      if (typeof value !== 'string') return 'must be text';
      if (value.length > Math.min(field.maxLength ?? MAX_ELICITATION_TEXT, MAX_ELICITATION_TEXT)) return `must be at most ${Math.min(field.maxLength ?? MAX_ELICITATION_TEXT, MAX_ELICITATION_TEXT)} characters`;
      if (field.minLength !== undefined && value.length < field.minLength) return `must be at least ${field.minLength} characters`;
      return field.format && !matchesFormat(field.format, value) ? `must be a valid ${field.format}` : undefined;
    case 'number':
    case 'integer':
      if (typeof value !== 'number' || !Number.isFinite(value)) return 'must be a number';
      if (field.kind === 'integer' && !Number.isInteger(value)) return 'must be a whole number';
      if (field.minimum !== undefined && value < field.minimum) return `must be at least ${field.minimum}`;
      return field.maximum !== undefined && value > field.maximum ? `must be at most ${field.maximum}` : undefined;
    case 'boolean':
      return typeof value === 'boolean' ? undefined : 'must be true or false';
    case 'enum':
      return typeof value === 'string' && field.options!.some((o) => o.value === value) ? undefined : `must be one of ${field.options!.map((o) => o.value).join(', ')}`;
    case 'multi': {
      if (!Array.isArray(value) || !value.every((v) => typeof v === 'string' && field.options!.some((o) => o.value === v))) {
        return `must be a list of ${field.options!.map((o) => o.value).join(', ')}`;
      }
      if (new Set(value).size !== value.length) return 'must not repeat a choice';
      if (field.minItems !== undefined && value.length < field.minItems) return `needs at least ${field.minItems} choices`;
      return field.maxItems !== undefined && value.length > field.maxItems ? `takes at most ${field.maxItems} choices` : undefined;
    }
  }
}

// Each pattern has one way to match any input (the classes around `@` exclude it), so it runs in linear time.
const EMAIL = /^[^\s@]+@[^\s@]+$/;
const DATE = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/;

function matchesFormat(format: NonNullable<ElicitationField['format']>, value: string): boolean {
  switch (format) {
    case 'email':
      return EMAIL.test(value) && value.slice(value.indexOf('@')).includes('.');
    case 'uri':
      try {
        return new URL(value).protocol.length > 1;
      } catch {
        return false;
      }
    case 'date':
      return DATE.test(value) && !Number.isNaN(Date.parse(value));
    case 'date-time':
      return DATE_TIME.test(value) && !Number.isNaN(Date.parse(value));
  }
}

/** A text field's typed text as the field's value: empty text is "no value"; numbers are parsed. */
export function valueFromText(field: ElicitationField, text: string): { value?: ElicitationValue; error?: string } {
  if (text.trim() === '') return {};
  switch (field.kind) {
    case 'number':
    case 'integer': {
      const value = Number(text.trim());
      if (!Number.isFinite(value)) return { error: `${field.title} must be a number` };
      if (field.kind === 'integer' && !Number.isInteger(value)) return { error: `${field.title} must be a whole number` };
      return { value };
    }
    case 'boolean':
      return text.trim() === 'true' || text.trim() === 'false' ? { value: text.trim() === 'true' } : { error: `${field.title} must be true or false` };
    default:
      return { value: text };
  }
}
