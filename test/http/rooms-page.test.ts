/**
 * Issue 15, finding 1: GET /rooms returned every room ever created, each with its (up to
 * 1 MiB) data: thumbnail. Now: one bounded page, newest first, a cursor in headers, and
 * uploaded thumbnails served from their own cacheable route by absolute URL.
 */
import { createHash } from 'node:crypto';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_MEMORY_BUDGET } from '../../src/server/store/memory-budget.ts';
import { MemoryStore } from '../../src/server/store/memory.ts';
import { api, call } from '../helpers/http.ts';
import { ORIGIN, startTestServer, type TestServer } from '../helpers/server.ts';

/** A tiny real PNG (1×1), and a large fake JPEG the size the frontend uploads. */
const PNG_B64 = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';
const BIG_JPEG = `data:image/jpeg;base64,${Buffer.alloc(700_000, 7).toString('base64')}`;

describe('GET /rooms is one bounded page (20,000 rooms in the store)', () => {
  let srv: TestServer;
  const ROOMS = 20_000;
  beforeAll(async () => {
    // A room budget that holds them all (the default, 10,000, would evict the oldest half).
    const store = new MemoryStore({ budget: { ...DEFAULT_MEMORY_BUDGET, maxRooms: ROOMS } });
    for (let i = 0; i < ROOMS; i++) await store.createRoom({ name: `room ${i}`, thumbnail_url: null });
    srv = await startTestServer({}, store);
  });
  afterAll(() => srv?.close());

  it('answers the frontend (no parameters) with the newest default page, an array, and the next cursor in headers', async () => {
    const res = await call(srv.url, 'GET', '/rooms');
    expect(res.status).toBe(200);
    expect(Array.isArray(res.body)).toBe(true);
    expect(res.body).toHaveLength(srv.config.roomsPageDefault);
    expect(res.body[0].name).toBe(`room ${ROOMS - 1}`);
    expect(res.text.length).toBeLessThan(srv.config.roomsPageDefault * 400);
    const cursor = res.headers['x-next-cursor'] as string;
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(res.headers.link).toBe(`</rooms?limit=${srv.config.roomsPageDefault}&cursor=${cursor}>; rel="next"`);
    expect(String(res.headers['access-control-expose-headers'])).toMatch(/X-Next-Cursor/);
    expect(res.headers['access-control-allow-origin']).toBe(ORIGIN);
  });

  it('follows the cursor without gaps or repeats; the last page has no cursor', async () => {
    const seen: string[] = [];
    let path = `/rooms?limit=${srv.config.roomsPageMax}`;
    // Walk the newest 450 rooms, then jump to the end with a cursor from far back.
    for (let page = 0; page < 5; page++) {
      const res = await call(srv.url, 'GET', path);
      expect(res.status).toBe(200);
      seen.push(...res.body.map((r: any) => r.name));
      path = `/rooms?limit=${srv.config.roomsPageMax}&cursor=${String(res.headers['x-next-cursor'])}`;
    }
    expect(seen).toEqual(Array.from({ length: 5 * srv.config.roomsPageMax }, (_, i) => `room ${ROOMS - 1 - i}`));
    const tail = await call(srv.url, 'GET', `/rooms?limit=3&cursor=${Buffer.from('r1.3').toString('base64url')}`);
    expect(tail.body.map((r: any) => r.name)).toEqual(['room 1', 'room 0']);
    expect(tail.headers['x-next-cursor']).toBeUndefined();
    expect(tail.headers.link).toBeUndefined();
  });

  it('refuses a limit past the maximum or a cursor it never issued (422, a readable sentence)', async () => {
    for (const q of [
      `limit=${srv.config.roomsPageMax + 1}`,
      'limit=0',
      'limit=abc',
      'cursor=nope',
      `cursor=${Buffer.from('r1.x').toString('base64url')}`,
    ]) {
      const res = await call(srv.url, 'GET', `/rooms?${q}`);
      expect(res.status, q).toBe(422);
      expect(res.body.code).toBe('validation_error');
      expect(res.body.detail).toMatch(/limit|cursor/i);
    }
  });
});

