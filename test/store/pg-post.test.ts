/**
 * Posting on the Postgres store, where a member's message is stored by one batched statement
 * that also reads the membership (Store.insertMemberMessage): over real HTTP and WebSocket, a
 * member's POST carries the membership's current name, a non-member is joined on the fly and
 * posted, unknown rooms and users answer as before, and a socket's message is broadcast once.
 * Runs when VCHAT_TEST_DATABASE_URL is set; skipped with the reason otherwise.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresStore } from '../../src/server/store/postgres.ts';
import { api } from '../helpers/http.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { openSocket } from '../helpers/ws.ts';
import { freshPgDatabase, PG_SKIP, PG_URL, type TestDatabase } from './databases.ts';

describe.skipIf(!PG_URL)(PG_URL ? 'postgres: posting messages' : `postgres: posting messages — ${PG_SKIP}`, () => {
  let db: TestDatabase;
  let server: TestServer;
  beforeAll(async () => {
    db = await freshPgDatabase(PG_URL as string, 'vchat_post');
    server = await startTestServer({}, new PostgresStore({ url: db.url }));
  });
  afterAll(async () => {
    await server?.close();
    await db?.drop();
  });

  it("a member's POST carries the membership's current name; a non-member is joined on the fly", async () => {
    const http = api(server.url);
    const room = await http.room('general');
    const alice = await http.user('alice');
    await http.join(room.id, alice.id, { username: 'alice here' });
    const mine = await http.post(`/rooms/${room.id}/messages`, { user_id: alice.id, content: 'hi' });
    expect(mine.status).toBe(201);
    expect(mine.body).toMatchObject({ room_id: room.id, user_id: alice.id, username: 'alice here', content: 'hi' });

    const bob = await http.user('bob');
    const first = await http.post(`/rooms/${room.id}/messages`, {
      user_id: bob.id,
      content: 'first words',
      client_msg_id: 'b-1',
      avatar_url: 'https://example.com/bob.png',
    });
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ username: 'bob', avatar_url: 'https://example.com/bob.png' });
    expect((await http.get(`/rooms/${room.id}`)).body.users).toEqual([alice.id, bob.id]);
    // A retry returns the original; a profile change reaches the next message through the membership.
    const retry = await http.post(`/rooms/${room.id}/messages`, {
      user_id: bob.id,
      content: 'x',
      client_msg_id: 'b-1',
    });
    expect(retry.status).toBe(200);
    expect(retry.body).toEqual(first.body);
    expect((await http.put(`/users/${bob.id}/profile`, { display_name: 'robert' })).status).toBe(200);
    const renamed = await http.post(`/rooms/${room.id}/messages`, { user_id: bob.id, content: 'new name' });
    expect(renamed.body.username).toBe('robert');

    const listed = (await http.get(`/rooms/${room.id}/messages`)).body as Array<{ content: string }>;
    expect(listed.map((m) => m.content)).toEqual(['hi', 'first words', 'new name']);
  });

  it("a member's POST is one insertMemberMessage, no getMember first (the store wrapper passes it on)", async () => {
    // The real PostgresStore, with its calls counted on the way in: the app wraps every store
    // it is given (timing, outage logging), and that wrapper must not hide the one-round-trip path.
    const calls = new Map<string, number>();
    const inner = new PostgresStore({ url: db.url });
    const counted = new Proxy(inner, {
      get(target, name, receiver) {
        const value: unknown = Reflect.get(target, name, receiver);
        if (typeof value !== 'function' || typeof name !== 'string') return value;
        return (...args: unknown[]) => {
          calls.set(name, (calls.get(name) ?? 0) + 1);
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      },
    });
    const wrapped = await startTestServer({}, counted);
    try {
      const http = api(wrapped.url);
      const room = await http.room('one round trip');
      const dana = await http.user('dana');
      await http.join(room.id, dana.id);
      calls.clear();
      for (let i = 0; i < 3; i++)
        expect((await http.post(`/rooms/${room.id}/messages`, { user_id: dana.id, content: `m${i}` })).status).toBe(
          201,
        );
      expect(Object.fromEntries(calls)).toEqual({ insertMemberMessage: 3 });
    } finally {
      await wrapped.close();
    }
  });

  it('an unknown room is 404 and an unknown user 400, as before; nothing is stored', async () => {
    const http = api(server.url);
    const room = await http.room('empty');
    const user = await http.user('carol');
    const noRoom = await http.post('/rooms/00000000-0000-4000-8000-000000000000/messages', {
      user_id: user.id,
      content: 'lost',
    });
    expect(noRoom.status).toBe(404);
    expect(noRoom.body.code).toBe('room_not_found');
    const noUser = await http.post(`/rooms/${room.id}/messages`, {
      user_id: '00000000-0000-4000-8000-000000000000',
      content: 'lost',
    });
    expect(noUser.status).toBe(400);
    expect(noUser.body.code).toBe('user_not_found');
    expect((await http.get(`/rooms/${room.id}/messages`)).body).toEqual([]);
  });

  it("a socket's messages are stored under its membership and broadcast once each, in order", async () => {
    const http = api(server.url);
    const room = await http.room('sockets');
    const [dave, erin] = [await http.user('dave'), await http.user('erin')];
    const a = await openSocket(`${server.wsUrl}/ws/${room.id}/${dave.id}`);
    await a.next((f) => f.type === 'user_joined' && f.user_id === dave.id);
    const b = await openSocket(`${server.wsUrl}/ws/${room.id}/${erin.id}`);
    await b.next((f) => f.type === 'user_joined' && f.user_id === erin.id);
    try {
      for (let i = 0; i < 20; i++) a.send({ content: `m${i}`, client_msg_id: `d-${i}` });
      a.send({ content: 'again', client_msg_id: 'd-0' });
      await b.next((f) => f.type === 'message' && f.content === 'm19');
      const seen = b.frames.filter((f) => f.type === 'message').map((f) => `${f.username}:${f.content}`);
      expect(seen).toEqual(Array.from({ length: 20 }, (_, i) => `dave:m${i}`));
      // The retried client_msg_id comes back to its sender only, as the original.
      const echo = await a.next((f) => f.type === 'message' && f.client_msg_id === 'd-0' && f.content === 'm0');
      expect(echo.username).toBe('dave');
      const stored = (await http.get(`/rooms/${room.id}/messages?limit=100`)).body as Array<{ content: string }>;
      expect(stored.map((m) => m.content)).toEqual(Array.from({ length: 20 }, (_, i) => `m${i}`));
    } finally {
      await a.close();
      await b.close();
    }
  });
});
