/**
 * A socket lives no longer than its token: logging out closes every socket opened with that
 * token (4401) at once, and a token's expiry closes them within seconds; other tokens of the
 * same account, and anonymous sockets, stay open. (Across instances: test/scale/revocation.test.ts.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSocket, type Closed, type TestSocket } from '../helpers/ws.ts';
import { bearer, signup, startAuthServer, type AuthServer } from './helpers.ts';

let srv: AuthServer;

beforeAll(async () => {
  srv = await startAuthServer();
});
afterAll(() => srv.close());

const DAY_MS = 24 * 60 * 60 * 1000;

/** The socket's close, or a failure if it stays open `ms` (a generous bound on a busy box). */
function closedWithin(sock: TestSocket, ms: number): Promise<Closed> {
  return Promise.race([
    sock.closed,
    new Promise<Closed>((_, reject) =>
      setTimeout(() => reject(new Error(`socket still open after ${ms} ms`)), ms).unref(),
    ),
  ]);
}

async function joined(url: string, userId: string): Promise<TestSocket> {
  const sock = await openSocket(url);
  await sock.next((f) => f.type === 'user_joined' && f.user_id === userId);
  return sock;
}

describe('sockets of a revoked or expired token', () => {
  it('logout closes every socket opened with that token 4401; another login of the account stays', async () => {
    const a = await signup(srv);
    const second = await srv.http.post('/auth/login', { username: a.body.username, password: a.body.password });
    const [r1, r2] = [await srv.http.room('rev-1'), await srv.http.room('rev-2')];
    const s1 = await joined(`${srv.wsUrl}/ws/${r1.id}/${a.user.id}?token=${a.token}`, a.user.id);
    const s2 = await joined(`${srv.wsUrl}/ws/${r2.id}/${a.user.id}?token=${a.token}`, a.user.id);
    // A second socket of a user already online: no user_joined for it, so wait for its own echo.
    const other = await openSocket(`${srv.wsUrl}/ws/${r1.id}/${a.user.id}?token=${second.body.token}`);
    other.send({ content: 'second login here' });
    await other.next((f) => f.type === 'message' && f.content === 'second login here');
    const anon = await srv.http.user('bystander');
    const bystander = await joined(`${srv.wsUrl}/ws/${r1.id}/${anon.id}`, anon.id);

    expect((await srv.http.post('/auth/logout', undefined, bearer(a.token))).status).toBe(204);
    for (const s of [s1, s2])
      expect(await closedWithin(s, 5000)).toEqual({ code: 4401, reason: 'Logged out: log in again' });

    other.send({ content: 'still signed in' });
    expect(await other.next((f) => f.type === 'message')).toMatchObject({
      content: 'still signed in',
      user_id: a.user.id,
    });
    bystander.send({ content: 'me too' });
    expect(await bystander.next((f) => f.type === 'message' && f.user_id === anon.id)).toMatchObject({
      content: 'me too',
    });
    await Promise.all([other.close(), bystander.close()]);
  });

  it('expiry closes the socket 4401 within seconds (clock moved, nothing slept)', async () => {
    const a = await signup(srv);
    const room = await srv.http.room('expiry');
    const sock = await joined(`${srv.wsUrl}/ws/${room.id}/${a.user.id}?token=${a.token}`, a.user.id);
    srv.advance(31 * DAY_MS);
    expect(await closedWithin(sock, 5000)).toEqual({ code: 4401, reason: 'Session expired: log in again' });
    // And it cannot come back.
    const again = await openSocket(`${srv.wsUrl}/ws/${room.id}/${a.user.id}?token=${a.token}`);
    expect((await closedWithin(again, 5000)).code).toBe(4401);
  });
});
