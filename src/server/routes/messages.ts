/** GET and POST /rooms/:id/messages (POST is the REST fallback; it broadcasts like a socket). */
import { validatePageQuery, validatePostMessage } from '../../shared/validate.ts';
import { assertActsAs } from '../auth/guard.ts';
import { messageDto } from '../dto.ts';
import { roomNotFound, userNotFoundInBody, validationError } from '../http/errors.ts';
import { readJsonObject, sendJson } from '../http/respond.ts';
import type { Router } from '../http/router.ts';
import type { MemberPatch } from '../store/store.ts';
import type { RouteDeps } from './deps.ts';
import { checkId } from './ids.ts';

export function registerMessages(router: Router, deps: RouteDeps): void {
  const { store, config, chat } = deps;

  router.on('GET', '/rooms/:id/messages', async (ctx) => {
    const roomId = checkId(ctx.params.id, roomNotFound);
    const page = validatePageQuery(ctx.url.searchParams);
    if (!page.ok) throw validationError(page.errors);
    if (!(await store.getRoom(roomId))) throw roomNotFound();
    const messages = await store.listMessages(roomId, page.value);
    sendJson(ctx, 200, messages.map(messageDto));
  });

  router.on('POST', '/rooms/:id/messages', async (ctx) => {
    const roomId = checkId(ctx.params.id, roomNotFound);
    const input = validatePostMessage(await readJsonObject(ctx, config.maxBodyBytes));
    if (!input.ok) throw validationError(input.errors);
    assertActsAs(ctx, input.value.user_id);
    const userId = input.value.user_id;
    const post = { roomId, userId, content: input.value.content, clientMsgId: input.value.client_msg_id };
    // In-memory store and a member already: stored and broadcast with no await in between.
    const now = chat.postNow(post);
    if (now) return sendJson(ctx, now.created ? 201 : 200, now.message);
    // A membership implies the room and the user exist: one lookup on the hot path, not three.
    let member = await store.getMember(roomId, userId);
    if (!member) {
      const [room, user] = await Promise.all([store.getRoom(roomId), store.getUser(userId)]);
      if (!room) throw roomNotFound();
      if (!user) throw userNotFoundInBody();
      const fill: MemberPatch = {};
      if (input.value.username !== undefined) fill.username = input.value.username;
      if (input.value.avatar_url !== undefined) fill.avatar_url = input.value.avatar_url;
      member = await chat.join(roomId, userId, fill, 'fill');
    }
    const { message, created } = await chat.post({ ...post, member });
    // 201 for a new message; 200 when a retried client_msg_id returns the original.
    sendJson(ctx, created ? 201 : 200, message);
  });
}
