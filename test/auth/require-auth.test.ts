import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ORIGIN } from '../helpers/server.ts';
import { openSocket } from '../helpers/ws.ts';
import { bearer, signup, startAuthServer, type AuthServer } from './helpers.ts';

let srv: AuthServer;

beforeAll(async () => {
  srv = await startAuthServer({ requireAuth: true });
});
afterAll(() => srv.close());

describe('REQUIRE_AUTH=true', () => {
  it('refuses anonymous writes with 401 auth_required (and CORS), POST /users included', async () => {
    for (const [path, body] of [
      ['/users', { username: 'anon' }],
      ['/rooms', { name: 'r' }],
      ['/rooms/x/join', { user_id: 'x' }],
      ['/rooms/x/messages', { user_id: 'x', content: 'hi' }],
    ] as const) {
      const res = await srv.http.post(path, body);
      expect(res.status, path).toBe(401);
      expect(res.body.code).toBe('auth_required');
      expect(res.headers['access-control-allow-origin']).toBe(ORIGIN);
      expect(res.headers['www-authenticate']).toBe('Bearer');
    }
    expect((await srv.http.put('/users/x/profile', { display_name: 'xx' })).status).toBe(401);
  });

  it('allows reads, sign-up and login without a token', async () => {
    expect((await srv.http.get('/rooms')).status).toBe(200);
    expect((await srv.http.get('/health')).status).toBe(200);
    const { token, body } = await signup(srv);
    expect((await srv.http.post('/auth/login', { username: body.username, password: body.password })).status).toBe(200);
    expect((await srv.http.post('/rooms', { name: 'with token' }, bearer(token))).status).toBe(201);
  });

  it('refuses a tokenless socket at the upgrade with 401; a token gets in', async () => {
    const { user, token } = await signup(srv);
    const room = (await srv.http.post('/rooms', { name: 'r' }, bearer(token))).body;
    expect((await srv.http.post(`/rooms/${room.id}/join`, { user_id: user.id }, bearer(token))).status).toBe(200);
    const refused = (await openSocket(`${srv.wsUrl}/ws/${room.id}/${user.id}`).catch((e: unknown) => e)) as {
      status: number;
      body: string;
    };
    expect(refused.status).toBe(401);
    expect(JSON.parse(refused.body).code).toBe('auth_required');
    const bad = await openSocket(`${srv.wsUrl}/ws/${room.id}/${user.id}?token=garbage`);
    expect((await bad.closed).code).toBe(4401);
    const sock = await openSocket(`${srv.wsUrl}/ws/${room.id}/${user.id}?token=${token}`);
    sock.send({ content: 'authenticated' });
    expect(await sock.next((f) => f.type === 'message')).toMatchObject({ user_id: user.id, content: 'authenticated' });
    await sock.close();
  });
});
