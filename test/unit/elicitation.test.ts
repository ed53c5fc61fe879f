import { strict as assert } from 'node:assert';
import { checkElicitationContent, elicitationFields, initialElicitationValues, valueFromText } from '../../src/shared/elicitation';

const SCHEMA = {
  type: 'object',
  properties: {
    name: { type: 'string', title: 'Your name', minLength: 2, maxLength: 20, default: 'Ada' },
    email: { type: 'string', format: 'email' },
    age: { type: 'integer', minimum: 0, maximum: 150, default: 30 },
    score: { type: 'number', default: 9.5 },
    subscribe: { type: 'boolean', default: true },
    colour: { type: 'string', enum: ['red', 'green'], enumNames: ['Red', 'Green'], default: 'green' },
    size: { type: 'string', oneOf: [{ const: 's', title: 'Small' }, { const: 'l', title: 'Large' }] },
    toppings: { type: 'array', minItems: 1, maxItems: 2, items: { type: 'string', enum: ['ham', 'egg', 'kale'] }, default: ['egg'] },
    birthday: { type: 'string', format: 'date' },
  },
  required: ['name', 'size'],
};

describe('elicitation forms (MCP form mode)', () => {
  it('plans one field per property with its kind, options and constraints', () => {
    const fields = elicitationFields(SCHEMA);
    assert.deepEqual(
      fields.map((f) => [f.name, f.kind, f.required]),
      [
        ['name', 'string', true],
        ['email', 'string', false],
        ['age', 'integer', false],
        ['score', 'number', false],
        ['subscribe', 'boolean', false],
        ['colour', 'enum', false],
        ['size', 'enum', true],
        ['toppings', 'multi', false],
        ['birthday', 'string', false],
      ],
    );
    assert.equal(fields[0].title, 'Your name');
    assert.deepEqual(fields[5].options, [
      { value: 'red', label: 'Red' },
      { value: 'green', label: 'Green' },
    ]);
    assert.deepEqual(fields[6].options, [
      { value: 's', label: 'Small' },
      { value: 'l', label: 'Large' },
    ]);
    assert.deepEqual(fields[7].options?.map((o) => o.value), ['ham', 'egg', 'kale']);
  });

  it('starts the form from the defaults of strings, numbers, booleans, enums and multi-selects (SEP-1034)', () => {
    assert.deepEqual(initialElicitationValues(elicitationFields(SCHEMA)), { name: 'Ada', age: 30, score: 9.5, subscribe: true, colour: 'green', toppings: ['egg'] });
  });

  it('accepts a valid answer and fills what the person left out from the defaults', () => {
    const result = checkElicitationContent(elicitationFields(SCHEMA), { name: 'Grace', size: 'l', email: 'grace@example.org' });
    assert.deepEqual(result, { ok: true, content: { name: 'Grace', size: 'l', email: 'grace@example.org', age: 30, score: 9.5, subscribe: true, colour: 'green', toppings: ['egg'] } });
  });

  it('refuses answers that do not fit the schema, naming every field', () => {
    const result = checkElicitationContent(elicitationFields(SCHEMA), {
      name: 'G',
      size: 'xl',
      email: 'not an address',
      age: 12.5,
      score: 'high',
      subscribe: 'yes',
      toppings: ['ham', 'egg', 'kale'],
      birthday: '2026-13',
      extra: 1,
    });
    assert.equal(result.ok, false);
    const errors = (result as { errors: string[] }).errors.join('\n');
    for (const field of ['name', 'size', 'email', 'age', 'score', 'subscribe', 'toppings', 'birthday', 'extra']) assert.match(errors, new RegExp(`\\b${field}\\b`), field);
  });

  it('refuses a missing required field without a default, and content that is not an object', () => {
    assert.deepEqual(checkElicitationContent(elicitationFields(SCHEMA), { name: 'Grace' }), { ok: false, errors: ['size is required'] });
    assert.equal(checkElicitationContent(elicitationFields(SCHEMA), ['Grace']).ok, false);
    assert.equal(checkElicitationContent(elicitationFields(SCHEMA), null).ok, false);
  });

  it('reads typed text as the field kind asks', () => {
    const [name, , age, score, subscribe] = elicitationFields(SCHEMA);
    assert.deepEqual(valueFromText(age, '42'), { value: 42 });
    assert.match(valueFromText(age, '4.2').error!, /whole number/);
    assert.deepEqual(valueFromText(score, '4.2'), { value: 4.2 });
    assert.match(valueFromText(score, 'many').error!, /number/);
    assert.deepEqual(valueFromText(subscribe, 'false'), { value: false });
    assert.deepEqual(valueFromText(name, ''), {});
  });

  it('plans nothing from a schema it cannot read instead of throwing', () => {
    assert.deepEqual(elicitationFields(undefined), []);
    assert.deepEqual(elicitationFields({ type: 'object', properties: { nested: { type: 'object' } } }), []);
  });
});
