import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isTimestamp, SERVER_FRAME_TYPES } from '../../src/shared/protocol.ts';
import { api } from '../helpers/http.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { openSocket, type TestSocket } from '../helpers/ws.ts';

let srv: TestServer;
let http: ReturnType<typeof api>;
const sockets: TestSocket[] = [];

beforeAll(async () => {
  srv = await startTestServer();
  http = api(srv.url);
});
afterAll(async () => {
  await Promise.all(sockets.map((s) => s.close()));
  await srv.close();
});

async function connect(roomId: string, userId: string, query = '', origin?: string | null): Promise<TestSocket> {
  const s = await openSocket(`${srv.wsUrl}/ws/${roomId}/${userId}${query}`, origin === undefined ? {} : { origin });
  sockets.push(s);
  return s;
}

async function member(roomName = 'room', username = 'alice', avatar = 'https://i.pravatar.cc/150?u=a') {
  const room = await http.room(roomName);
  const user = await http.user(username);
  await http.join(room.id, user.id, { username, avatar_url: avatar });
  return { room, user };
}

/** A member's socket and a second user's socket in the same room, once the first has seen the second join. */
async function twoInRoom(roomName: string, firstName: string, secondName: string) {
  const { room, user } = await member(roomName, firstName);
  const other = await http.user(secondName);
  const first = await connect(room.id, user.id);
  const second = await connect(room.id, other.id);
  await first.next((f) => f.type === 'user_joined' && f.user_id === other.id);
  return { room, user, other, first, second };
}

describe('admission', () => {
  it('404 on the upgrade for a path that is not /ws/{room}/{user}', async () => {
    await expect(openSocket(`${srv.wsUrl}/ws/only-room`)).rejects.toMatchObject({ status: 404 });
    await expect(openSocket(`${srv.wsUrl}/chat/a/b`)).rejects.toMatchObject({ status: 404 });
  });

  it('403 with a JSON reason for a disallowed Origin, before anything else', async () => {
    const { room, user } = await member();
    const refused = openSocket(`${srv.wsUrl}/ws/${room.id}/${user.id}`, { origin: 'https://evil.example' });
    await expect(refused).rejects.toMatchObject({ status: 403 });
    const err = (await refused.catch((e: unknown) => e)) as { body: string };
    expect(JSON.parse(err.body)).toEqual({ detail: 'Origin not allowed', code: 'origin_not_allowed' });
  });

  it('refuses a missing Origin unless WS_ALLOW_NO_ORIGIN is on', async () => {
    const { room, user } = await member();
    await expect(openSocket(`${srv.wsUrl}/ws/${room.id}/${user.id}`, { origin: null })).rejects.toMatchObject({
      status: 403,
    });
    const lenient = await startTestServer({ wsAllowNoOrigin: true });
    try {
      const h = api(lenient.url);
      const r = await h.room();
      const u = await h.user();
      const s = await openSocket(`${lenient.wsUrl}/ws/${r.id}/${u.id}`, { origin: null });
      expect((await s.next((f) => f.type === 'user_joined')).user_id).toBe(u.id);
      await s.close();
    } finally {
      await lenient.close();
    }
  });

  it('accepts the Vercel preview origin pattern', async () => {
    const { room, user } = await member();
    const s = await connect(room.id, user.id, '', 'https://video-chat-frontend-abc123-dalkirks-projects.vercel.app');
    expect((await s.next()).type).toBe('user_joined');
  });

  it('closes 4004 "Room not found" / "User not found" after accepting', async () => {
    const user = await http.user();
    const room = await http.room();
    const noRoom = await connect('mock-room-1', user.id);
    expect(await noRoom.closed).toEqual({ code: 4004, reason: 'Room not found' });
    const noUser = await connect(room.id, 'mock-user-1');
    expect(await noUser.closed).toEqual({ code: 4004, reason: 'User not found' });
  });

  it('auto-joins a known user who never called /join, using the query values', async () => {
    const room = await http.room();
    const user = await http.user('walk-in');
    const s = await connect(room.id, user.id, '?username=Walker&avatar_url=https%3A%2F%2Fi.pravatar.cc%2F150%3Fu%3Dw');
    const joined = await s.next((f) => f.type === 'user_joined');
    expect(joined).toMatchObject({
      user_id: user.id,
      username: 'Walker',
      avatar_url: 'https://i.pravatar.cc/150?u=w',
      message: 'Walker joined the chat',
    });
    expect((await http.get(`/rooms/${room.id}`)).body.users).toEqual([user.id]);
  });

  it('ignores an invalid query avatar instead of failing', async () => {
    const room = await http.room();
    const user = await http.user('dataurl');
    const s = await connect(room.id, user.id, '?avatar_url=data%3Aimage%2Fpng%3Bbase64%2CAAAA');
    const joined = await s.next((f) => f.type === 'user_joined');
    expect(joined.avatar_url).toBeNull();
  });
});

