/**
 * All WebSocket admission happens here, before the handshake (ws README, "Client
 * authentication"): path -> Origin -> connection limits. Room and user are checked after
 * accept (connection.ts) because the frontend stops retrying only on a 4004 close.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { ErrorCode, type ErrorBody } from '../../shared/protocol.ts';
import { bearerToken } from '../auth/tokens.ts';
import type { Config } from '../config.ts';
import { clientIp } from '../http/client-ip.ts';
import { isOriginAllowed } from '../http/cors.ts';
import { rawAnswer, writeRawAnswer } from '../http/raw-answer.ts';

export interface WsTarget {
  roomId: string;
  userId: string;
  query: URLSearchParams;
  ip: string;
  origin: string | undefined;
  /** `?token=` (browsers cannot set headers on a WebSocket), else `Authorization: Bearer`. Checked after accept. */
  token?: string;
}

export type Admission = { ok: true; target: WsTarget } | { ok: false; status: number; code: string; detail: string };

const WS_PATH_RE = /^\/ws\/([^/]+)\/([^/]+)\/?$/;

/** Decide whether to accept an upgrade. Pure apart from reading the request. */
export function admit(
  req: IncomingMessage,
  config: Config,
  counts: { total: number; forIp(ip: string): number },
): Admission {
  let url: URL;
  try {
    url = new URL(req.url ?? '/', 'http://localhost');
  } catch {
    return { ok: false, status: 404, code: ErrorCode.NotFound, detail: 'Not a WebSocket path' };
  }
  const m = WS_PATH_RE.exec(url.pathname);
  const roomId = m && safeDecode(m[1] as string);
  const userId = m && safeDecode(m[2] as string);
  if (!roomId || !userId) {
    return { ok: false, status: 404, code: ErrorCode.NotFound, detail: 'WebSocket path is /ws/{room_id}/{user_id}' };
  }
  const origin = typeof req.headers.origin === 'string' ? req.headers.origin : undefined;
  const originOk = origin === undefined ? config.wsAllowNoOrigin : isOriginAllowed(origin, config.origins);
  if (!originOk) return { ok: false, status: 403, code: ErrorCode.OriginNotAllowed, detail: 'Origin not allowed' };
  const ip = clientIp(req, config.trustProxy);
  if (counts.total >= config.maxConnections) {
    return {
      ok: false,
      status: 503,
      code: ErrorCode.TooManyConnections,
      detail: 'The server is at its connection limit; retry later',
    };
  }
  if (counts.forIp(ip) >= config.maxConnectionsPerIp) {
    return {
      ok: false,
      status: 429,
      code: ErrorCode.TooManyConnections,
      detail: 'Too many open connections from your address',
    };
  }
  const bearer = bearerToken(req.headers.authorization);
  // An empty ?token= counts as none; a malformed Authorization header as an invalid token.
  const token = url.searchParams.get('token') || (bearer === null ? '' : bearer);
  if (token === undefined && config.requireAuth) {
    return {
      ok: false,
      status: 401,
      code: ErrorCode.AuthRequired,
      detail: 'This server requires an account token: add ?token=<token> to the URL',
    };
  }
  return {
    ok: true,
    target: { roomId, userId, query: url.searchParams, ip, origin, ...(token === undefined ? {} : { token }) },
  };
}

function safeDecode(s: string): string | null {
  try {
    return decodeURIComponent(s);
  } catch {
    return null;
  }
}

/**
 * Refuse an upgrade with a plain HTTP response and a JSON body (like ws's abortHandshake).
 * Logging is the caller's (reject-log.ts bounds and samples it). 429 and 503 carry
 * `Retry-After: retryAfterS`.
 */
export function refuseUpgrade(socket: Duplex, status: number, body: ErrorBody, retryAfterS = 5): void {
  const retry: Record<string, string> = status === 429 || status === 503 ? { 'Retry-After': String(retryAfterS) } : {};
  writeRawAnswer(socket, rawAnswer(status, body, retry));
}
