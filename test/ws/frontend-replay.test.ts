/**
 * Replays the real Next.js frontend's sequence (FRONTEND.md) against the real server:
 * create user -> join -> socket with query params -> type-less send -> echo that the page
 * can match -> reconnect without username -> history with avatar.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api } from '../helpers/http.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { openSocket } from '../helpers/ws.ts';

let srv: TestServer;
beforeAll(async () => {
  srv = await startTestServer();
});
afterAll(() => srv.close());

const VERCEL = 'https://video-chat-frontend-seven.vercel.app';

describe('the real frontend flow', () => {
  it('works end to end exactly as the page drives it', async () => {
    const http = api(srv.url);
    const opts = { origin: VERCEL };
    // 1. The room page creates "<name>-<4 chars>" when no user is stored.
    const created = await http.post('/users', { username: 'dana-x7k2' }, opts);
    expect(created.status).toBe(201);
    const user = created.body;
    expect(created.headers['access-control-allow-origin']).toBe(VERCEL);
    expect(created.headers['access-control-allow-credentials']).toBe('true');
    // 2-3. Room list must be an array; the page creates a room.
    expect(Array.isArray((await http.get('/rooms', opts)).body)).toBe(true);
    const room = (await http.post('/rooms', { name: 'Standup' }, opts)).body;
    // 4. Join with a pravatar avatar before opening the socket.
    const avatar = `https://i.pravatar.cc/150?u=${user.id}`;
    const join = await http.post(
      `/rooms/${room.id}/join`,
      { user_id: user.id, username: user.username, avatar_url: avatar },
      opts,
    );
    expect(join.status).toBe(200);
    // 5. Socket with ids unencoded and query params.
    const url = `${srv.wsUrl}/ws/${room.id}/${user.id}?username=${encodeURIComponent(user.username)}&avatar_url=${encodeURIComponent(avatar)}`;
    const ws = await openSocket(url, { origin: VERCEL });
    const joined = await ws.next((f) => f.type === 'user_joined');
    expect(joined.avatar_url).toBe(avatar);
    // 6. Type-less send; the echo replaces the optimistic copy only if username and content match.
    const sent = { content: 'Hello from the page', avatar, username: user.username, user_id: user.id };
    ws.send(sent);
    const echo = await ws.next((f) => f.type === 'message');
    expect(echo.username).toBe(sent.username);
    expect(echo.content).toBe(sent.content);
    expect(echo.avatar_url).toBe(avatar);
    expect(echo.timestamp.endsWith('Z')).toBe(true);
    ws.send({ type: 'keep_alive', timestamp: new Date().toISOString() });
    ws.send({ type: 'typing_start', user_id: user.id, room_id: room.id, timestamp: new Date().toISOString() });
    await ws.close();
    // 7. Reconnect: no username, a generated ui-avatars URL. Name and avatar must survive.
    const generated = `https://ui-avatars.com/api/?name=${user.id.slice(0, 2)}&background=random`;
    const again = await openSocket(
      `${srv.wsUrl}/ws/${room.id}/${user.id}?avatar_url=${encodeURIComponent(generated)}`,
      { origin: VERCEL },
    );
    const rejoined = await again.next((f) => f.type === 'user_joined');
    expect(rejoined).toMatchObject({ username: 'dana-x7k2', avatar_url: avatar });
    again.send({ content: 'after reconnect', username: user.username, user_id: user.id });
    const echo2 = await again.next((f) => f.type === 'message');
    expect(echo2).toMatchObject({ username: 'dana-x7k2', avatar_url: avatar });
    await again.close();
    // 8. Polling history (every 3 s while the socket is down): stable ids, avatar, Z timestamps.
    const history = await http.get(`/rooms/${room.id}/messages?limit=100`, opts);
    expect(history.body.map((m: any) => m.id)).toEqual([echo.id, echo2.id]);
    for (const m of history.body) {
      expect(m.avatar_url).toBe(avatar);
      expect(Number.isNaN(Date.parse(m.timestamp))).toBe(false);
      expect(m.timestamp).toMatch(/\.\d{3}Z$/);
    }
    // Profile page.
    expect((await http.get(`/users/${user.id}`, opts)).body.username).toBe('dana-x7k2');
  });

  it('a stale stored user gets the "User not found" the page repairs itself on', async () => {
    const http = api(srv.url);
    const room = (await http.post('/rooms', { name: 'After restart' })).body;
    const res = await http.post(`/rooms/${room.id}/join`, {
      user_id: 'c0ffee00-0000-4000-8000-000000000000',
      username: 'ghost',
      avatar_url: 'https://i.pravatar.cc/150',
    });
    expect([400, 422]).toContain(res.status);
    expect(res.body.detail.toLowerCase()).toContain('user not found');
  });
});