describe('chat frames', () => {
  it('echoes a type-less chat frame to the sender and everyone, identity from membership', async () => {
    const { room, user } = await member('echo', 'alice', 'https://i.pravatar.cc/150?u=alice');
    const bob = await http.user('bob');
    await http.join(room.id, bob.id, { username: 'bob' });
    const a = await connect(room.id, user.id);
    const b = await connect(room.id, bob.id);
    await a.next((f) => f.type === 'user_joined' && f.user_id === bob.id);
    a.send({ content: '  hello  ', username: 'MALLORY', user_id: bob.id, avatar: 'https://evil.example/x.png' });
    const echo = await a.next((f) => f.type === 'message');
    const seen = await b.next((f) => f.type === 'message');
    expect(seen).toEqual(echo);
    expect(echo).toMatchObject({
      type: 'message',
      room_id: room.id,
      user_id: user.id,
      username: 'alice',
      content: 'hello',
      avatar_url: 'https://i.pravatar.cc/150?u=alice',
    });
    expect(isTimestamp(echo.timestamp)).toBe(true);
    const stored = await http.get(`/rooms/${room.id}/messages`);
    expect(stored.body).toEqual([echo]);
  });

  it('a profile change reaches the next frame of a socket that already sent messages', async () => {
    const { room, user } = await member('rename', 'before', 'https://i.pravatar.cc/150?u=before');
    const a = await connect(room.id, user.id);
    a.send({ content: 'first' });
    expect(await a.next((f) => f.content === 'first')).toMatchObject({
      username: 'before',
      avatar_url: 'https://i.pravatar.cc/150?u=before',
    });
    expect(
      (
        await http.put(`/users/${user.id}/profile`, {
          display_name: 'after',
          avatar_url: 'https://i.pravatar.cc/150?u=after',
        })
      ).status,
    ).toBe(200);
    a.send({ content: 'second' });
    expect(await a.next((f) => f.content === 'second')).toMatchObject({
      username: 'after',
      avatar_url: 'https://i.pravatar.cc/150?u=after',
    });
  });

  it('stores a repeated client_msg_id once and echoes the original to the sender only', async () => {
    const { room, first: a, second: w } = await twoInRoom('room', 'alice', 'watcher');
    a.send({ type: 'message', content: 'retry me', client_msg_id: 'abc' });
    const first = await a.next((f) => f.type === 'message');
    a.send({ type: 'message', content: 'retry me (edited?)', client_msg_id: 'abc' });
    const second = await a.next((f) => f.type === 'message');
    expect(second).toEqual(first);
    a.send({ content: 'marker' });
    await w.next((f) => f.content === 'marker');
    expect(w.frames.filter((f) => f.type === 'message').map((f) => f.content)).toEqual(['retry me', 'marker']);
    expect((await http.get(`/rooms/${room.id}/messages`)).body).toHaveLength(2);
  });

  it('two users may pick the same client_msg_id: each is stored once and a retry echoes its own original', async () => {
    const { room, first: a, second: b } = await twoInRoom('shared-id', 'ann', 'ben');
    a.send({ content: 'from ann', client_msg_id: 'same' });
    const annFirst = await a.next((f) => f.content === 'from ann');
    b.send({ content: 'from ben', client_msg_id: 'same' });
    const benFirst = await b.next((f) => f.content === 'from ben');
    expect(benFirst.id).not.toBe(annFirst.id);
    b.send({ content: 'ben retry', client_msg_id: 'same' });
    expect(await b.next((f) => f.type === 'message' && f.id === benFirst.id)).toEqual(benFirst);
    a.send({ content: 'ann retry', client_msg_id: 'same' });
    expect(await a.next((f) => f.type === 'message' && f.id === annFirst.id)).toEqual(annFirst);
    const stored = (await http.get(`/rooms/${room.id}/messages`)).body;
    expect(stored.map((m: { content: string }) => m.content)).toEqual(['from ann', 'from ben']);
  });

  it('relays typing to the others only, never stores it', async () => {
    const { room, user, first: t, second: r } = await twoInRoom('typing', 'typist', 'reader');
    t.send({ type: 'typing_start', user_id: user.id, room_id: room.id, timestamp: 'whatever' });
    const typing = await r.next((f) => f.type === 'typing_start');
    expect(typing).toMatchObject({ type: 'typing_start', user_id: user.id, username: 'typist', room_id: room.id });
    expect(isTimestamp(typing.timestamp)).toBe(true);
    t.send({ type: 'typing_stop' });
    await r.next((f) => f.type === 'typing_stop');
    t.send({ type: 'ping' });
    await t.next((f) => f.type === 'pong');
    expect(t.frames.some((f) => f.type === 'typing_start' || f.type === 'typing_stop')).toBe(false);
    expect((await http.get(`/rooms/${room.id}/messages`)).body).toEqual([]);
  });

  it('direct replies and broadcasts reach a socket in the order its frames were sent', async () => {
    // Replies (pong, error) go through ws.send; broadcasts are framed once and written to
    // the socket directly (src/server/ws/wire.ts): the two must not overtake each other.
    const { room, user } = await member('interleave', 'mixer');
    const s = await connect(room.id, user.id);
    await s.next((f) => f.type === 'user_joined');
    const long = 'é'.repeat(60); // a payload past 125 bytes: the 16-bit length form
    const sent = [
      { type: 'ping' },
      { content: 'one' },
      { type: 'nope' },
      { content: long },
      { type: 'ping' },
      { content: 'two' },
    ];
    for (const frame of sent) s.send(frame);
    await s.next((f) => f.content === 'two');
    const got = s.frames
      .filter((f) => f.type !== 'user_joined')
      .map((f) => (f.type === 'message' ? f.content : f.type === 'error' ? f.code : f.type));
    expect(got).toEqual(['pong', 'one', 'unknown_type', long, 'pong', 'two']);
  });

  it('keep_alive and pong produce nothing; ping gets pong', async () => {
    const { room, user } = await member();
    const s = await connect(room.id, user.id);
    await s.next((f) => f.type === 'user_joined');
    s.send({ type: 'keep_alive', timestamp: new Date().toISOString() });
    s.send({ type: 'pong' });
    s.send({ type: 'ping' });
    await s.next((f) => f.type === 'pong');
    expect(s.frames.map((f) => f.type)).toEqual(['user_joined', 'pong']);
  });

  it('answers bad frames with an error frame and keeps the socket open', async () => {
    const { room, user } = await member();
    const s = await connect(room.id, user.id);
    await s.next((f) => f.type === 'user_joined');
    s.send('not json');
    expect(await s.next((f) => f.type === 'error')).toMatchObject({ code: 'invalid_json' });
    s.send('[1,2]');
    expect(await s.next((f) => f.type === 'error')).toMatchObject({ code: 'invalid_json' });
    s.send({ type: 'video_offer' });
    expect(await s.next((f) => f.type === 'error')).toMatchObject({ code: 'unknown_type' });
    s.send({ content: '   ' });
    expect(await s.next((f) => f.type === 'error')).toMatchObject({ code: 'validation_error' });
    s.send({ content: 'x'.repeat(5001) });
    const tooLong = await s.next((f) => f.type === 'error');
    expect(tooLong.detail).toMatch(/5000/);
    s.send({ content: 'still here' });
    expect((await s.next((f) => f.type === 'message')).content).toBe('still here');
    for (const f of s.frames) expect(SERVER_FRAME_TYPES.has(f.type)).toBe(true);
    expect((await http.get(`/rooms/${room.id}/messages`)).body).toHaveLength(1);
  });

  it('closes 1003 on a binary frame and 1009 on a frame over 64 KiB', async () => {
    const { room, user } = await member();
    const bin = await connect(room.id, user.id);
    await bin.next((f) => f.type === 'user_joined');
    bin.ws.send(Buffer.from([1, 2, 3]));
    expect((await bin.closed).code).toBe(1003);
    const big = await connect(room.id, user.id);
    await big.next((f) => f.type === 'user_joined');
    big.send({ content: 'x'.repeat(70 * 1024) });
    expect((await big.closed).code).toBe(1009);
  });

  it('broadcasts messages posted over REST to the room sockets', async () => {
    const { room, user } = await member('rest', 'poster');
    const listener = await http.user('listener');
    const s = await connect(room.id, listener.id);
    await s.next((f) => f.type === 'user_joined');
    const posted = await http.post(`/rooms/${room.id}/messages`, { user_id: user.id, content: 'via REST' });
    const frame = await s.next((f) => f.type === 'message');
    expect(frame).toEqual(posted.body);
  });
});

