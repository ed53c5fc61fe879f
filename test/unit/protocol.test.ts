import { strict as assert } from 'node:assert';
import { isJsonValue, MAX_JSON_DEPTH } from '../../src/shared/json';
import { MAX_FRAME_BYTES, parseClientFrame } from '../../src/shared/protocol';

const update = (path: string, extra: object = {}) =>
  JSON.stringify({ type: 'state:update', id: 'u1', path, value: { a: 1 }, version: 1, timestamp: 1, ...extra });

describe('client frame validation', () => {
  it('accepts a valid state:update and splits its path', () => {
    const parsed = parseClientFrame(update('widgets.build'));
    assert.ok(parsed.ok);
    assert.equal(parsed.frame.type, 'state:update');
    if (parsed.frame.type === 'state:update') assert.deepEqual(parsed.frame.path, ['widgets', 'build']);
  });

  it('refuses text that is not JSON', () => {
    const parsed = parseClientFrame('{not json');
    assert.equal(parsed.ok, false);
    assert.equal(!parsed.ok && parsed.code, 'invalid_json');
  });

  it('refuses frames over the size limit before parsing them', () => {
    const parsed = parseClientFrame('x'.repeat(MAX_FRAME_BYTES + 1));
    assert.equal(!parsed.ok && parsed.code, 'frame_too_large');
  });

  it('refuses unknown frame types and non-objects', () => {
    assert.equal((p => !p.ok && p.code)(parseClientFrame(JSON.stringify({ type: 'state:delete' }))), 'unknown_type');
    assert.equal((p => !p.ok && p.code)(parseClientFrame('[1,2]')), 'invalid_frame');
    assert.equal((p => !p.ok && p.code)(parseClientFrame('null')), 'invalid_frame');
  });

  for (const path of ['__proto__.polluted', 'a.constructor.prototype', 'prototype', 'a..b', '']) {
    it(`refuses the path ${JSON.stringify(path)}`, () => {
      const parsed = parseClientFrame(update(path));
      assert.equal(parsed.ok, false);
      assert.ok(!parsed.ok && ['forbidden_path', 'invalid_frame'].includes(parsed.code));
      assert.equal(({} as Record<string, unknown>).polluted, undefined);
    });
  }

  it('names forbidden segments as such', () => {
    const parsed = parseClientFrame(update('a.__proto__'));
    assert.equal(!parsed.ok && parsed.code, 'forbidden_path');
    assert.equal(!parsed.ok && parsed.id, 'u1');
  });

  it('refuses a state:update without a version', () => {
    const parsed = parseClientFrame(JSON.stringify({ type: 'state:update', path: 'a', value: 1, timestamp: 1 }));
    assert.equal(!parsed.ok && parsed.code, 'invalid_frame');
  });

  it('refuses a state:update without a value, saying so', () => {
    const parsed = parseClientFrame(JSON.stringify({ type: 'state:update', path: 'a', version: 1, timestamp: 1 }));
    assert.equal(!parsed.ok && parsed.message, 'value: required');
  });

  it(`refuses values nested deeper than ${MAX_JSON_DEPTH} levels`, () => {
    const nest = (levels: number) => {
      let value: unknown = 1;
      for (let i = 0; i < levels; i++) value = i % 2 ? [value] : { v: value };
      return value;
    };
    assert.equal(parseClientFrame(JSON.stringify({ type: 'state:update', path: 'a', value: nest(MAX_JSON_DEPTH), version: 1, timestamp: 1 })).ok, true);
    const deep = parseClientFrame(JSON.stringify({ type: 'state:update', path: 'a', value: nest(MAX_JSON_DEPTH + 1), version: 1, timestamp: 1 }));
    assert.equal(!deep.ok && deep.code, 'invalid_frame');
  });
});

describe('JSON values', () => {
  it('accepts what JSON.parse produces', () => {
    for (const value of [null, true, 0, -1.5, '', 'text', [], {}, { a: [1, { b: null }], c: 'd' }, JSON.parse('{"__proto__": {"x": 1}}')]) assert.equal(isJsonValue(value), true, JSON.stringify(value));
  });

  it('refuses what JSON cannot hold', () => {
    for (const value of [undefined, NaN, Infinity, () => 1, Symbol('s'), 1n, new Date(0), new Map(), { a: undefined }, [1, undefined], { nested: { fn: () => 1 } }]) {
      assert.equal(isJsonValue(value), false, String(value));
    }
  });
});

describe("the seed's DM-11.2 state:update frame", () => {
  const seedUpdate = (payload: unknown, extra: object = {}) => JSON.stringify({ type: 'state:update', payload, ...extra });
  const payload = { path: 'widgets.w1', value: { type: 'vitals' }, version: 42, timestamp: '2026-01-01T12:00:00+02:00', sourceTabId: 'tab-abc123' };

  it('maps it to the flat frame: path split, the ISO timestamp as epoch milliseconds, marked as the seed dialect', () => {
    const parsed = parseClientFrame(seedUpdate(payload));
    assert.ok(parsed.ok, JSON.stringify(parsed));
    assert.deepEqual(parsed.frame, { type: 'state:update', path: ['widgets', 'w1'], value: { type: 'vitals' }, version: 42, timestamp: Date.UTC(2026, 0, 1, 10), dialect: 'seed' });
  });

  it('never lets a flat frame claim the seed dialect', () => {
    const parsed = parseClientFrame(update('a.b', { dialect: 'seed' }));
    assert.ok(parsed.ok && parsed.frame.type === 'state:update');
    assert.equal('dialect' in parsed.frame, false);
  });

  for (const [what, frame] of [
    ['a timestamp without a zone', seedUpdate({ ...payload, timestamp: '2026-01-01T12:00:00' })],
    ['a date without a time', seedUpdate({ ...payload, timestamp: '2026-01-01' })],
    ['a number as timestamp', seedUpdate({ ...payload, timestamp: 1767261600000 })],
    ['an impossible date', seedUpdate({ ...payload, timestamp: '2026-02-30T12:00:00Z' })],
    ['a very long timestamp', seedUpdate({ ...payload, timestamp: `2026-01-01T12:00:00.${'9'.repeat(100_000)}Z` })],
    ['a payload that is an array', seedUpdate([payload])],
    ['both shapes at once', seedUpdate(payload, { path: 'a', value: 1, version: 1, timestamp: 1 })],
    ['a version that is not an integer', seedUpdate({ ...payload, version: 1.5 })],
  ] as const) {
    it(`refuses ${what} with invalid_frame`, () => {
      const parsed = parseClientFrame(frame);
      assert.equal(!parsed.ok && parsed.code, 'invalid_frame', JSON.stringify(parsed).slice(0, 300));
    });
  }

  it('refuses a forbidden path segment inside the payload', () => {
    const parsed = parseClientFrame(seedUpdate({ ...payload, path: 'a.__proto__' }));
    assert.equal(!parsed.ok && parsed.code, 'forbidden_path');
  });
});
