// How the reliability fuzzer reads what the relay did with one raw HTTP request.
import { strict as assert } from 'node:assert';
import type { HttpInput } from '../reliability/fuzzInputs';
import { httpVerdict } from '../reliability/fuzzVerdict';

const input = (door: HttpInput['door'], method: string, halfClose: boolean): HttpInput => ({ door, method, text: Buffer.from(''), halfClose });
const status = (code: number) => ({ kind: 'status' as const, status: code, head: `HTTP/1.1 ${code} X` });
const closed = { kind: 'closed' as const };

describe('fuzzer: the verdict on one raw HTTP request', () => {
  it('takes a half-closed request closed without an answer for a lost answer: not refused, not a failure, maybe still at work', () => {
    // Node aborts a request whose client ended its side before the (asynchronous) answer was written.
    assert.deepEqual(httpVerdict(input('raw-http', '?', true), closed), { count: 'answer lost', changesNothing: false, unsettled: true });
  });

  it('fails a well-formed request the relay closed without an answer, as a crashed handler would', () => {
    assert.deepEqual(httpVerdict(input('http', 'GET', false), closed), { count: 'dropped', changesNothing: false, unsettled: false });
  });

  it('takes a close as the refusal of a hostile request line or upgrade', () => {
    assert.deepEqual(httpVerdict(input('request-line', 'CONNECT', false), closed), { count: 'refused', changesNothing: true, unsettled: false });
    assert.deepEqual(httpVerdict(input('upgrade', 'GET', false), closed), { count: 'refused', changesNothing: true, unsettled: false });
  });

  it('reads a status: 5xx fails, 4xx refused, other answers change nothing only for reads', () => {
    assert.equal(httpVerdict(input('http', 'GET', false), status(500)).count, 'server error');
    assert.deepEqual(httpVerdict(input('raw-http', '?', true), status(400)), { count: 'refused', changesNothing: true, unsettled: false });
    assert.deepEqual(httpVerdict(input('http', 'GET', false), status(200)), { count: 'answered', changesNothing: true, unsettled: false });
    assert.deepEqual(httpVerdict(input('upgrade', 'GET', false), status(101)), { count: 'answered', changesNothing: true, unsettled: false });
    assert.deepEqual(httpVerdict(input('http', 'POST', false), status(201)), { count: 'answered', changesNothing: false, unsettled: false });
    assert.deepEqual(httpVerdict(input('raw-http', '?', true), status(200)), { count: 'answered', changesNothing: false, unsettled: false });
  });

  it('fails a request with neither an answer nor a close in time', () => {
    assert.deepEqual(httpVerdict(input('http', 'GET', false), { kind: 'hang' }), { count: 'hang', changesNothing: false, unsettled: false });
  });
});
