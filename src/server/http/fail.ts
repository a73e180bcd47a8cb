/** Turning whatever a request threw into its error response: one place for routes and the pipeline. */
import { ErrorCode } from '../../shared/protocol.ts';
import type { Logger } from '../log.ts';
import { CursorNotFoundError, StoreUnavailableError } from '../store/store.ts';
import type { Ctx } from './context.ts';
import { HttpError } from './errors.ts';
import { sendError } from './respond.ts';

/** Answer a failed request with its HttpError (logging 5xx). */
export function failRequest(ctx: Ctx, log: Logger, err: unknown): void {
  const httpErr = toHttpError(err);
  // A store outage is logged once when it starts and once when it ends (metrics/outage.ts), not per request.
  if (err instanceof StoreUnavailableError)
    log.debug('request failed: storage unavailable', { request_id: ctx.requestId, method: ctx.method, path: ctx.path });
  else if (httpErr.status >= 500) {
    log.error('request failed', {
      request_id: ctx.requestId,
      method: ctx.method,
      path: ctx.path,
      status: httpErr.status,
      err,
    });
  }
  sendError(ctx, httpErr);
}

/** Map anything thrown to an HttpError; unknown errors become a 500 without details. */
export function toHttpError(err: unknown): HttpError {
  if (err instanceof HttpError) return err;
  if (err instanceof StoreUnavailableError) {
    return new HttpError(
      503,
      ErrorCode.StorageUnavailable,
      'The database cannot be reached right now; try again shortly',
      {
        headers: { 'Retry-After': '5' },
      },
    );
  }
  if (err instanceof CursorNotFoundError) return new HttpError(404, ErrorCode.NotFound, err.message);
  return new HttpError(500, ErrorCode.InternalError, 'Something went wrong on our side; it has been logged');
}
