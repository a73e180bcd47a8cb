import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isTimestamp } from '../../src/shared/protocol.ts';
import { ORIGIN } from '../helpers/server.ts';
import { openSocket } from '../helpers/ws.ts';
import { bearer, newAccount, signup, startAuthServer, type AuthServer } from './helpers.ts';

let srv: AuthServer;

beforeAll(async () => {
  srv = await startAuthServer();
});
afterAll(() => srv.close());

const DAY_MS = 24 * 60 * 60 * 1000;

describe('sign-up -> login -> me -> join -> socket', () => {
  it('stamps a socket message with the account identity', async () => {
    const body = newAccount('Dana');
    const created = await srv.http.post('/auth/signup', body);
    expect(created.status).toBe(201);
    expect(created.body.user).toMatchObject({
      username: body.username,
      email: body.email.toLowerCase(),
      avatar_url: null,
    });
    expect(created.body.user.password).toBeUndefined();
    expect(created.body.user.password_hash).toBeUndefined();
    expect(created.body.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(isTimestamp(created.body.expires_at)).toBe(true);
    expect(created.headers['access-control-allow-origin']).toBe(ORIGIN);
    const userId: string = created.body.user.id;

    // Login by username (any case) and by email (any case): same user, new tokens.
    const byName = await srv.http.post('/auth/login', {
      username: body.username.toUpperCase(),
      password: body.password,
    });
    expect(byName.status).toBe(200);
    expect(byName.body.user.id).toBe(userId);
    const byEmail = await srv.http.post('/auth/login', { username: body.email.toUpperCase(), password: body.password });
    expect(byEmail.status).toBe(200);
    expect(byEmail.body.user.id).toBe(userId);
    expect(new Set([created.body.token, byName.body.token, byEmail.body.token]).size).toBe(3);
    const token: string = byEmail.body.token;

    const me = await srv.http.get('/auth/me', bearer(token));
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ id: userId, username: body.username, email: body.email.toLowerCase() });

    // The account's user is a normal user everywhere.
    expect((await srv.http.get(`/users/${userId}`)).body.username).toBe(body.username);
    const room = await srv.http.room('accounts');
    const join = await srv.http.post(`/rooms/${room.id}/join`, { user_id: userId }, bearer(token));
    expect(join.status).toBe(200);

    const sock = await openSocket(`${srv.wsUrl}/ws/${room.id}/${userId}?token=${token}&username=impostor`);
    await sock.next((f) => f.type === 'user_joined');
    sock.send({ content: 'hello from an account', username: 'someone-else', user_id: 'not-me' });
    const msg = await sock.next((f) => f.type === 'message');
    expect(msg).toMatchObject({ user_id: userId, username: body.username, content: 'hello from an account' });
    await sock.close();

    // REST fallback with the token also works and is stamped the same way.
    const posted = await srv.http.post(
      `/rooms/${room.id}/messages`,
      { user_id: userId, content: 'via rest' },
      bearer(token),
    );
    expect(posted.status).toBe(201);
    expect(posted.body).toMatchObject({ user_id: userId, username: body.username });
  });

  it('logout revokes the token (REST and socket); other tokens keep working', async () => {
    const { user, token, body } = await signup(srv);
    const other = await srv.http.post('/auth/login', { username: body.username, password: body.password });
    const out = await srv.http.post('/auth/logout', undefined, bearer(token));
    expect(out.status).toBe(204);
    expect(out.headers['access-control-allow-origin']).toBe(ORIGIN);
    const me = await srv.http.get('/auth/me', bearer(token));
    expect(me.status).toBe(401);
    expect(me.body.code).toBe('invalid_token');
    expect(me.headers['www-authenticate']).toContain('invalid_token');
    expect(me.headers['access-control-allow-origin']).toBe(ORIGIN);
    expect((await srv.http.post('/auth/logout', undefined, bearer(token))).status).toBe(401);
    expect((await srv.http.get('/auth/me', bearer(other.body.token))).body.id).toBe(user.id);

    const room = await srv.http.room();
    const sock = await openSocket(`${srv.wsUrl}/ws/${room.id}/${user.id}?token=${token}`);
    expect(await sock.closed).toEqual({ code: 4401, reason: 'Invalid or expired token' });
  });

  it('an expired token is refused on REST and on the socket (clock moved, no sleep)', async () => {
    const { user, token } = await signup(srv);
    const room = await srv.http.room();
    srv.advance(srv.config.tokenTtlDays * DAY_MS - 60_000);
    expect((await srv.http.get('/auth/me', bearer(token))).status).toBe(200);
    srv.advance(60_000);
    const me = await srv.http.get('/auth/me', bearer(token));
    expect(me.status).toBe(401);
    expect(me.body.code).toBe('invalid_token');
    const join = await srv.http.post(`/rooms/${room.id}/join`, { user_id: user.id }, bearer(token));
    expect(join.status).toBe(401);
    const sock = await openSocket(`${srv.wsUrl}/ws/${room.id}/${user.id}?token=${token}`);
    expect((await sock.closed).code).toBe(4401);
    // Logging in again gives a token that is valid from the (moved) clock's now.
    expect((await srv.http.get('/auth/me', bearer((await signup(srv)).token))).status).toBe(200);
  });

  it('a garbage or malformed token is a 401, never a silent anonymous request', async () => {
    const room = await srv.http.room();
    for (const authorization of ['Bearer nope', 'Bearer ' + 'A'.repeat(43), 'Basic dXNlcjpwYXNz', 'Bearer']) {
      const res = await srv.http.get('/rooms', { headers: { authorization } });
      expect(res.status, authorization).toBe(401);
      expect(res.body.code).toBe('invalid_token');
      expect(res.headers['access-control-allow-origin']).toBe(ORIGIN);
    }
    const anon = await srv.http.user('anon');
    const join = await srv.http.post(
      `/rooms/${room.id}/join`,
      { user_id: anon.id },
      { headers: { authorization: 'Bearer nope' } },
    );
    expect(join.status).toBe(401);
    // A stale token does not stop anyone logging in or signing up again.
    const body = newAccount();
    expect((await srv.http.post('/auth/signup', body, { headers: { authorization: 'Bearer stale' } })).status).toBe(
      201,
    );
    expect((await srv.http.post('/auth/login', body, { headers: { authorization: 'Bearer stale' } })).status).toBe(200);
  });

  it('/auth/me and /auth/logout without a token: 401 auth_required', async () => {
    const me = await srv.http.get('/auth/me');
    expect(me.status).toBe(401);
    expect(me.body.code).toBe('auth_required');
    expect(me.headers['www-authenticate']).toBe('Bearer');
    expect((await srv.http.post('/auth/logout')).body.code).toBe('auth_required');
  });
});

