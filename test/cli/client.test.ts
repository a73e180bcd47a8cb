/** The shared CLI clients (used by verify, load and soak) against the real server. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpRequest, joinUrl } from '../../src/cli/client/http.ts';
import { netErrorKind } from '../../src/cli/client/net-error.ts';
import { toWsUrl, WaitError, wsConnect } from '../../src/cli/client/ws.ts';
import { ORIGIN, startTestServer, type TestServer } from '../helpers/server.ts';

let srv: TestServer;
beforeAll(async () => {
  srv = await startTestServer();
});
afterAll(() => srv.close());

describe('http client', () => {
  it('sends Origin and JSON, returns status, lower-case headers and parsed JSON', async () => {
    const res = await httpRequest({
      method: 'POST',
      base: srv.url,
      url: '/users',
      origin: ORIGIN,
      json: { username: 'c' },
      timeoutMs: 2000,
    });
    expect(res.status).toBe(201);
    expect(res.headers['access-control-allow-origin']).toBe(ORIGIN);
    expect((res.json as { username: string }).username).toBe('c');
    expect(res.ms).toBeGreaterThanOrEqual(0);
  });

  it('throws a classifiable error when nothing listens', async () => {
    const err = await httpRequest({ url: 'http://127.0.0.1:1/health', timeoutMs: 2000 }).catch((e: unknown) => e);
    expect(netErrorKind(err)).toBe('refused');
  });

  it('joins a base path prefix', () => {
    expect(joinUrl('https://h/api/', '/rooms')).toBe('https://h/api/rooms');
    expect(toWsUrl('https://h/api')).toBe('wss://h/api');
  });
});

describe('ws client', () => {
  it('connects, waits for frames, and reports the close', async () => {
    const api = (p: string, json: unknown) =>
      httpRequest({ method: 'POST', base: srv.url, url: p, origin: ORIGIN, json });
    const user = (await api('/users', { username: 'w' })).json as { id: string };
    const room = (await api('/rooms', { name: 'r' })).json as { id: string };
    const res = await wsConnect({ url: `${srv.wsUrl}/ws/${room.id}/${user.id}`, origin: ORIGIN, timeoutMs: 2000 });
    if (!res.ok) throw new Error('refused');
    const joined = await res.socket.waitFor((f) => (f.json as { type?: string }).type === 'user_joined', 2000);
    expect((joined.json as { user_id: string }).user_id).toBe(user.id);
    res.socket.send({ content: 'hi' });
    await res.socket.waitFor((f) => (f.json as { content?: string }).content === 'hi', 2000);
    expect((await res.socket.close()).code).toBe(1000);
    await expect(res.socket.waitFor(() => false, 100)).rejects.toBeInstanceOf(WaitError);
  });

  it('reports a refused upgrade with its status and body', async () => {
    const res = await wsConnect({ url: `${srv.wsUrl}/ws/a/b`, origin: 'https://evil.example', timeoutMs: 2000 });
    expect(res.ok).toBe(false);
    if (res.ok) return;
    expect(res.status).toBe(403);
    expect(res.body).toContain('origin_not_allowed');
  });
});
