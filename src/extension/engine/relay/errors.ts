// Where an engine error meets the wire: one HTTP status and one WebSocket error code per kind.
import type { ErrorCode, ServerFrame } from '../../../shared/protocol';
import { EngineError, type EngineErrorKind } from '../errors';
import type { Logger } from '../log';
import { HttpError } from './http';

const HTTP_STATUS: Record<EngineErrorKind, number> = { invalid: 400, unauthorized: 401, not_found: 404, conflict: 409, limit: 429, unavailable: 503 };

const FRAME_CODE: Record<EngineErrorKind, ErrorCode> = {
  invalid: 'invalid_frame',
  unauthorized: 'unauthorized',
  not_found: 'not_found',
  conflict: 'conflict',
  limit: 'too_many_tasks',
  unavailable: 'store_unavailable',
};

export function httpErrorOf(error: EngineError): HttpError {
  return new HttpError(HTTP_STATUS[error.kind], error.code, error.message);
}

/** The WebSocket `error` frame for a frame the engine refused; anything but an engine error is the relay's fault, told without its detail. */
export function errorFrame(error: unknown, id: string | undefined, logger: Logger): ServerFrame {
  const idField = id ? { id } : {};
  // A report on a task the person cancelled tells the agent so in its own code: it should stop.
  if (error instanceof EngineError) return { type: 'error', code: error.code === 'cancelled' ? 'cancelled' : FRAME_CODE[error.kind], message: error.message, ...idField };
  logger.error(`frame handling failed: ${(error as Error).message}`);
  return { type: 'error', code: 'internal', message: 'the relay could not apply this frame', ...idField };
}
