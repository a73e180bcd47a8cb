/**
 * Control characters in login and sign-up fields are a 422 with a sentence, never a 500
 * (a NUL reached Postgres and failed there). Runs on the memory store always and on Postgres
 * when VCHAT_TEST_DATABASE_URL is set.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { PostgresAccountStore } from '../../src/server/auth/postgres.ts';
import { PostgresStore } from '../../src/server/store/postgres.ts';
import { freshPgDatabase, PG_SKIP, PG_URL, type TestDatabase } from '../store/databases.ts';
import { api } from '../helpers/http.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { newAccount, startAuthServer } from './helpers.ts';

const OPEN_LOGIN = { loginRateIp: { perSecond: 1000, burst: 1000 }, loginRateUser: { perSecond: 1000, burst: 1000 } };

/** Each field with a NUL, a bell, DEL, a C1 control and a lone surrogate. */
const BAD = ['\u0000', '\u0007', '\u007f', '\u0085', '\ud800'];

async function expectRefused(base: string): Promise<void> {
  const http = api(base);
  const good = newAccount('ctl');
  for (const bad of BAD) {
    for (const login of [`${good.username}${bad}`, `a${bad}@example.com`]) {
      for (const body of [
        { username: login, password: good.password },
        { email: login, password: good.password },
      ]) {
        const res = await http.post('/auth/login', body);
        expect(res.status, `login ${JSON.stringify(body)}: ${res.text}`).toBe(422);
        expect(res.body).toMatchObject({ code: 'validation_error' });
        expect(res.body.detail).toMatch(/control character/);
      }
    }
    const pw = await http.post('/auth/login', { username: good.username, password: `${good.password}${bad}` });
    expect(pw.status, pw.text).toBe(422);
    for (const field of ['username', 'email', 'password'] as const) {
      const body = {
        ...newAccount('ctl'),
        [field]: field === 'email' ? `x${bad}y@example.com` : `${good[field]}${bad}`,
      };
      const res = await http.post('/auth/signup', body);
      expect(res.status, `signup ${field} ${JSON.stringify(bad)}: ${res.text}`).toBe(422);
      expect(res.body.errors.map((e: { field: string }) => e.field)).toEqual([field]);
    }
  }
  // The server is fine afterwards.
  expect((await http.post('/auth/signup', good)).status).toBe(201);
  expect((await http.post('/auth/login', { username: good.username, password: good.password })).status).toBe(200);
}

describe('control characters in account fields: memory store', () => {
  it('login and sign-up answer 422 validation_error', async () => {
    const srv = await startAuthServer(OPEN_LOGIN);
    try {
      await expectRefused(srv.url);
    } finally {
      await srv.close();
    }
  });
});

describe.skipIf(!PG_URL)(
  PG_URL ? 'control characters in account fields: postgres' : `control characters: postgres — ${PG_SKIP}`,
  () => {
    let db: TestDatabase | undefined;
    let srv: TestServer | undefined;
    afterAll(async () => {
      await srv?.close();
      await db?.drop();
    });
    it('login and sign-up answer 422, never 500', async () => {
      db = await freshPgDatabase(PG_URL as string, 'vchat_ctl');
      const accounts = new PostgresAccountStore({ url: db.url });
      srv = await startTestServer(
        { ...OPEN_LOGIN, storage: { kind: 'postgres', url: db.url } },
        new PostgresStore({ url: db.url }),
        { accounts },
      );
      try {
        await expectRefused(srv.url);
      } finally {
        await accounts.close();
      }
    });
  },
);
