/** A real server on port 0 with a movable clock, plus account shorthands. */
import { expect } from 'vitest';
import { MemoryAccountStore } from '../../src/server/auth/memory.ts';
import type { AccountStore } from '../../src/server/auth/store.ts';
import type { Config } from '../../src/server/config.ts';
import { MemoryStore } from '../../src/server/store/memory.ts';
import { api } from '../helpers/http.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

export interface AuthServer extends TestServer {
  accounts: AccountStore;
  /** Move the server's token clock forward. */
  advance(ms: number): void;
  http: ReturnType<typeof api>;
}

/** Login limits opened up too (REST limits are open in every test server); limit tests override them. */
const UNTHROTTLED_LOGIN: Partial<Config> = {
  loginRateIp: { perSecond: 100_000, burst: 100_000 },
  loginRateUser: { perSecond: 100_000, burst: 100_000 },
};

export async function startAuthServer(overrides: Partial<Config> = {}): Promise<AuthServer> {
  const accounts = new MemoryAccountStore();
  let offsetMs = 0;
  const srv = await startTestServer({ ...UNTHROTTLED_LOGIN, ...overrides }, new MemoryStore(), {
    accounts,
    now: () => Date.now() + offsetMs,
  });
  return {
    ...srv,
    accounts,
    http: api(srv.url),
    advance: (ms) => {
      offsetMs += ms;
    },
  };
}

let seq = 0;

/** A fresh, valid sign-up body. */
export function newAccount(prefix = 'user'): { username: string; email: string; password: string } {
  seq++;
  const tag = `${seq}${Math.random().toString(36).slice(2, 6)}`;
  return {
    username: `${prefix}_${tag}`.slice(0, 20),
    email: `${prefix}.${tag}@example.com`,
    password: 'Correct7horse',
  };
}

/** Sign up and return the user and token (asserting 201). */
export async function signup(
  srv: AuthServer,
  body = newAccount(),
): Promise<{ user: any; token: string; body: typeof body }> {
  const res = await srv.http.post('/auth/signup', body);
  expect(res.status, res.text).toBe(201);
  return { user: res.body.user, token: res.body.token, body };
}

/** `Authorization: Bearer <token>` request options. */
export const bearer = (token: string) => ({ headers: { authorization: `Bearer ${token}` } });
