import { strict as assert } from 'node:assert';
import { parseField, parseJsonArguments, planArgumentForm, renderToolResult } from '../../src/shared/toolForms';

describe('tool argument forms', () => {
  it('plans quick inputs for a flat schema', () => {
    const form = planArgumentForm({
      type: 'object',
      properties: {
        message: { type: 'string', description: 'Message to echo' },
        count: { type: 'integer', default: 1 },
        loud: { type: 'boolean' },
        level: { type: 'string', enum: ['debug', 'info'] },
      },
      required: ['message'],
    });
    assert.deepEqual(form, {
      kind: 'fields',
      fields: [
        { name: 'message', kind: 'string', required: true, description: 'Message to echo' },
        { name: 'count', kind: 'integer', required: false, default: 1 },
        { name: 'loud', kind: 'boolean', required: false },
        { name: 'level', kind: 'enum', required: false, options: ['debug', 'info'] },
      ],
    });
  });

  it('falls back to JSON with a skeleton of the required properties for nested schemas', () => {
    const form = planArgumentForm({
      type: 'object',
      properties: { items: { type: 'array' }, options: { type: 'object' }, name: { type: 'string' }, note: { type: 'string' } },
      required: ['items', 'name'],
    });
    assert.deepEqual(form, { kind: 'json', skeleton: { items: [], name: '' }, reason: '"items" is not a simple value' });
  });

  it('treats a tool without input schema properties as taking no arguments', () => {
    assert.deepEqual(planArgumentForm({ type: 'object' }), { kind: 'fields', fields: [] });
  });

  it('validates and converts typed values', () => {
    const integer = { name: 'n', kind: 'integer' as const, required: true };
    assert.deepEqual(parseField(integer, '42'), { value: 42 });
    assert.deepEqual(parseField(integer, '4.2'), { error: 'n must be a whole number' });
    assert.deepEqual(parseField(integer, ''), { error: 'n is required' });
    assert.deepEqual(parseField({ ...integer, required: false }, ' '), {});
    assert.deepEqual(parseField({ name: 'b', kind: 'boolean', required: false }, 'yes'), { error: 'b must be true or false' });
    assert.deepEqual(parseField({ name: 'e', kind: 'enum', required: true, options: ['a'] }, 'b'), { error: 'e must be one of a' });
    assert.deepEqual(parseField({ name: 's', kind: 'string', required: true }, ' keep spaces '), { value: ' keep spaces ' });
  });

  it('accepts only a JSON object as arguments', () => {
    assert.deepEqual(parseJsonArguments('{"a":1}'), { value: { a: 1 } });
    assert.match(parseJsonArguments('[1]').error!, /must be a JSON object/);
    assert.match(parseJsonArguments('{').error!, /not valid JSON/);
  });
});

describe('tool result rendering', () => {
  it('renders text, JSON text, images, resource links, embedded resources and structured content', () => {
    const markdown = renderToolResult('everything', 'demo', {
      isError: true,
      content: [
        { type: 'text', text: 'plain words' },
        { type: 'text', text: '{"a":1}' },
        { type: 'image', data: 'iVBORw0KGgo=', mimeType: 'image/png' },
        { type: 'resource_link', uri: 'demo://resource/1', name: 'Resource 1', description: 'first' },
        { type: 'resource', resource: { uri: 'demo://r/2', mimeType: 'text/plain', text: 'inside' } },
      ],
      structuredContent: { sum: 3 },
    });
    assert.equal(
      markdown,
      [
        '# demo · everything',
        '',
        '> **The tool reported an error.**',
        '',
        'plain words',
        '',
        '```json\n{\n  "a": 1\n}\n```',
        '',
        '![image (image/png)](data:image/png;base64,iVBORw0KGgo=)',
        '',
        '[Resource 1](demo://resource/1) — first',
        '',
        '**Resource** `demo://r/2` (text/plain)',
        '',
        '```\ninside\n```',
        '',
        '## Structured content',
        '',
        '```json\n{\n  "sum": 3\n}\n```',
        '',
      ].join('\n'),
    );
  });
});
