/**
 * Identity on REST, declared per route where it is registered (the router knows nothing of it):
 *
 *   router.on('POST', '/rooms', withAuth(auth, createRoom));       // checked: (ctx, caller)
 *   router.on('GET', '/auth/me', withIdentity(auth, me));          // identity required: (ctx, identity)
 *   router.on('POST', '/auth/login', login);                       // none: never reads a token
 *
 * `withAuth` resolves `Authorization: Bearer` (an invalid token is a 401, never a silent
 * fall-back to anonymous), applies REQUIRE_AUTH to writes, and hands the route its `Caller`.
 */
import { ErrorCode } from '../../shared/protocol.ts';
import type { Ctx } from '../http/context.ts';
import { HttpError } from '../http/errors.ts';
import type { Handler } from '../http/router.ts';
import type { AuthService, Identity } from './service.ts';
import { bearerToken } from './tokens.ts';

/** Who a request acts as: what `withAuth` hands its route. */
export interface Caller {
  /** Null for an anonymous request. */
  identity: Identity | null;
  service: AuthService;
}

/** A route that is told who calls it. */
export type CallerHandler = (ctx: Ctx, caller: Caller) => Promise<void> | void;

/** A route that runs only for a proven identity. */
export type IdentityHandler = (ctx: Ctx, identity: Identity) => Promise<void> | void;

/**
 * The checked policy: a token that is sent must be valid (401 invalid_token), REQUIRE_AUTH
 * refuses tokenless writes (401 auth_required), and anyone else is an anonymous caller.
 */
export function withAuth(auth: AuthService, handler: CallerHandler): Handler {
  const anonymous: Caller = Object.freeze({ identity: null, service: auth });
  return (ctx) => {
    // No Authorization header and nothing required: anonymous, straight to the route (no extra await).
    if (
      ctx.req.headers.authorization === undefined &&
      (!auth.requireAuth || ctx.method === 'GET' || ctx.method === 'HEAD')
    ) {
      return handler(ctx, anonymous);
    }
    return resolveIdentity(ctx, auth).then((identity) =>
      handler(ctx, identity === null ? anonymous : { identity, service: auth }),
    );
  };
}

/** The checked policy, then 401 auth_required unless the caller proved an identity. */
export function withIdentity(auth: AuthService, handler: IdentityHandler): Handler {
  return withAuth(auth, (ctx, caller) => {
    if (!caller.identity) throw refuse(ctx, authRequired('Send your token: Authorization: Bearer <token>'));
    return handler(ctx, caller.identity);
  });
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

/** 403 when the caller carries a token for someone other than `userId`. */
function assertActsAs(caller: Caller, userId: string): void {
  if (caller.identity && caller.identity.userId !== userId) {
    throw new HttpError(403, ErrorCode.Forbidden, 'This token belongs to another user');
  }
}

/**
 * Acting as `userId` (join, post, profile): 403 with another user's token, and 401 when a
 * tokenless request names an account user, so an account's name, avatar, memberships and
 * messages can only come from its own token. Anonymous users need no token. Synchronous
 * (no promise) when the user's kind is already known.
 */
export function assertMayActAs(caller: Caller, userId: string): Promise<void> | void {
  assertActsAs(caller, userId);
  if (caller.identity) return;
  const known = caller.service.knownAccount(userId);
  if (known === false) return;
  if (known === true) throw accountNeedsToken();
  return caller.service.isAccount(userId).then((yes) => {
    if (yes) throw accountNeedsToken();
  });
}

function accountNeedsToken(): HttpError {
  return authRequired("This user is an account: send the account's token (Authorization: Bearer <token>)");
}
