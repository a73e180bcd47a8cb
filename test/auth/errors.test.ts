import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ORIGIN } from '../helpers/server.ts';
import { newAccount, signup, startAuthServer, type AuthServer } from './helpers.ts';

let srv: AuthServer;

beforeAll(async () => {
  srv = await startAuthServer();
});
afterAll(() => srv.close());

describe('login failures', () => {
  it('wrong password and unknown user get byte-identical 401 bodies', async () => {
    const { body } = await signup(srv);
    const wrong = await srv.http.post('/auth/login', { username: body.username, password: 'Wrong7password' });
    const unknown = await srv.http.post('/auth/login', { username: 'nobody_here_at_all', password: 'Wrong7password' });
    const unknownEmail = await srv.http.post('/auth/login', {
      username: 'nobody@example.com',
      password: body.password,
    });
    for (const res of [wrong, unknown, unknownEmail]) {
      expect(res.status).toBe(401);
      expect(res.headers['access-control-allow-origin']).toBe(ORIGIN);
    }
    expect(wrong.text).toBe(unknown.text);
    expect(unknownEmail.text).toBe(unknown.text);
    expect(wrong.body).toEqual({ code: 'invalid_credentials', detail: 'Wrong username or password' });
  });

  it('a login body without username or password is 422', async () => {
    const res = await srv.http.post('/auth/login', { username: 'x' });
    expect(res.status).toBe(422);
    expect(res.body.errors).toEqual([{ field: 'password', message: 'password is required' }]);
  });
});

describe('sign-up rules', () => {
  it('409 username_taken, case-insensitively; 409 email_taken, case-insensitively', async () => {
    const { body } = await signup(srv);
    const sameName = await srv.http.post('/auth/signup', { ...newAccount(), username: body.username.toUpperCase() });
    expect(sameName.status).toBe(409);
    expect(sameName.body.code).toBe('username_taken');
    expect(sameName.headers['access-control-allow-origin']).toBe(ORIGIN);
    const sameEmail = await srv.http.post('/auth/signup', { ...newAccount(), email: ` ${body.email.toUpperCase()} ` });
    expect(sameEmail.status).toBe(409);
    expect(sameEmail.body.code).toBe('email_taken');
  });

  it('concurrent sign-ups for one name: exactly one wins', async () => {
    const name = newAccount().username;
    const results = await Promise.all(
      [1, 2, 3].map(() => srv.http.post('/auth/signup', { ...newAccount(), username: name })),
    );
    expect(results.map((r) => r.status).sort()).toEqual([201, 409, 409]);
  });

  it.each([
    ['short', 'Ab1', 'password must be at least 8 characters'],
    ['no digit', 'Abcdefgh', 'password must contain a digit'],
    ['no upper', 'abcdefg1', 'password must contain an uppercase letter'],
    ['no lower', 'ABCDEFG1', 'password must contain a lowercase letter'],
    ['only letters, lower', 'abcdefgh', 'password must contain an uppercase letter, a digit'],
  ])('weak password (%s) is 422 naming the rule', async (_label, password, message) => {
    const res = await srv.http.post('/auth/signup', { ...newAccount(), password });
    expect(res.status).toBe(422);
    expect(res.body.code).toBe('validation_error');
    expect(res.body.errors).toEqual([{ field: 'password', message }]);
    expect(res.body.detail.toLowerCase()).toContain(message);
  });

  it.each([['ab'], ['a'.repeat(21)], ['has space'], ['dash-name'], ['émile'], ['']])(
    'username %j is 422',
    async (username) => {
      const res = await srv.http.post('/auth/signup', { ...newAccount(), username });
      expect(res.status).toBe(422);
      expect(res.body.errors.map((e: any) => e.field)).toEqual(['username']);
    },
  );

  it.each([['not-an-email'], ['a@b'], ['two@@example.com'], ['sp ace@example.com']])(
    'email %j is 422',
    async (email) => {
      const res = await srv.http.post('/auth/signup', { ...newAccount(), email });
      expect(res.status).toBe(422);
      expect(res.body.errors.map((e: any) => e.field)).toEqual(['email']);
    },
  );

  it('reports every bad field at once', async () => {
    const res = await srv.http.post('/auth/signup', {});
    expect(res.status).toBe(422);
    expect(res.body.errors.map((e: any) => e.field)).toEqual(['username', 'email', 'password']);
  });
});

describe('login rate limits', () => {
  it('per username: 429 with Retry-After and CORS, even from another IP', async () => {
    const limited = await startAuthServer({ loginRateUser: { perSecond: 1 / 60, burst: 3 } });
    try {
      const { body } = await signup(limited);
      const statuses: number[] = [];
      for (let i = 0; i < 4; i++) {
        statuses.push(
          (await limited.http.post('/auth/login', { username: body.username, password: 'Wrong7password' })).status,
        );
      }
      expect(statuses).toEqual([401, 401, 401, 429]);
      const res = await limited.http.post('/auth/login', {
        username: body.username.toUpperCase(),
        password: body.password,
      });
      expect(res.status).toBe(429);
      expect(res.body.code).toBe('rate_limited');
      expect(Number(res.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      expect(res.headers['access-control-allow-origin']).toBe(ORIGIN);
      // Another username is not affected.
      const other = await signup(limited);
      expect(
        (await limited.http.post('/auth/login', { username: other.body.username, password: other.body.password }))
          .status,
      ).toBe(200);
    } finally {
      await limited.close();
    }
  });

  it('per IP: sign-ups and logins share one bucket', async () => {
    const limited = await startAuthServer({ loginRateIp: { perSecond: 1 / 60, burst: 2 } });
    try {
      await signup(limited);
      const b = newAccount();
      expect((await limited.http.post('/auth/login', { username: b.username, password: b.password })).status).toBe(401);
      const res = await limited.http.post('/auth/signup', b);
      expect(res.status).toBe(429);
      expect(res.headers['retry-after']).toBeDefined();
    } finally {
      await limited.close();
    }
  });
});
