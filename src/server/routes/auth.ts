/** POST /auth/signup, POST /auth/login, POST /auth/logout, GET /auth/me. */
import { ErrorCode, type AccountUserDto, type AuthResponseDto } from '../../shared/protocol.ts';
import { validateLogin, validateSignup } from '../../shared/validate.ts';
import { withIdentity } from '../auth/guard.ts';
import type { Session } from '../auth/service.ts';
import { userDto } from '../dto.ts';
import { notFound, validationError } from '../http/errors.ts';
import { readJsonObject, sendEmpty, sendJson } from '../http/respond.ts';
import type { Router } from '../http/router.ts';
import type { User } from '../store/store.ts';
import type { RouteDeps } from './deps.ts';
import { isoDate } from '../iso-time.ts';

/** Token responses are never stored by any cache, whatever the method (RFC 6749 §5.1). */
const NO_STORE = { 'Cache-Control': 'no-store' };

/** Register the account routes. Sign-up and login never read a token: a stale one must not stop anyone logging in. */
export function registerAuth(router: Router, deps: RouteDeps): void {
  const { config, store, auth } = deps;

  router.on('POST', '/auth/signup', async (ctx) => {
    const input = validateSignup(await readJsonObject(ctx, config.maxBodyBytes));
    if (!input.ok) throw validationError(input.errors);
    sendJson(ctx, 201, authResponse(await auth.signup(input.value, ctx.ip)), NO_STORE);
  });

  router.on('POST', '/auth/login', async (ctx) => {
    const input = validateLogin(await readJsonObject(ctx, config.maxBodyBytes));
    if (!input.ok) throw validationError(input.errors);
    sendJson(ctx, 200, authResponse(await auth.login(input.value, ctx.ip)), NO_STORE);
  });

  router.on(
    'POST',
    '/auth/logout',
    withIdentity(auth, async (ctx, identity) => {
      ctx.req.resume();
      await auth.logout(identity);
      sendEmpty(ctx, 204);
    }),
  );

  router.on(
    'GET',
    '/auth/me',
    withIdentity(auth, async (ctx, identity) => {
      const [user, account] = await Promise.all([
        store.getUser(identity.userId),
        auth.accounts.findByUserId(identity.userId),
      ]);
      if (!user || !account) throw notFound(ErrorCode.UserNotFound, 'User not found');
      sendJson(ctx, 200, accountUserDto(user, account.email));
    }),
  );
}

function accountUserDto(user: User, email: string): AccountUserDto {
  return { ...userDto(user), email };
}

function authResponse(session: Session): AuthResponseDto {
  return {
    user: accountUserDto(session.user, session.account.email),
    token: session.token,
    expires_at: isoDate(session.expiresAt),
  };
}
