// The engine's own error: what went wrong as a kind callers can act on, and the API's code for it.
// The relay turns a kind into an HTTP status and a WebSocket error code in one place (relay/errors.ts),
// so domain code never speaks HTTP.

/**
 * `invalid`: the input is wrong; `unauthorized`: the caller is not who it must be; `not_found`: no
 * such thing; `conflict`: not in this state; `limit`: too many at once; `unavailable`: a store or the
 * engine cannot do it now.
 */
export type EngineErrorKind = 'invalid' | 'unauthorized' | 'not_found' | 'conflict' | 'limit' | 'unavailable';

export class EngineError extends Error {
  constructor(
    readonly kind: EngineErrorKind,
    /** The API's error code (`invalid_widget`, `unknown_agent`, …): part of the public contract. */
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'EngineError';
  }
}
