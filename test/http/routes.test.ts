import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isTimestamp } from '../../src/shared/protocol.ts';
import { api, call } from '../helpers/http.ts';
import { ORIGIN, startTestServer, type TestServer } from '../helpers/server.ts';

let srv: TestServer;
let http: ReturnType<typeof api>;

beforeAll(async () => {
  srv = await startTestServer({ commit: 'abc1234' });
  http = api(srv.url);
});
afterAll(() => srv.close());

function expectError(res: { status: number; body: any }, status: number, code: string) {
  expect(res.status).toBe(status);
  expect(res.body.code).toBe(code);
  expect(typeof res.body.detail).toBe('string');
  expect(res.body.detail.length).toBeGreaterThan(5);
}

describe('health and root', () => {
  it('GET /health reports version, commit, storage and counts', async () => {
    const res = await http.get('/health');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      status: 'healthy',
      version: '1.0.0',
      commit: 'abc1234',
      environment: 'test',
      storage: { kind: 'memory', persistent: false, ok: true },
      active_rooms: 0,
      active_connections: 0,
    });
    expect(isTimestamp(res.body.timestamp)).toBe(true);
    expect(res.body.memory_rss_bytes).toBeGreaterThan(0);
    expect(res.body.heap_used_bytes).toBeGreaterThan(0);
  });

  it('HEAD /health answers 200 with no body', async () => {
    const res = await call(srv.url, 'HEAD', '/health');
    expect(res.status).toBe(200);
    expect(res.text).toBe('');
    expect(res.headers['access-control-allow-origin']).toBe(ORIGIN);
  });

  it('GET / names the service', async () => {
    const res = await http.get('/');
    expect(res.body).toEqual({ name: 'vchat', version: '1.0.0', health: '/health' });
  });
});

describe('users', () => {
  it('creates a user with the seed fields', async () => {
    const res = await http.post('/users', { username: '  alice  ' });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ username: 'alice', avatar_url: null });
    expect(res.body.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(isTimestamp(res.body.created_at)).toBe(true);
    expect(res.body.joined_at).toBe(res.body.created_at);
    const again = await http.get(`/users/${res.body.id}`);
    expect(again.body).toEqual(res.body);
  });

  it('usernames are not unique: the id is the identity', async () => {
    const a = await http.user('same');
    const b = await http.user('same');
    expect(a.id).not.toBe(b.id);
  });

  it.each([
    [{}, 'Username is required'],
    [{ username: '' }, 'must not be empty'],
    [{ username: 5 }, 'must be a string'],
    [{ username: 'x'.repeat(51) }, 'at most 50'],
    [{ username: 'bad\u0001name' }, 'control characters'],
  ])('422 for %j', async (body, message) => {
    const res = await http.post('/users', body);
    expectError(res, 422, 'validation_error');
    expect(res.body.errors[0]).toMatchObject({ field: 'username' });
    expect(res.body.detail).toContain(message);
  });

  it('404 user_not_found for an unknown or malformed id', async () => {
    expectError(await http.get('/users/00000000-0000-4000-8000-000000000000'), 404, 'user_not_found');
    expectError(await http.get(`/users/${'x'.repeat(200)}`), 404, 'user_not_found');
    expectError(await http.get('/users/%E0%A4%A'), 404, 'not_found');
  });

  it('PUT profile renames, sets the avatar, and the change reaches later messages', async () => {
    const user = await http.user('before');
    const room = await http.room('profile-room');
    await http.join(room.id, user.id);
    const res = await http.put(`/users/${user.id}/profile`, {
      display_name: 'After',
      avatar_url: 'https://i.pravatar.cc/150?u=x',
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      success: true,
      user: { id: user.id, username: 'After', avatar_url: 'https://i.pravatar.cc/150?u=x' },
    });
    const posted = await http.post(`/rooms/${room.id}/messages`, { user_id: user.id, content: 'hi' });
    expect(posted.body).toMatchObject({ username: 'After', avatar_url: 'https://i.pravatar.cc/150?u=x' });
  });

  it('PUT profile keeps the seed 400 rules', async () => {
    const user = await http.user('p');
    const data = await http.put(`/users/${user.id}/profile`, { avatar_url: 'data:image/png;base64,AAAA' });
    expectError(data, 400, 'validation_error');
    expect(data.body.detail).toContain('Avatar must be a URL, not base64 data');
    expectError(
      await http.put(`/users/${user.id}/profile`, { avatar_url: `https://x.test/${'a'.repeat(2000)}` }),
      400,
      'validation_error',
    );
    const short = await http.put(`/users/${user.id}/profile`, { display_name: 'a' });
    expectError(short, 400, 'validation_error');
    expect(short.body.detail).toContain('at least 2 characters');
    expectError(await http.put(`/users/${user.id}/profile`, { display_name: ['x'] }), 422, 'validation_error');
    expectError(await http.put('/users/nobody/profile', { display_name: 'Bob' }), 404, 'user_not_found');
  });
});

