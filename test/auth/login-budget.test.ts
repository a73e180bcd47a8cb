/**
 * One login budget per account, whichever identifier is tried: username and email used to
 * be separate buckets, so an attacker got twice the guesses. Wrong guesses come from several
 * loopback addresses, as a distributed guesser's would.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signup, startAuthServer, type AuthServer } from './helpers.ts';

let srv: AuthServer;
const BURST = 4;

beforeAll(async () => {
  srv = await startAuthServer({ loginRateUser: { perSecond: 1 / 3600, burst: BURST } });
});
afterAll(() => srv.close());

const WRONG = 'Wrong7password';

describe('login budget per account', () => {
  it('username and email (any case) draw from one bucket: BURST guesses in all, then 429', async () => {
    const { body } = await signup(srv);
    const tries = [
      body.username,
      body.email.toUpperCase(),
      body.username.toUpperCase(),
      body.email,
      body.email,
      body.username,
    ];
    const statuses: number[] = [];
    for (const [i, login] of tries.entries()) {
      const res = await srv.http.post(
        '/auth/login',
        { username: login, password: WRONG },
        { from: `127.0.0.${10 + i}` },
      );
      statuses.push(res.status);
    }
    expect(statuses).toEqual([...Array(BURST).fill(401), 429, 429]);
    // The {email, password} body form is the same account too.
    const viaEmailField = await srv.http.post(
      '/auth/login',
      { email: body.email, password: body.password },
      { from: '127.0.0.20' },
    );
    expect(viaEmailField.status).toBe(429);
    expect(viaEmailField.body.code).toBe('rate_limited');
  });

  it('another account keeps its own budget, and unknown logins are still limited per name', async () => {
    const other = await signup(srv);
    expect(
      (await srv.http.post('/auth/login', { username: other.body.email, password: other.body.password })).status,
    ).toBe(200);
    const statuses: number[] = [];
    for (let i = 0; i <= BURST; i++)
      statuses.push((await srv.http.post('/auth/login', { username: 'nobody_here', password: WRONG })).status);
    expect(statuses).toEqual([...Array(BURST).fill(401), 429]);
  });
});
