/**
 * Every REST route's auth policy, as the wire sees it (issue 19 moved the policy from a router
 * subclass with an allowlist to each route's registration; this pins that nothing moved):
 * - tokenless (sign-up, login): a token is never looked at, so a stale one cannot lock anyone out;
 * - checked (every other route): a token that is sent must be valid (401 invalid_token), and
 *   REQUIRE_AUTH refuses tokenless writes (401 auth_required); reads stay open;
 * - identity (logout, me): checked, and a proven identity is required (401 auth_required).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call } from '../helpers/http.ts';
import { newAccount, signup, startAuthServer, type AuthServer } from './helpers.ts';

type Policy = 'tokenless' | 'checked' | 'identity';

interface Route {
  method: 'GET' | 'HEAD' | 'POST' | 'PUT';
  path: string;
  policy: Policy;
  /** A body that gets past validation where that matters (or any JSON object). */
  body?: () => unknown;
}

const ID = 'x';
const ROUTES: Route[] = [
  { method: 'GET', path: '/', policy: 'checked' },
  { method: 'HEAD', path: '/', policy: 'checked' },
  { method: 'GET', path: '/health', policy: 'checked' },
  { method: 'HEAD', path: '/health', policy: 'checked' },
  { method: 'POST', path: '/auth/signup', policy: 'tokenless', body: () => newAccount('policy') },
  { method: 'POST', path: '/auth/login', policy: 'tokenless', body: () => ({ username: 'nobody', password: 'x' }) },
  { method: 'POST', path: '/auth/logout', policy: 'identity' },
  { method: 'GET', path: '/auth/me', policy: 'identity' },
  { method: 'POST', path: '/users', policy: 'checked', body: () => ({ username: 'policy' }) },
  { method: 'GET', path: `/users/${ID}`, policy: 'checked' },
  { method: 'PUT', path: `/users/${ID}/profile`, policy: 'checked', body: () => ({ display_name: 'policy' }) },
  { method: 'POST', path: '/rooms', policy: 'checked', body: () => ({ name: 'policy' }) },
  { method: 'GET', path: '/rooms', policy: 'checked' },
  { method: 'GET', path: `/rooms/${ID}`, policy: 'checked' },
  { method: 'POST', path: `/rooms/${ID}/join`, policy: 'checked', body: () => ({ user_id: ID }) },
  { method: 'POST', path: `/${ID}/join`, policy: 'checked', body: () => ({ user_id: ID }) },
  { method: 'POST', path: `/rooms/${ID}/live-stream`, policy: 'checked' },
  { method: 'POST', path: `/rooms/${ID}/video-upload`, policy: 'checked' },
  { method: 'GET', path: `/rooms/${ID}/messages`, policy: 'checked' },
  { method: 'POST', path: `/rooms/${ID}/messages`, policy: 'checked', body: () => ({ user_id: ID, content: 'hi' }) },
  { method: 'GET', path: `/thumbnails/${ID}`, policy: 'checked' },
  { method: 'HEAD', path: `/thumbnails/${ID}`, policy: 'checked' },
];

const isRead = (r: Route) => r.method === 'GET' || r.method === 'HEAD';
const label = (r: Route) => `${r.method} ${r.path}`;

function send(srv: AuthServer, route: Route, headers: Record<string, string> = {}) {
  const body = route.body?.() ?? (isRead(route) ? undefined : {});
  return call(srv.url, route.method, route.path, body, { headers });
}

/** The auth refusal a response is, if any (HEAD has no body: the challenge header tells them apart). */
function refusal(res: { status: number; headers: Record<string, unknown>; body: any }): string | undefined {
  if (res.status !== 401) return undefined;
  const code: unknown = res.body?.code;
  if (code !== undefined) return code === 'invalid_token' || code === 'auth_required' ? code : undefined;
  const challenge = String(res.headers['www-authenticate']);
  return challenge.includes('invalid_token') ? 'invalid_token' : challenge === 'Bearer' ? 'auth_required' : challenge;
}

describe('auth policy per route (default: anonymous allowed)', () => {
  let srv: AuthServer;
  beforeAll(async () => {
    srv = await startAuthServer();
  });
  afterAll(() => srv.close());

  it('a bad token is 401 invalid_token on every route but sign-up and login, which never read it', async () => {
    for (const headers of [{ authorization: 'Bearer ' + 'A'.repeat(43) }, { authorization: 'Basic eDp5' }]) {
      for (const route of ROUTES) {
        const res = await send(srv, route, headers);
        expect(refusal(res), label(route)).toBe(route.policy === 'tokenless' ? undefined : 'invalid_token');
      }
    }
  });

  it('without a token only the identity routes refuse, with 401 auth_required', async () => {
    for (const route of ROUTES) {
      const res = await send(srv, route);
      expect(refusal(res), label(route)).toBe(route.policy === 'identity' ? 'auth_required' : undefined);
    }
  });

  it('a valid token passes every route', async () => {
    const { token } = await signup(srv);
    for (const route of ROUTES.filter((r) => r.path !== '/auth/logout')) {
      const res = await send(srv, route, { authorization: `Bearer ${token}` });
      expect(refusal(res), `${label(route)}: ${res.text}`).toBe(undefined);
    }
    const logout = ROUTES.find((r) => r.path === '/auth/logout') as Route;
    expect((await send(srv, logout, { authorization: `Bearer ${token}` })).status).toBe(204);
  });
});

describe('auth policy per route (REQUIRE_AUTH=true)', () => {
  let srv: AuthServer;
  beforeAll(async () => {
    srv = await startAuthServer({ requireAuth: true });
  });
  afterAll(() => srv.close());

  it('tokenless writes are 401 auth_required on every route but sign-up and login; reads stay open', async () => {
    for (const route of ROUTES) {
      const res = await send(srv, route);
      const refused = route.policy === 'identity' || (route.policy === 'checked' && !isRead(route));
      expect(refusal(res), label(route)).toBe(refused ? 'auth_required' : undefined);
      if (refused && !isRead(route)) expect(res.body.detail, label(route)).toMatch(/requires an account token/);
    }
  });

  it('a bad token is still 401 invalid_token on reads', async () => {
    for (const route of ROUTES.filter((r) => isRead(r))) {
      const res = await send(srv, route, { authorization: 'Bearer nope' });
      expect(refusal(res), label(route)).toBe('invalid_token');
    }
  });
});