describe('rooms', () => {
  it('creates, lists newest first with members and online, and gets one', async () => {
    const first = await http.post('/rooms', { name: ' First ', thumbnail_url: 'https://x.test/t.png' });
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ name: 'First', thumbnail_url: 'https://x.test/t.png', users: [] });
    expect(isTimestamp(first.body.created_at)).toBe(true);
    const second = await http.room('Second');
    const user = await http.user('member');
    await http.join(second.id, user.id);
    const list = await http.get('/rooms');
    expect(Array.isArray(list.body)).toBe(true);
    const ids = list.body.map((r: any) => r.id);
    expect(ids.indexOf(second.id)).toBeLessThan(ids.indexOf(first.body.id));
    const listed = list.body.find((r: any) => r.id === second.id);
    expect(listed).toMatchObject({ users: [user.id], online: 0, thumbnail_url: null });
    const one = await http.get(`/rooms/${second.id}`);
    expect(one.body).toMatchObject({ id: second.id, name: 'Second', users: [user.id] });
  });

  it('accepts a compressed data:image thumbnail of a few hundred KB and answers with a URL to it', async () => {
    const thumb = `data:image/jpeg;base64,${'A'.repeat(400_000)}`;
    const res = await http.post('/rooms', { name: 'pic', thumbnail_url: thumb });
    expect(res.status).toBe(201);
    expect(res.body.thumbnail_url).toMatch(new RegExp(`^${srv.url}/thumbnails/[0-9a-f]{64}$`));
  });

  it('refuses a thumbnail URL with an unpaired surrogate (422) and keeps one with an emoji', async () => {
    const bad = await http.post('/rooms', { name: 'lone', thumbnail_url: 'https://x.test/\ud800.png' });
    expectError(bad, 422, 'validation_error');
    expect(JSON.stringify(bad.body.errors)).toMatch(/thumbnail_url/);
    const ok = await http.post('/rooms', { name: 'pair', thumbnail_url: 'https://x.test/\ud83d\ude00.png' });
    expect(ok.status).toBe(201);
    expect(ok.body.thumbnail_url).toBe('https://x.test/\ud83d\ude00.png');
  });

  it('validates room bodies', async () => {
    expectError(await http.post('/rooms', {}), 422, 'validation_error');
    expectError(await http.post('/rooms', { name: 'x'.repeat(101) }), 422, 'validation_error');
    expectError(await http.post('/rooms', { name: 'ok', thumbnail_url: 'ftp://x' }), 422, 'validation_error');
    expectError(await http.get('/rooms/nope'), 404, 'room_not_found');
  });

  it('join is idempotent, answers the seed message, and has the /{id}/join alias', async () => {
    const room = await http.room('Lobby');
    const user = await http.user('joiner');
    const body = { user_id: user.id, username: 'Joiner', avatar_url: 'https://i.pravatar.cc/150?u=j' };
    const a = await http.post(`/rooms/${room.id}/join`, body);
    expect(a.status).toBe(200);
    expect(a.body).toEqual({ message: 'User Joiner joined room Lobby', room_id: room.id, user_id: user.id });
    const b = await http.post(`/${room.id}/join`, body);
    expect(b.status).toBe(200);
    const one = await http.get(`/rooms/${room.id}`);
    expect(one.body.users).toEqual([user.id]);
  });

  it('join: 404 unknown room, 400 "User not found" for an unknown user, 422 without user_id', async () => {
    const room = await http.room();
    const user = await http.user();
    expectError(await http.post('/rooms/missing/join', { user_id: user.id }), 404, 'room_not_found');
    const unknown = await http.post(`/rooms/${room.id}/join`, { user_id: 'mock-user-123', username: 'x' });
    expectError(unknown, 400, 'user_not_found');
    expect(unknown.body.detail).toContain('User not found');
    expectError(await http.post(`/rooms/${room.id}/join`, { username: 'x' }), 422, 'validation_error');
  });

  it('live-stream and video-upload are 501 not_configured', async () => {
    const room = await http.room();
    expectError(await http.post(`/rooms/${room.id}/live-stream`, {}), 501, 'not_configured');
    expectError(await http.post(`/rooms/${room.id}/video-upload`, {}), 501, 'not_configured');
  });
});