describe('a token acts as its own user only', () => {
  it('403 forbidden on join, messages and profile naming another user', async () => {
    const a = await signup(srv);
    const b = await signup(srv);
    const anon = await srv.http.user('anon');
    const room = await srv.http.room();
    for (const victim of [b.user.id, anon.id]) {
      const join = await srv.http.post(`/rooms/${room.id}/join`, { user_id: victim }, bearer(a.token));
      expect(join.status).toBe(403);
      expect(join.body).toEqual({ code: 'forbidden', detail: 'This token belongs to another user' });
      expect(join.headers['access-control-allow-origin']).toBe(ORIGIN);
      const msg = await srv.http.post(`/rooms/${room.id}/messages`, { user_id: victim, content: 'x' }, bearer(a.token));
      expect(msg.status).toBe(403);
      const profile = await srv.http.put(`/users/${victim}/profile`, { display_name: 'Hacked' }, bearer(a.token));
      expect(profile.status).toBe(403);
    }
    expect((await srv.http.get(`/users/${b.user.id}`)).body.username).toBe(b.body.username);
    const own = await srv.http.put(`/users/${a.user.id}/profile`, { display_name: 'Renamed A' }, bearer(a.token));
    expect(own.status).toBe(200);
    expect(own.body.user.username).toBe('Renamed A');
  });

  it("an account's profile needs its token; an anonymous user's does not", async () => {
    const a = await signup(srv);
    const res = await srv.http.put(`/users/${a.user.id}/profile`, { display_name: 'Nope' });
    expect(res.status).toBe(401);
    expect(res.body.code).toBe('auth_required');
    const anon = await srv.http.user('anon');
    expect((await srv.http.put(`/users/${anon.id}/profile`, { display_name: 'Still fine' })).status).toBe(200);
  });

  it('closes a socket 4403 when the token names another user than the path', async () => {
    const a = await signup(srv);
    const b = await signup(srv);
    const room = await srv.http.room();
    const sock = await openSocket(`${srv.wsUrl}/ws/${room.id}/${b.user.id}?token=${a.token}`);
    expect(await sock.closed).toEqual({ code: 4403, reason: 'This token belongs to another user' });
    expect((await srv.http.get(`/rooms/${room.id}`)).body.users).toEqual([]);
  });

  it('accepts the token in an Authorization header on the upgrade (native clients)', async () => {
    const a = await signup(srv);
    const room = await srv.http.room();
    const sock = await openSocket(`${srv.wsUrl}/ws/${room.id}/${a.user.id}`, bearer(a.token));
    expect((await sock.next((f) => f.type === 'user_joined')).user_id).toBe(a.user.id);
    await sock.close();
  });
});

describe('anonymous flow with REQUIRE_AUTH off', () => {
  it('POST /users, join and a tokenless socket still work', async () => {
    const user = await srv.http.user('guest');
    const room = await srv.http.room();
    await srv.http.join(room.id, user.id, { username: 'guest' });
    const sock = await openSocket(`${srv.wsUrl}/ws/${room.id}/${user.id}?username=guest&token=`);
    sock.send({ content: 'anon hello' });
    expect(await sock.next((f) => f.type === 'message')).toMatchObject({ user_id: user.id, username: 'guest' });
    await sock.close();
  });

  it('anonymous users never collide with accounts: same name, both fine', async () => {
    const body = newAccount('same');
    await srv.http.user(body.username);
    await srv.http.user(body.username.toUpperCase());
    await signup(srv, body);
    const anonAfter = await srv.http.post('/users', { username: body.username });
    expect(anonAfter.status).toBe(201);
    // Logging in with that name finds the account, not the anonymous users.
    const login = await srv.http.post('/auth/login', { username: body.username, password: body.password });
    expect(login.status).toBe(200);
  });
});
