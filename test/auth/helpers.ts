/** A real server on port 0 with a movable clock, plus account shorthands. */
import { expect } from 'vitest';
import { createApp } from '../../src/server/app.ts';
import { MemoryAccountStore } from '../../src/server/auth/memory.ts';
import type { AccountStore } from '../../src/server/auth/store.ts';
import { testConfig, type Config } from '../../src/server/config.ts';
import { MemoryStore } from '../../src/server/store/memory.ts';
import { api } from '../helpers/http.ts';
import type { TestServer } from '../helpers/server.ts';

export interface AuthServer extends TestServer {
  accounts: AccountStore;
  /** Move the server's token clock forward. */
  advance(ms: number): void;
  http: ReturnType<typeof api>;
}

const UNTHROTTLED: Partial<Config> = {
  rateLimitRead: { perSecond: 100_000, burst: 100_000 },
  rateLimitWrite: { perSecond: 100_000, burst: 100_000 },
  loginRateIp: { perSecond: 100_000, burst: 100_000 },
  loginRateUser: { perSecond: 100_000, burst: 100_000 },
};

export async function startAuthServer(overrides: Partial<Config> = {}): Promise<AuthServer> {
  const config = testConfig({ ...UNTHROTTLED, ...overrides });
  const store = new MemoryStore();
  const accounts = new MemoryAccountStore();
  await store.init();
  let offsetMs = 0;
  const app = createApp({ config, store, accounts, now: () => Date.now() + offsetMs });
  const { port } = await app.listen();
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    wsUrl: `ws://127.0.0.1:${port}`,
    port,
    app,
    store,
    accounts,
    config,
    http: api(url),
    advance: (ms) => {
      offsetMs += ms;
    },
    close: async () => {
      await app.close();
      await store.close();
    },
  };
}

let seq = 0;

/** A fresh, valid sign-up body. */
export function newAccount(prefix = 'user'): { username: string; email: string; password: string } {
  seq++;
  const tag = `${seq}${Math.random().toString(36).slice(2, 6)}`;
  return { username: `${prefix}_${tag}`.slice(0, 20), email: `${prefix}.${tag}@example.com`, password: 'Correct7horse' };
}

/** Sign up and return the user and token (asserting 201). */
export async function signup(srv: AuthServer, body = newAccount()): Promise<{ user: any; token: string; body: typeof body }> {
  const res = await srv.http.post('/auth/signup', body);
  expect(res.status, res.text).toBe(201);
  return { user: res.body.user, token: res.body.token, body };
}

/** `Authorization: Bearer <token>` request options. */
export const bearer = (token: string) => ({ headers: { authorization: `Bearer ${token}` } });
