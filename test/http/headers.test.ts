/**
 * Which headers go on which response (respond.ts finishHeaders): CORS and Vary on all;
 * X-Request-Id on errors; no-store and nosniff on reads and errors; no-store on tokens.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newAccount, startAuthServer, type AuthServer } from '../auth/helpers.ts';
import { call, type Res } from '../helpers/http.ts';
import { ORIGIN } from '../helpers/server.ts';

let srv: AuthServer;
beforeAll(async () => {
  srv = await startAuthServer();
});
afterAll(() => srv.close());

const REQUEST_ID = /^[0-9a-f]{8}-[0-9a-z]+$/;

function expectCors(res: Res): void {
  expect(res.headers['access-control-allow-origin']).toBe(ORIGIN);
  expect(res.headers['access-control-allow-credentials']).toBe('true');
  expect(res.headers.vary).toBe('Origin');
}

function expectReadHeaders(res: Res): void {
  expect(res.headers['cache-control']).toBe('no-store');
  expect(res.headers['x-content-type-options']).toBe('nosniff');
}

describe('response headers', () => {
  it('a read carries CORS, no-store and nosniff, and no request id', async () => {
    for (const path of ['/health', '/rooms']) {
      const res = await srv.http.get(path);
      expect(res.status).toBe(200);
      expectCors(res);
      expectReadHeaders(res);
      expect(res.headers['x-request-id']).toBeUndefined();
    }
  });

  it('a created room, user, join and message carry CORS only: a POST answer is not cacheable', async () => {
    const room = await srv.http.post('/rooms', { name: 'headers' });
    const user = await srv.http.post('/users', { username: 'hdr' });
    const join = await srv.http.post(`/rooms/${room.body.id}/join`, { user_id: user.body.id });
    const message = await srv.http.post(`/rooms/${room.body.id}/messages`, { user_id: user.body.id, content: 'hi' });
    expect([room.status, user.status, join.status, message.status]).toEqual([201, 201, 200, 201]);
    for (const res of [room, user, join, message]) {
      expectCors(res);
      expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
      expect(res.headers['cache-control']).toBeUndefined();
      expect(res.headers['x-content-type-options']).toBeUndefined();
      expect(res.headers['x-request-id']).toBeUndefined();
    }
  });

  it('errors carry a fresh X-Request-Id with no-store and nosniff, on reads and writes alike', async () => {
    const notFound = await srv.http.get('/no/such/route');
    const invalid = await srv.http.post('/rooms', { name: '' });
    const form = await call(srv.url, 'POST', '/rooms', undefined, {
      raw: 'name=x',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect([notFound.status, invalid.status, form.status]).toEqual([404, 422, 415]);
    const ids = new Set<unknown>();
    for (const res of [notFound, invalid, form]) {
      expectCors(res);
      expectReadHeaders(res);
      expect(res.headers['x-request-id']).toMatch(REQUEST_ID);
      ids.add(res.headers['x-request-id']);
    }
    expect(ids.size).toBe(3);
  });

  it('sign-up and login answers, which hold a token, are no-store', async () => {
    const account = newAccount('hdr');
    const signup = await srv.http.post('/auth/signup', account);
    const login = await srv.http.post('/auth/login', { email: account.email, password: account.password });
    expect([signup.status, login.status]).toEqual([201, 200]);
    for (const res of [signup, login]) {
      expect(typeof res.body.token).toBe('string');
      expect(res.headers['cache-control']).toBe('no-store');
      expectCors(res);
    }
  });
});
