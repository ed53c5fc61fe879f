// What the fuzzer makes of the relay's handling of one raw HTTP request.
import type { RawOutcome } from '../helpers/rawHttp';
import type { HttpInput } from './fuzzInputs';

export interface HttpVerdict {
  /**
   * `answer lost`: the client half-closed its side and the relay closed without an answer (Node aborts a
   * request whose client ended before its answer was written; reads of files take that long): neither a
   * refusal nor a failure. `dropped`: a well-formed request closed without an answer, as a handler that
   * crashed would leave it: a failure. `server error` (5xx) and `hang` are failures too.
   */
  count: 'answered' | 'refused' | 'answer lost' | 'dropped' | 'server error' | 'hang';
  /** The outcome proves the request changed nothing (refused, or only read). */
  changesNothing: boolean;
  /** Its work may go on after the outcome (its answer was lost). */
  unsettled: boolean;
}

export function httpVerdict(input: HttpInput, outcome: RawOutcome): HttpVerdict {
  const verdict = (count: HttpVerdict['count'], changesNothing = false, unsettled = false): HttpVerdict => ({ count, changesNothing, unsettled });
  if (outcome.kind === 'hang') return verdict('hang');
  if (outcome.kind === 'closed') {
    if (input.halfClose) return verdict('answer lost', false, true);
    // A hostile request line (CONNECT, HTTP/0.9…) or upgrade may be refused by a close; a well-formed request may not.
    return input.door === 'http' ? verdict('dropped') : verdict('refused', true);
  }
  if (outcome.status >= 500) return verdict('server error');
  if (outcome.status >= 400) return verdict('refused', true);
  const readOnly = input.door === 'upgrade' || (input.door === 'http' && (input.method === 'GET' || input.method === 'HEAD'));
  return verdict('answered', readOnly);
}
