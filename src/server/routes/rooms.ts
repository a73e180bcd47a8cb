/** POST/GET /rooms, GET /rooms/:id, POST /rooms/:id/join (+ the seed's /:id/join), 501 CDN routes. */
import { ErrorCode, type JoinResponseDto } from '../../shared/protocol.ts';
import { validateCreateRoom, validateJoin } from '../../shared/validate.ts';
import { assertMayActAs, withAuth, type CallerHandler } from '../auth/guard.ts';
import { roomDto, roomListItemDto } from '../dto.ts';
import { HttpError, roomNotFound, userNotFoundInBody, validationError } from '../http/errors.ts';
import { publicOrigin } from '../http/public-url.ts';
import { readJsonObject, sendJson } from '../http/respond.ts';
import type { Handler, Router } from '../http/router.ts';
import { memberPatch } from '../store/store.ts';
import { decodeDataUrl } from '../thumbnails.ts';
import type { RouteDeps } from './deps.ts';
import { checkId } from './ids.ts';
import { nextPageHeaders, parseRoomPageQuery } from './room-page.ts';

export function registerRooms(router: Router, deps: RouteDeps): void {
  const { store, config, chat, auth } = deps;

  const createRoom: CallerHandler = async (ctx, caller) => {
    const input = validateCreateRoom(await readJsonObject(ctx, config.maxBodyBytes));
    if (!input.ok) throw validationError(input.errors);
    const { name, thumbnail_url } = input.value;
    // A data: thumbnail is kept once as bytes and served from GET /thumbnails/{id}.
    const thumbnail = thumbnail_url?.startsWith('data:') ? decodeDataUrl(thumbnail_url) : null;
    if (thumbnail_url?.startsWith('data:') && !thumbnail) {
      throw validationError([{ field: 'thumbnail_url', message: 'thumbnail_url data URL holds no image' }]);
    }
    await deps.creation.charge('create_room', ctx.ip, caller.identity?.userId);
    const room = await store.createRoom(thumbnail ? { name, thumbnail_url: null, thumbnail } : { name, thumbnail_url });
    sendJson(ctx, 201, roomDto(room, publicOrigin(ctx, config)));
  };

  // One page, newest first by keyset on the creation order (see docs/protocol.md).
  const listRooms: Handler = async (ctx) => {
    const query = parseRoomPageQuery(ctx.url.searchParams, config);
    const rooms = await store.listRooms({
      limit: query.limit + 1,
      ...(query.beforeSeq === undefined ? {} : { beforeSeq: query.beforeSeq }),
    });
    const more = rooms.length > query.limit;
    if (more) rooms.length = query.limit;
    const online = await chat.online(rooms.map((r) => r.id));
    const origin = publicOrigin(ctx, config);
    const nextSeq = more ? (rooms[rooms.length - 1]?.seq ?? null) : null;
    sendJson(
      ctx,
      200,
      rooms.map((r, i) => roomListItemDto(r, online[i] ?? 0, origin)),
      nextPageHeaders(query.limit, nextSeq),
    );
  };

  const getRoom: Handler = async (ctx) => {
    const room = await store.getRoom(checkId(ctx.params.id, roomNotFound));
    if (!room) throw roomNotFound();
    const [online = 0] = await chat.online([room.id]);
    sendJson(ctx, 200, roomListItemDto(room, online, publicOrigin(ctx, config)));
  };

  const join: CallerHandler = async (ctx, caller) => {
    const roomId = checkId(ctx.params.id, roomNotFound);
    const input = validateJoin(await readJsonObject(ctx, config.maxBodyBytes));
    if (!input.ok) throw validationError(input.errors);
    await assertMayActAs(caller, input.value.user_id);
    const [room, user] = await Promise.all([store.getRoom(roomId), store.getUser(input.value.user_id)]);
    if (!room) throw roomNotFound();
    if (!user) throw userNotFoundInBody();
    const member = await chat.join(roomId, user.id, memberPatch(input.value), 'overwrite');
    const body: JoinResponseDto = {
      message: `User ${member.username} joined room ${room.name}`,
      room_id: room.id,
      user_id: user.id,
    };
    sendJson(ctx, 200, body);
  };

  const notConfigured: Handler = () => {
    throw new HttpError(
      501,
      ErrorCode.NotConfigured,
      'Live streaming and video upload need a CDN, and none is configured on this server',
    );
  };

  // Each route's auth policy is the wrapper it is registered with (auth/guard.ts).
  router.on('POST', '/rooms', withAuth(auth, createRoom));
  router.on('GET', '/rooms', withAuth(auth, listRooms));
  router.on('GET', '/rooms/:id', withAuth(auth, getRoom));
  router.on('POST', '/rooms/:id/join', withAuth(auth, join));
  router.on('POST', '/:id/join', withAuth(auth, join));
  router.on('POST', '/rooms/:id/live-stream', withAuth(auth, notConfigured));
  router.on('POST', '/rooms/:id/video-upload', withAuth(auth, notConfigured));
}
