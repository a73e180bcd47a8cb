import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call } from '../helpers/http.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

let srv: TestServer;
beforeAll(async () => {
  srv = await startTestServer();
});
afterAll(() => srv.close());

const PREVIEW = 'https://video-chat-frontend-git-main123-dalkirks-projects.vercel.app';

function preflight(path: string, origin: string) {
  return call(srv.url, 'OPTIONS', path, undefined, {
    origin,
    headers: { 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
  });
}

describe('CORS over HTTP', () => {
  it.each(['http://localhost:3000', 'https://video-chat-frontend-seven.vercel.app', PREVIEW])(
    'echoes %s with credentials and Vary',
    async (origin) => {
      const res = await call(srv.url, 'GET', '/health', undefined, { origin });
      expect(res.headers['access-control-allow-origin']).toBe(origin);
      expect(res.headers['access-control-allow-credentials']).toBe('true');
      expect(res.headers.vary).toBe('Origin');
    },
  );

  it.each([
    'https://video-chat-frontend-seven.vercel.app.attacker.com',
    'https://evil-video-chat-frontend-seven.vercel.app',
    'https://someone-elses-app.vercel.app',
  ])('gives %s no CORS headers but still handles the request', async (origin) => {
    const res = await call(srv.url, 'GET', '/rooms', undefined, { origin });
    expect(res.status).toBe(200);
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
    expect(res.headers['access-control-allow-credentials']).toBeUndefined();
  });

  it('answers a preflight on any path with 204 (no catch-all 405)', async () => {
    for (const path of ['/rooms', '/users/abc/profile', '/rooms/x/join', '/does/not/exist']) {
      const res = await preflight(path, PREVIEW);
      expect(res.status).toBe(204);
      expect(res.headers['access-control-allow-origin']).toBe(PREVIEW);
      expect(res.headers['access-control-allow-methods']).toBe('GET,POST,PUT,PATCH,DELETE,OPTIONS');
      expect(String(res.headers['access-control-allow-headers'])).toContain('Content-Type');
      expect(res.headers['access-control-max-age']).toBe('600');
    }
  });

  it('refuses a preflight from a disallowed origin with 403 and no CORS headers', async () => {
    const res = await preflight('/rooms', 'https://evil.example');
    expect(res.status).toBe(403);
    expect(res.body).toMatchObject({ code: 'origin_not_allowed' });
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('an OPTIONS without Access-Control-Request-Method is routed normally (405)', async () => {
    const res = await call(srv.url, 'OPTIONS', '/rooms');
    expect(res.status).toBe(405);
  });
});
