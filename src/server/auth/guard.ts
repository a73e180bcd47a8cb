/**
 * Identity on REST. `AuthRouter` wraps every route: it resolves `Authorization: Bearer`
 * (an invalid token is a 401, never a silent fall-back to anonymous), applies REQUIRE_AUTH
 * to writes, and leaves the identity on `ctx.auth` for the per-route checks below.
 */
import { ErrorCode } from '../../shared/protocol.ts';
import type { Ctx } from '../http/context.ts';
import { HttpError } from '../http/errors.ts';
import { Router, type Handler } from '../http/router.ts';
import type { AuthService, Identity } from './service.ts';
import { bearerToken } from './tokens.ts';

/** What the guard leaves on the request context. */
export interface RequestAuth {
  /** Null for an anonymous request. */
  identity: Identity | null;
  service: AuthService;
}

/** Routes that never look at a token: a stale token must not stop anyone logging in again. */
const TOKENLESS = new Set(['POST /auth/signup', 'POST /auth/login']);

/** A Router whose every handler first runs the auth guard. */
export class AuthRouter extends Router {
  constructor(private readonly auth: AuthService) {
    super();
  }

  override on(method: string, pattern: string, handler: Handler): this {
    if (TOKENLESS.has(`${method.toUpperCase()} ${pattern}`)) return super.on(method, pattern, handler);
    const auth = this.auth;
    const anonymousAuth: RequestAuth = Object.freeze({ identity: null, service: auth });
    return super.on(method, pattern, (ctx) => {
      // No Authorization header and nothing required: anonymous, straight to the route (no extra await).
      if (
        ctx.req.headers.authorization === undefined &&
        (!auth.requireAuth || ctx.method === 'GET' || ctx.method === 'HEAD')
      ) {
        ctx.auth = anonymousAuth;
        return handler(ctx);
      }
      return resolveIdentity(ctx, auth).then((identity) => {
        ctx.auth = { identity, service: auth };
        return handler(ctx);
      });
    });
  }
}

async function resolveIdentity(ctx: Ctx, auth: AuthService): Promise<Identity | null> {
  const token = bearerToken(ctx.req.headers.authorization);
  const write = ctx.method !== 'GET' && ctx.method !== 'HEAD';
  if (token === undefined) {
    if (write && auth.requireAuth)
      throw refuse(
        ctx,
        authRequired('This server requires an account token for changes: send Authorization: Bearer <token>'),
      );
    return null;
  }
  const identity = token === null ? null : await auth.identify(token);
  if (!identity) {
    throw refuse(
      ctx,
      new HttpError(401, ErrorCode.InvalidToken, 'Your session token is invalid or has expired; log in again', {
        headers: { 'WWW-Authenticate': 'Bearer error="invalid_token"' },
      }),
    );
  }
  return identity;
}

/** Drain an unread body so the connection stays usable, then hand back the error. */
function refuse(ctx: Ctx, err: HttpError): HttpError {
  ctx.req.resume();
  return err;
}

/** 401 auth_required with a Bearer challenge. */
export function authRequired(detail: string): HttpError {
  return new HttpError(401, ErrorCode.AuthRequired, detail, { headers: { 'WWW-Authenticate': 'Bearer' } });
}

/** The proven identity, or 401 auth_required. */
export function requireIdentity(ctx: Ctx): Identity {
  const identity = ctx.auth?.identity;
  if (!identity) throw authRequired('Send your token: Authorization: Bearer <token>');
  return identity;
}

/** 403 when the request carries a token for someone other than `userId`. */
export function assertActsAs(ctx: Ctx, userId: string): void {
  const identity = ctx.auth?.identity;
  if (identity && identity.userId !== userId) {
    throw new HttpError(403, ErrorCode.Forbidden, 'This token belongs to another user');
  }
}

/**
 * Acting as `userId` (join, post, profile): 403 with another user's token, and 401 when a
 * tokenless request names an account user, so an account's name, avatar, memberships and
 * messages can only come from its own token. Anonymous users need no token. Synchronous
 * (no promise) when the user's kind is already known.
 */
export function assertMayActAs(ctx: Ctx, userId: string): Promise<void> | void {
  assertActsAs(ctx, userId);
  const auth = ctx.auth;
  if (!auth || auth.identity) return;
  const known = auth.service.knownAccount(userId);
  if (known === false) return;
  if (known === true) throw accountNeedsToken();
  return auth.service.isAccount(userId).then((yes) => {
    if (yes) throw accountNeedsToken();
  });
}

function accountNeedsToken(): HttpError {
  return authRequired("This user is an account: send the account's token (Authorization: Bearer <token>)");
}
