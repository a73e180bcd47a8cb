/** POST /users, GET /users/:id, PUT /users/:id/profile. */
import { ErrorCode, type ProfileResponseDto } from '../../shared/protocol.ts';
import { validateCreateUser, validateProfile } from '../../shared/validate.ts';
import { assertMayActAs, withAuth, type CallerHandler } from '../auth/guard.ts';
import { userDto } from '../dto.ts';
import { notFound, validationError } from '../http/errors.ts';
import { readJsonObject, sendJson } from '../http/respond.ts';
import type { Handler, Router } from '../http/router.ts';
import { memberPatch } from '../store/store.ts';
import type { RouteDeps } from './deps.ts';
import { checkId } from './ids.ts';

const userNotFound = () => notFound(ErrorCode.UserNotFound, 'User not found');

export function registerUsers(router: Router, deps: RouteDeps): void {
  const { store, config, auth } = deps;

  const createUser: CallerHandler = async (ctx, caller) => {
    const input = validateCreateUser(await readJsonObject(ctx, config.maxBodyBytes));
    if (!input.ok) throw validationError(input.errors);
    await deps.creation.charge('create_user', ctx.ip, caller.identity?.userId);
    const user = await store.createUser({ username: input.value.username });
    sendJson(ctx, 201, userDto(user));
  };

  const getUser: Handler = async (ctx) => {
    const id = checkId(ctx.params.id, userNotFound);
    const user = await store.getUser(id);
    if (!user) throw userNotFound();
    sendJson(ctx, 200, userDto(user));
  };

  const updateProfile: CallerHandler = async (ctx, caller) => {
    const id = checkId(ctx.params.id, userNotFound);
    await assertMayActAs(caller, id);
    const input = validateProfile(await readJsonObject(ctx, config.maxBodyBytes));
    if (!input.ok) throw validationError(input.errors, input.status);
    const patch = memberPatch({ username: input.value.display_name, avatar_url: input.value.avatar_url });
    const user = await store.updateUser(id, patch);
    if (!user) throw userNotFound();
    const body: ProfileResponseDto = { success: true, user: userDto(user) };
    sendJson(ctx, 200, body);
  };

  // Each route's auth policy is the wrapper it is registered with (auth/guard.ts).
  router.on('POST', '/users', withAuth(auth, createUser));
  router.on('GET', '/users/:id', withAuth(auth, getUser));
  router.on('PUT', '/users/:id/profile', withAuth(auth, updateProfile));
}