describe('thumbnails leave the list', () => {
  let srv: TestServer;
  let http: ReturnType<typeof api>;
  beforeAll(async () => {
    srv = await startTestServer();
    http = api(srv.url);
  });
  afterAll(() => srv?.close());

  it('lists rooms with big data: thumbnails in a few KB, each with an absolute URL to its image', async () => {
    for (let i = 0; i < 5; i++)
      expect((await http.post('/rooms', { name: `pic ${i}`, thumbnail_url: BIG_JPEG })).status).toBe(201);
    const list = await http.get('/rooms');
    expect(list.text.length).toBeLessThan(5000);
    const id = createHash('sha256').update(Buffer.alloc(700_000, 7)).digest('hex');
    expect(list.body.slice(0, 5).map((r: any) => r.thumbnail_url)).toEqual(
      Array(5).fill(`${srv.url}/thumbnails/${id}`),
    );
  });

  it('serves the image with its type, an ETag, long caching and CORS; If-None-Match gives 304', async () => {
    const room = await http.post('/rooms', { name: 'png', thumbnail_url: `data:image/png;base64,${PNG_B64}` });
    const url = room.body.thumbnail_url as string;
    expect(url.startsWith(`${srv.url}/thumbnails/`)).toBe(true);
    const res = await request(url, { headers: { origin: ORIGIN } });
    const bytes = Buffer.from(await res.body.arrayBuffer());
    expect(res.statusCode).toBe(200);
    expect(bytes.equals(Buffer.from(PNG_B64, 'base64'))).toBe(true);
    expect(res.headers['content-type']).toBe('image/png');
    expect(res.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(res.headers['access-control-allow-origin']).toBe(ORIGIN);
    const etag = res.headers.etag as string;
    expect(etag).toBe(`"${url.split('/').pop()}"`);
    const again = await request(url, { headers: { origin: ORIGIN, 'if-none-match': `W/"x", ${etag}` } });
    expect(again.statusCode).toBe(304);
    expect((await again.body.text()).length).toBe(0);
    expect(again.headers.etag).toBe(etag);
    expect(again.headers['access-control-allow-origin']).toBe(ORIGIN);
    // GET /rooms/{id} carries the same URL.
    expect((await http.get(`/rooms/${room.body.id}`)).body.thumbnail_url).toBe(url);
  });

  it('404s an unknown or malformed thumbnail id; passes an http(s) thumbnail through', async () => {
    expect((await http.get(`/thumbnails/${'0'.repeat(64)}`)).status).toBe(404);
    expect((await http.get('/thumbnails/..%2Fetc')).status).toBe(404);
    const linked = await http.post('/rooms', { name: 'link', thumbnail_url: 'https://cdn.example/t.png' });
    expect(linked.body.thumbnail_url).toBe('https://cdn.example/t.png');
  });
});

describe('thumbnail URLs are absolute to the API', () => {
  const DATA = `data:image/png;base64,${PNG_B64}`;

  it('PUBLIC_URL wins over the request', async () => {
    const srv = await startTestServer({ publicUrl: 'https://api.example.com' });
    try {
      const res = await call(srv.url, 'POST', '/rooms', { name: 'p', thumbnail_url: DATA });
      expect(res.body.thumbnail_url).toMatch(/^https:\/\/api\.example\.com\/thumbnails\/[0-9a-f]{64}$/);
    } finally {
      await srv.close();
    }
  });

  it('X-Forwarded-Proto/Host are used only with TRUST_PROXY; a forged Host falls back to the bound address', async () => {
    const fwd = { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'vchat.up.railway.app' };
    const trusting = await startTestServer({ trustProxy: true });
    const plain = await startTestServer();
    try {
      const viaProxy = await call(trusting.url, 'POST', '/rooms', { name: 'p', thumbnail_url: DATA }, { headers: fwd });
      expect(viaProxy.body.thumbnail_url).toMatch(/^https:\/\/vchat\.up\.railway\.app\/thumbnails\//);
      const direct = await call(plain.url, 'POST', '/rooms', { name: 'p', thumbnail_url: DATA }, { headers: fwd });
      expect(direct.body.thumbnail_url).toMatch(new RegExp(`^${plain.url}/thumbnails/`));
      const forged = await call(
        plain.url,
        'POST',
        '/rooms',
        { name: 'p', thumbnail_url: DATA },
        { headers: { host: 'evil.test/"><script>' } },
      );
      expect(forged.body.thumbnail_url).toMatch(new RegExp(`^${plain.url}/thumbnails/`));
    } finally {
      await trusting.close();
      await plain.close();
    }
  });
});
