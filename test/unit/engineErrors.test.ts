import assert from 'node:assert/strict';
import { EngineError, type EngineErrorKind } from '../../src/extension/engine/errors';
import { errorFrame, httpErrorOf } from '../../src/extension/engine/relay/errors';
import { HttpError } from '../../src/extension/engine/relay/http';
import type { Logger } from '../../src/extension/engine/log';

const quiet: Logger = { trace() {}, debug() {}, info() {}, warn() {}, error() {} };

describe('engine errors at the relay', () => {
  it('maps each kind once to its HTTP status and its WebSocket error code, keeping the API code and message', () => {
    const expected: Record<EngineErrorKind, [number, string]> = {
      invalid: [400, 'invalid_frame'],
      unauthorized: [401, 'unauthorized'],
      not_found: [404, 'not_found'],
      conflict: [409, 'conflict'],
      limit: [429, 'too_many_tasks'],
      unavailable: [503, 'store_unavailable'],
    };
    for (const [kind, [status, frameCode]] of Object.entries(expected) as [EngineErrorKind, [number, string]][]) {
      const error = new EngineError(kind, `api_${kind}`, `the ${kind} case`);
      const http = httpErrorOf(error);
      assert.ok(http instanceof HttpError);
      assert.deepEqual([http.status, http.code, http.message], [status, `api_${kind}`, `the ${kind} case`]);
      assert.deepEqual(errorFrame(error, 'f1', quiet), { type: 'error', code: frameCode, message: `the ${kind} case`, id: 'f1' });
    }
  });

  it('answers anything else as internal without its message', () => {
    assert.deepEqual(errorFrame(new Error('secret detail'), undefined, quiet), { type: 'error', code: 'internal', message: 'the relay could not apply this frame' });
  });
});
