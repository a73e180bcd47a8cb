/** The one error type routes throw; `respond.sendError` is the one place that writes it. */
import { ErrorCode, type FieldError } from '../../shared/protocol.ts';

export class HttpError extends Error {
  override name = 'HttpError';
  constructor(
    readonly status: number,
    readonly code: string,
    readonly detail: string,
    readonly extra: {
      errors?: FieldError[];
      headers?: Record<string, string>;
      /** The budget behind a 429 (limits/refusal.ts), for metrics. */ limit?: string;
    } = {},
  ) {
    super(detail);
  }
}

/** 422 (or the seed's 400) with a sentence built from the field errors. */
export function validationError(errors: FieldError[], status = 422): HttpError {
  const detail = errors.map((e) => e.message).join('; ');
  return new HttpError(status, ErrorCode.ValidationError, capitalise(detail), { errors });
}

export const notFound = (code: string, detail: string): HttpError => new HttpError(404, code, detail);
export const roomNotFound = (): HttpError => notFound(ErrorCode.RoomNotFound, 'Room not found');
/** 400: the frontend repairs itself (creates a user, retries) on exactly "User not found". */
export const userNotFoundInBody = (): HttpError =>
  new HttpError(400, ErrorCode.UserNotFound, 'User not found: create one with POST /users first');

function capitalise(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
