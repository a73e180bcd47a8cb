/** create-user, create-room, join-room, list-rooms: the REST calls the frontend makes before a socket. */
import { paths } from '../../../shared/protocol.ts';
import { HINTS } from '../hints.ts';
import { clip, describeResponse, fail, pass, skip, warn } from '../outcome.ts';
import type { StepDef } from '../types.ts';

const isObject = (v: unknown): v is Record<string, unknown> => Boolean(v) && typeof v === 'object' && !Array.isArray(v);
const is2xx = (status: number) => status >= 200 && status <= 299;

export const createUser: StepDef = {
  name: 'create-user',
  title: 'POST /users creates the test user',
  needs: ['reachable'],
  async run(ctx) {
    const res = await ctx.request('POST', paths.users(), { origin: ctx.primaryOrigin, json: { username: ctx.label } });
    const body = res.json;
    if (!is2xx(res.status) || !isObject(body) || typeof body.id !== 'string' || !body.id) {
      return fail(describeResponse(res), 'HTTP 201 (or 200) {"id": "<string>", "username": …}', HINTS.createUser);
    }
    ctx.user = { id: body.id, name: typeof body.username === 'string' ? body.username : ctx.label };
    ctx.noteTimestamps('POST /users', body, ['created_at', 'joined_at']);
    if (body.username !== ctx.label) {
      return warn(
        `username ${clip(body.username)}`,
        `username "${ctx.label}"`,
        'The server should return the username it was given; the frontend keeps and shows this object.',
      );
    }
    if (body.created_at === undefined && body.joined_at === undefined) {
      return warn(clip(body), 'created_at (the frontend reads it)', HINTS.createUser);
    }
    return pass(
      `HTTP ${res.status}, id ${body.id}`,
      body.created_at === undefined ? 'joined_at instead of created_at (seed shape)' : undefined,
    );
  },
};

export const createRoom: StepDef = {
  name: 'create-room',
  title: 'POST /rooms creates the test room',
  needs: ['reachable'],
  async run(ctx) {
    const res = await ctx.request('POST', paths.rooms(), { origin: ctx.primaryOrigin, json: { name: ctx.label } });
    const body = res.json;
    if (!is2xx(res.status) || !isObject(body) || typeof body.id !== 'string' || !body.id) {
      return fail(describeResponse(res), 'HTTP 201 (or 200) {"id": "<string>", "name": …}', HINTS.createRoom);
    }
    ctx.room = { id: body.id, name: typeof body.name === 'string' ? body.name : ctx.label };
    ctx.noteTimestamps('POST /rooms', body, ['created_at']);
    return pass(`HTTP ${res.status}, id ${body.id}`);
  },
};

export const joinRoom: StepDef = {
  name: 'join-room',
  title: 'POST /rooms/{id}/join with user, name and avatar',
  needs: ['create-user', 'create-room'],
  async run(ctx) {
    if (!ctx.user || !ctx.room) return skip('no user or room');
    const res = await ctx.request('POST', paths.join(ctx.room.id), {
      origin: ctx.primaryOrigin,
      json: { user_id: ctx.user.id, username: ctx.user.name, avatar_url: ctx.avatarUrl },
    });
    if (!is2xx(res.status)) return fail(describeResponse(res), 'any 2xx', HINTS.join);
    return pass(`HTTP ${res.status}`);
  },
};

export const listRooms: StepDef = {
  name: 'list-rooms',
  title: 'GET /rooms is an array that lists the test room',
  needs: ['create-room'],
  async run(ctx) {
    if (!ctx.room) return skip('no room');
    const res = await ctx.request('GET', paths.rooms(), { origin: ctx.primaryOrigin });
    if (res.status !== 200 || !Array.isArray(res.json)) {
      return fail(
        describeResponse(res),
        'HTTP 200 with a JSON array (the frontend shows mock rooms otherwise)',
        HINTS.listRooms,
      );
    }
    const rooms = res.json as unknown[];
    const ours = rooms.find((r) => isObject(r) && r.id === ctx.room?.id);
    if (!isObject(ours))
      return fail(
        `${rooms.length} rooms, none with id ${ctx.room.id}`,
        `a room with id ${ctx.room.id}`,
        HINTS.listRooms,
      );
    if (typeof ours.name !== 'string') return fail(clip(ours), 'the room with a string "name"', HINTS.listRooms);
    return pass(`${rooms.length} room(s), the test room included`);
  },
};
