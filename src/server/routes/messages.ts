/** GET and POST /rooms/:id/messages (POST is the REST fallback; it broadcasts like a socket). */
import { validatePageQuery, validatePostMessage, type PostMessageInput } from '../../shared/validate.ts';
import { assertMayActAs, withAuth, type Caller, type CallerHandler } from '../auth/guard.ts';
import type { PostInput } from '../chat.ts';
import { messageDto } from '../dto.ts';
import type { Ctx } from '../http/context.ts';
import { roomNotFound, userNotFoundInBody, validationError } from '../http/errors.ts';
import { failRequest, toHttpError } from '../http/fail.ts';
import { onJsonObject, sendJson } from '../http/respond.ts';
import type { Handler, Router } from '../http/router.ts';
import { memberPatch } from '../store/store.ts';
import type { RouteDeps } from './deps.ts';
import { checkId } from './ids.ts';

export function registerMessages(router: Router, deps: RouteDeps): void {
  const { store, config, chat, log, auth } = deps;

  const listMessages: Handler = async (ctx) => {
    const roomId = checkId(ctx.params.id, roomNotFound);
    const page = validatePageQuery(ctx.url.searchParams);
    if (!page.ok) throw validationError(page.errors);
    if (!(await store.getRoom(roomId))) throw roomNotFound();
    const messages = await store.listMessages(roomId, page.value);
    sendJson(ctx, 200, messages.map(messageDto));
  };

  // The hottest route, written without promises on its fast path: the body comes to a
  // callback (onJsonObject), and with the in-memory store a member's message is stored,
  // broadcast and answered synchronously; anything thrown goes to failRequest.
  const createMessage: CallerHandler = (ctx, caller) => {
    const roomId = checkId(ctx.params.id, roomNotFound);
    onJsonObject(
      ctx,
      config.maxBodyBytes,
      (body) => postMessage(ctx, caller, roomId, body),
      (err) => {
        deps.metrics?.messageRejected(toHttpError(err).code);
        failRequest(ctx, log, err);
      },
    );
  };

  // Each route's auth policy is the wrapper it is registered with (auth/guard.ts).
  router.on('GET', '/rooms/:id/messages', withAuth(auth, listMessages));
  router.on('POST', '/rooms/:id/messages', withAuth(auth, createMessage));

  function postMessage(ctx: Ctx, caller: Caller, roomId: string, body: Record<string, unknown>): Promise<void> | void {
    const input = validatePostMessage(body);
    if (!input.ok) throw validationError(input.errors);
    const post = {
      roomId,
      userId: input.value.user_id,
      content: input.value.content,
      clientMsgId: input.value.client_msg_id,
    };
    // A tokenless request for a user not seen yet waits for one account lookup; then the fast path.
    const allowed = assertMayActAs(caller, post.userId);
    if (allowed) return allowed.then(() => postAllowed(ctx, post, input.value));
    return postAllowed(ctx, post, input.value);
  }

  function postAllowed(ctx: Ctx, post: PostInput, input: PostMessageInput): Promise<void> | void {
    // In-memory store and a member already: stored and broadcast with no await in between.
    const now = chat.postNow(post);
    if (now) {
      sendJson(ctx, now.created ? 201 : 200, now.message);
      return;
    }
    return postWithLookups(ctx, post, input);
  }

  /** Any other store, or not a member yet: join on the fly (the seed's contract), then post. */
  async function postWithLookups(ctx: Ctx, post: PostInput, input: PostMessageInput): Promise<void> {
    const { roomId, userId } = post;
    // A member's message: one statement reads the membership and stores (when the store can).
    const direct = await chat.postAsMember(post);
    if (direct) {
      sendJson(ctx, direct.created ? 201 : 200, direct.message);
      return;
    }
    // Else a membership implies the room and the user exist: one lookup, not three.
    let member = direct === undefined ? await store.getMember(roomId, userId) : null;
    if (!member) {
      const [room, user] = await Promise.all([store.getRoom(roomId), store.getUser(userId)]);
      if (!room) throw roomNotFound();
      if (!user) throw userNotFoundInBody();
      member = await chat.join(roomId, userId, memberPatch(input), 'fill');
    }
    const { message, created } = await chat.post({ ...post, member });
    // 201 for a new message; 200 when a retried client_msg_id returns the original.
    sendJson(ctx, created ? 201 : 200, message);
  }
}