describe('messages', () => {
  it('posts and pages with limit, before and after, oldest first', async () => {
    const room = await http.room('paging');
    const user = await http.user('writer');
    const ids: string[] = [];
    for (let i = 0; i < 7; i++) {
      const res = await http.post(`/rooms/${room.id}/messages`, { user_id: user.id, content: `m${i}` });
      expect(res.status).toBe(201);
      ids.push(res.body.id);
    }
    const all = await http.get(`/rooms/${room.id}/messages`);
    expect(all.body.map((m: any) => m.content)).toEqual(['m0', 'm1', 'm2', 'm3', 'm4', 'm5', 'm6']);
    const newest = await http.get(`/rooms/${room.id}/messages?limit=3`);
    expect(newest.body.map((m: any) => m.content)).toEqual(['m4', 'm5', 'm6']);
    const before = await http.get(`/rooms/${room.id}/messages?limit=2&before=${ids[4]}`);
    expect(before.body.map((m: any) => m.content)).toEqual(['m2', 'm3']);
    const after = await http.get(`/rooms/${room.id}/messages?limit=2&after=${ids[1]}`);
    expect(after.body.map((m: any) => m.content)).toEqual(['m2', 'm3']);
    for (const m of all.body) {
      expect(Object.keys(m).sort()).toEqual([
        'avatar_url',
        'content',
        'id',
        'room_id',
        'timestamp',
        'type',
        'user_id',
        'username',
      ]);
      expect(m.type).toBe('message');
      expect(isTimestamp(m.timestamp)).toBe(true);
    }
  });

  it('fills avatar_url from the member when the message has none', async () => {
    const room = await http.room();
    const user = await http.user('no-avatar');
    await http.post(`/rooms/${room.id}/messages`, { user_id: user.id, content: 'before avatar' });
    await http.join(room.id, user.id, { avatar_url: 'https://i.pravatar.cc/150?u=late' });
    const list = await http.get(`/rooms/${room.id}/messages`);
    expect(list.body[0].avatar_url).toBe('https://i.pravatar.cc/150?u=late');
  });

  it('dedupes a retried client_msg_id: 201 then 200 with the same message', async () => {
    const room = await http.room();
    const user = await http.user();
    const body = { user_id: user.id, content: 'once', client_msg_id: 'c-1' };
    const a = await http.post(`/rooms/${room.id}/messages`, body);
    const b = await http.post(`/rooms/${room.id}/messages`, body);
    expect(a.status).toBe(201);
    expect(b.status).toBe(200);
    expect(b.body).toEqual(a.body);
    expect(a.body.client_msg_id).toBe('c-1');
    const list = await http.get(`/rooms/${room.id}/messages`);
    expect(list.body).toHaveLength(1);
  });

  it('validates message bodies and queries', async () => {
    const room = await http.room();
    const user = await http.user();
    const path = `/rooms/${room.id}/messages`;
    expectError(await http.post(path, { user_id: user.id, content: '   ' }), 422, 'validation_error');
    expectError(await http.post(path, { user_id: user.id, content: 'x'.repeat(5001) }), 422, 'validation_error');
    expect((await http.post(path, { user_id: user.id, content: 'x'.repeat(5000) })).status).toBe(201);
    expectError(await http.post(path, { user_id: user.id, content: 5 }), 422, 'validation_error');
    const unknown = await http.post(path, { user_id: 'mock-1', content: 'hi' });
    expectError(unknown, 400, 'user_not_found');
    expect(unknown.body.detail).toContain('User not found');
    expectError(
      await http.post('/rooms/mock-room-1/messages', { user_id: user.id, content: 'hi' }),
      404,
      'room_not_found',
    );
    expectError(await http.get('/rooms/mock-room-1/messages'), 404, 'room_not_found');
    expectError(await http.get(`${path}?limit=0`), 422, 'validation_error');
    expectError(await http.get(`${path}?limit=abc`), 422, 'validation_error');
    expectError(await http.get(`${path}?before=00000000-0000-4000-8000-000000000000`), 404, 'not_found');
  });
});

describe('protocol errors', () => {
  it('400 invalid_json for unparseable bodies and non-objects', async () => {
    expectError(
      await call(srv.url, 'POST', '/users', undefined, {
        raw: '{"username":',
        headers: { 'content-type': 'application/json' },
      }),
      400,
      'invalid_json',
    );
    expectError(
      await call(srv.url, 'POST', '/users', undefined, {
        raw: '["a"]',
        headers: { 'content-type': 'application/json' },
      }),
      400,
      'invalid_json',
    );
    expectError(
      await call(srv.url, 'POST', '/users', undefined, {
        raw: 'null',
        headers: { 'content-type': 'application/json' },
      }),
      400,
      'invalid_json',
    );
  });

  it('415 without application/json (blocks cross-site form posts)', async () => {
    const res = await call(srv.url, 'POST', '/users', undefined, {
      raw: 'username=x',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      origin: 'https://evil.example',
    });
    expectError(res, 415, 'unsupported_media_type');
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('413 for a body over 1 MiB, with CORS headers', async () => {
    const res = await call(srv.url, 'POST', '/rooms', undefined, {
      raw: JSON.stringify({ name: 'big', thumbnail_url: 'x'.repeat(1024 * 1024 + 10) }),
      headers: { 'content-type': 'application/json' },
    });
    expectError(res, 413, 'payload_too_large');
    expect(res.headers['access-control-allow-origin']).toBe(ORIGIN);
  });

  it('404 for unknown paths and 405 with Allow for a wrong method, both with CORS', async () => {
    const missing = await http.get('/nope');
    expectError(missing, 404, 'not_found');
    expect(missing.headers['access-control-allow-origin']).toBe(ORIGIN);
    const wrong = await call(srv.url, 'DELETE', '/rooms');
    expectError(wrong, 405, 'method_not_allowed');
    expect(wrong.headers.allow).toBe('POST, GET, HEAD');
    expect(wrong.headers['access-control-allow-origin']).toBe(ORIGIN);
    expect(wrong.headers.vary).toBe('Origin');
  });
});