describe('presence', () => {
  it('two tabs of one user: one user_joined, user_left only after the second closes', async () => {
    const { room, user } = await member('tabs', 'tabby');
    const watcher = await http.user('watcher');
    const w = await connect(room.id, watcher.id);
    await w.next((f) => f.type === 'user_joined' && f.user_id === watcher.id);
    const tab1 = await connect(room.id, user.id);
    await w.next((f) => f.type === 'user_joined' && f.user_id === user.id);
    const tab2 = await connect(room.id, user.id);
    expect((await http.get('/rooms')).body.find((r: any) => r.id === room.id).online).toBe(2);
    await tab1.close();
    // A marker proves ordering: anything tab1's close caused would have arrived before it.
    await http.post(`/rooms/${room.id}/messages`, { user_id: watcher.id, content: 'marker-1' });
    await w.next((f) => f.content === 'marker-1');
    expect(w.frames.filter((f) => f.type === 'user_left')).toEqual([]);
    await tab2.close();
    const left = await w.next((f) => f.type === 'user_left');
    expect(left).toMatchObject({ user_id: user.id, username: 'tabby', message: 'tabby left the chat' });
    expect(isTimestamp(left.timestamp)).toBe(true);
    expect(w.frames.filter((f) => f.type === 'user_joined' && f.user_id === user.id)).toHaveLength(1);
    expect((await http.get(`/rooms/${room.id}`)).body.online).toBe(1);
  });

  it('counts connections in /health', async () => {
    const { room, user } = await member();
    const s = await connect(room.id, user.id);
    await s.next((f) => f.type === 'user_joined');
    const health = await http.get('/health');
    expect(health.body.active_connections).toBeGreaterThanOrEqual(1);
    expect(health.body.active_rooms).toBeGreaterThanOrEqual(1);
  });
});
