/**
 * The one place a limit refusal becomes an answer: every REST 429 (request rates, sign-in
 * attempts, creation budgets, body bytes in flight) is built here, so the wording, the
 * Retry-After header and any future counting of refusals live in one function.
 */
import { ErrorCode } from '../../shared/protocol.ts';
import { HttpError } from '../http/errors.ts';

/** Which budget refused: named in logs and (later) metrics. */
export type LimitKind = 'read' | 'write' | 'health' | 'login' | 'create_room' | 'create_user' | 'body_bytes';

/** Sentence start per kind; the retry delay is appended. */
const WHAT: Record<LimitKind, string> = {
  read: 'Too many requests',
  write: 'Too many requests',
  health: 'Too many health checks from your address',
  login: 'Too many sign-in attempts',
  create_room: 'Too many rooms created from your address',
  create_user: 'Too many users created from your address',
  body_bytes: 'Too many request bodies being uploaded from your address at once',
};

/** 503 `server_busy` with Retry-After: a budget shared by every client is spent (the client did nothing wrong). */
export function serverBusy(retryAfterS: number): HttpError {
  return new HttpError(
    503,
    ErrorCode.ServerBusy,
    `The server is busy receiving other uploads; retry in ${retryAfterS} s`,
    {
      headers: { 'Retry-After': String(retryAfterS) },
    },
  );
}

/** The 429 `rate_limited` for `kind` with `Retry-After` (whole seconds, at least 1) from `waitMs`. */
export function limitRefused(kind: LimitKind, waitMs: number): HttpError {
  const retryAfterS = Math.max(1, Math.ceil(waitMs / 1000));
  return new HttpError(429, ErrorCode.RateLimited, `${WHAT[kind]}; retry in ${retryAfterS} s`, {
    headers: { 'Retry-After': String(retryAfterS) },
    limit: kind,
  });
}
