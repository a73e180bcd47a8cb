/**
 * Faults inside the server: a store method that throws (synchronously or by rejecting) is a
 * 500 internal_error with no stack in the body, logged with the request id, and the process
 * keeps serving; a store that is unreachable is a 503 with Retry-After; WebSocket frames whose
 * handling fails answer that socket only. Every error status carries the CORS headers.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type App } from '../../src/server/app.ts';
import { testConfig, type Config } from '../../src/server/config.ts';
import { createLogger } from '../../src/server/log.ts';
import { MemoryStore } from '../../src/server/store/memory.ts';
import { StoreUnavailableError, type Store } from '../../src/server/store/store.ts';
import { api, call } from '../helpers/http.ts';
import { rawConnect } from '../helpers/raw.ts';
import { ORIGIN } from '../helpers/server.ts';
import { openSocket } from '../helpers/ws.ts';

type Fault = 'throw' | 'reject' | 'unavailable';

/**
 * A MemoryStore whose methods fail on demand, its synchronous `immediate` path included
 * (there every fault is thrown, the only way a synchronous store can fail).
 */
function faultyStore(): { store: Store; faults: Map<string, Fault> } {
  const inner = new MemoryStore();
  const faults = new Map<string, Fault>();
  /** `target` with each method failing as `faults` says; `sync`: rejections are thrown instead. */
  const faulty = <T extends object>(target: T, sync: boolean, extra?: (prop: string | symbol) => unknown): T =>
    new Proxy(target, {
      get(t, prop, receiver) {
        const special = extra?.(prop);
        if (special !== undefined) return special;
        const value = Reflect.get(t, prop, receiver);
        if (typeof value !== 'function' || typeof prop !== 'string') return value;
        return (...args: unknown[]) => {
          const fault = faults.get(prop);
          if (fault === 'throw') throw new Error(`boom in ${prop}: secret-internal-detail`);
          const err =
            fault === 'reject'
              ? new TypeError(`rejected in ${prop}: secret-internal-detail`)
              : fault === 'unavailable'
                ? new StoreUnavailableError('connection refused to db.internal:5432')
                : undefined;
          if (err && sync) throw err;
          if (err) return Promise.reject(err);
          return (value as (...a: unknown[]) => unknown).apply(t, args);
        };
      },
    });
  const immediate = faulty(inner.immediate, true);
  const store = faulty(inner, false, (prop) => {
    if (prop === 'immediate') return immediate;
    // Only a networked store's ping can fail (/health never pings the in-memory one): with
    // a ping fault set, this store presents itself as one.
    if (prop === 'persistent' && faults.has('ping')) return true;
    return undefined;
  });
  return { store, faults };
}

let app: App;
let base: string;
let wsBase: string;
let faults: Map<string, Fault>;
const logLines: any[] = [];

beforeAll(async () => {
  const f = faultyStore();
  faults = f.faults;
  const config: Config = testConfig({
    maxBodyBytes: 4096,
    trustProxy: true,
    rateLimitWrite: { perSecond: 1, burst: 3 },
    rateLimitRead: { perSecond: 100_000, burst: 100_000 },
  });
  const log = createLogger('error', { write: (s: string) => logLines.push(JSON.parse(s)) });
  await f.store.init();
  app = createApp({ config, store: f.store, log });
  const { port } = await app.listen();
  base = `http://127.0.0.1:${port}`;
  wsBase = `ws://127.0.0.1:${port}`;
});
afterAll(() => app?.close());

let ipSeq = 0;
/** Each request its own client address, so the small write limit only bites where meant. */
const fresh = (headers: Record<string, string> = {}) => ({
  headers: { 'x-forwarded-for': `198.18.0.${++ipSeq}`, ...headers },
});

describe('a throw inside a handler', () => {
  for (const kind of ['throw', 'reject'] as const) {
    it(`(${kind}) -> 500 internal_error, no stack in the body, logged with the request id, process alive`, async () => {
      faults.set('listRooms', kind);
      try {
        const res = await call(base, 'GET', '/rooms', undefined, fresh());
        expect(res.status).toBe(500);
        expect(res.body).toEqual({ detail: expect.any(String), code: 'internal_error' });
        expect(res.text).not.toMatch(/secret-internal-detail|\bat .*\.ts|stack/i);
        expect(res.headers['access-control-allow-origin']).toBe(ORIGIN);
        const requestId = res.headers['x-request-id'];
        expect(requestId).toMatch(/^[0-9a-f]{8}-[0-9a-z]+$/);
        const line = logLines.find((l) => l.request_id === requestId);
        expect(line).toMatchObject({
          level: 'error',
          msg: 'request failed',
          status: 500,
          path: '/rooms',
          method: 'GET',
        });
        // The log (not the client) gets the real error, with its stack.
        expect(line.err.message).toContain('secret-internal-detail');
        expect(line.err.stack).toContain('faults.test.ts');
      } finally {
        faults.delete('listRooms');
      }
      expect((await call(base, 'GET', '/rooms', undefined, fresh())).status).toBe(200);
      expect((await call(base, 'GET', '/health', undefined, fresh())).status).toBe(200);
    });
  }

  // POST /messages answers from the body's callback, not from a promise the pipeline awaits:
  // a failure on its synchronous path (the store's insert, thrown) and on its lookup path (a
  // first message: the user lookup rejected) must still be one logged 500 or a 503.
  it('POST /rooms/{id}/messages: a store failure after the body is read -> 500 logged with the request id, or 503', async () => {
    // Fixtures from their own client addresses: the write limit here is 3 per address.
    const create = async (path: string, body: object) => (await call(base, 'POST', path, body, fresh())).body;
    const [room, member, newcomer] = await Promise.all([
      create('/rooms', { name: 'faulty' }),
      create('/users', { username: 'member' }),
      create('/users', { username: 'newcomer' }),
    ]);
    await create(`/rooms/${room.id}/join`, { user_id: member.id });
    const post = (userId: string) =>
      call(base, 'POST', `/rooms/${room.id}/messages`, { user_id: userId, content: 'hi' }, fresh());
    for (const [method, userId, fault, status] of [
      ['insertMessage', member.id, 'throw', 500],
      ['getUser', newcomer.id, 'reject', 500],
      ['getUser', newcomer.id, 'unavailable', 503],
    ] as const) {
      faults.set(method, fault);
      try {
        const res = await post(userId);
        expect(res.status, `${method} ${fault}`).toBe(status);
        expect(res.text).not.toMatch(/secret-internal-detail|db\.internal/);
        expect(res.headers['access-control-allow-origin']).toBe(ORIGIN);
        if (status === 500) {
          const line = logLines.find((l) => l.request_id === res.headers['x-request-id']);
          expect(line).toMatchObject({
            msg: 'request failed',
            status: 500,
            method: 'POST',
            path: `/rooms/${room.id}/messages`,
          });
          expect(line.err.message).toContain(method);
        }
      } finally {
        faults.delete(method);
      }
    }
    expect((await post(member.id)).status).toBe(201);
    expect((await post(newcomer.id)).status).toBe(201);
  });

  it('a store that cannot be reached -> 503 storage_unavailable with Retry-After and CORS', async () => {
    faults.set('createUser', 'unavailable');
    try {
      const res = await call(base, 'POST', '/users', { username: 'x' }, fresh());
      expect(res.status).toBe(503);
      expect(res.body).toEqual({ detail: expect.any(String), code: 'storage_unavailable' });
      expect(res.text).not.toContain('db.internal');
      expect(res.headers['retry-after']).toBe('5');
      expect(res.headers['access-control-allow-origin']).toBe(ORIGIN);
    } finally {
      faults.delete('createUser');
    }
  });

  it('health reports degraded (503, CORS) while the store ping fails, and recovers', async () => {
    faults.set('ping', 'reject');
    try {
      const res = await call(base, 'GET', '/health', undefined, fresh());
      expect(res.status).toBe(503);
      expect(res.body.status).toBe('degraded');
      expect(res.headers['access-control-allow-origin']).toBe(ORIGIN);
    } finally {
      faults.delete('ping');
    }
    expect((await call(base, 'GET', '/health', undefined, fresh())).body.status).toBe('healthy');
  });
});

describe('client aborts', () => {
  it('a client that hangs up mid-body is not a 500 and not logged as a server error', async () => {
    const before = logLines.length;
    const conn = await rawConnect(Number(new URL(base).port));
    await conn.write(
      'POST /rooms HTTP/1.1\r\nHost: x\r\nX-Forwarded-For: 198.20.0.1\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"name":"ha',
    );
    conn.socket.end();
    await conn.closed;
    // The server has seen the abort once a later request on another connection is answered.
    expect((await call(base, 'GET', '/health', undefined, fresh())).status).toBe(200);
    await new Promise((r) => setImmediate(r));
    expect(logLines.slice(before)).toEqual([]);
  });
});

describe('WebSocket faults', () => {
  it('a failed insert answers that socket with an error frame; the socket and the room carry on', async () => {
    const http = api(base);
    const room = (await call(base, 'POST', '/rooms', { name: 'faults' }, fresh())).body;
    const a = (await call(base, 'POST', '/users', { username: 'a' }, fresh())).body;
    const b = (await call(base, 'POST', '/users', { username: 'b' }, fresh())).body;
    const sa = await openSocket(`${wsBase}/ws/${room.id}/${a.id}`);
    const sb = await openSocket(`${wsBase}/ws/${room.id}/${b.id}`);
    await sa.next((f) => f.type === 'user_joined' && f.user_id === b.id);
    faults.set('insertMessage', 'throw');
    sa.send({ content: 'lost' });
    const err = await sa.next((f) => f.type === 'error');
    expect(err.code).toBe('internal_error');
    expect(err.detail).not.toContain('secret');
    faults.set('insertMessage', 'unavailable');
    sa.send({ content: 'also lost' });
    expect((await sa.next((f) => f.type === 'error')).code).toBe('storage_unavailable');
    faults.delete('insertMessage');
    sa.send({ content: 'kept' });
    await sb.next((f) => f.type === 'message' && f.content === 'kept');
    expect(sb.frames.some((f) => f.type === 'message' && f.content !== 'kept')).toBe(false);
    const stored = await http.get(`/rooms/${room.id}/messages`, fresh());
    expect(stored.body.map((m: any) => m.content)).toEqual(['kept']);
    await sa.close();
    await sb.close();
  });

  it('a store failure while a socket opens closes it 1013 (try again), never leaves it half set up', async () => {
    const room = (await call(base, 'POST', '/rooms', { name: 'faults2' }, fresh())).body;
    const a = (await call(base, 'POST', '/users', { username: 'a' }, fresh())).body;
    faults.set('getRoom', 'unavailable');
    const s1 = await openSocket(`${wsBase}/ws/${room.id}/${a.id}`);
    expect(await s1.closed).toEqual({ code: 1013, reason: 'Storage unavailable' });
    faults.set('getRoom', 'throw');
    const s2 = await openSocket(`${wsBase}/ws/${room.id}/${a.id}`);
    expect(await s2.closed).toEqual({ code: 1013, reason: 'Internal error' });
    faults.delete('getRoom');
    expect(app.hub.activeConnections).toBe(0);
    const s3 = await openSocket(`${wsBase}/ws/${room.id}/${a.id}`);
    await s3.next((f) => f.type === 'user_joined');
    await s3.close();
  });
});

describe('CORS headers on every error status', () => {
  it('404, 405, 400, 413, 415, 422, 429, 500, 501, 503 all carry them for an allowed origin, none for another', async () => {
    const room = (await call(base, 'POST', '/rooms', { name: 'cors' }, fresh())).body;
    const limitedIp = { 'x-forwarded-for': '198.19.0.1' };
    const cases: Array<[number, () => Promise<{ status: number; headers: Record<string, unknown> }>]> = [
      [404, () => call(base, 'GET', '/nope', undefined, fresh())],
      [404, () => call(base, 'GET', '/rooms/unknown-room', undefined, fresh())],
      [405, () => call(base, 'DELETE', '/rooms', undefined, fresh())],
      [
        400,
        () =>
          call(base, 'POST', '/rooms', undefined, { ...fresh({ 'content-type': 'application/json' }), raw: '{nope' }),
      ],
      [413, () => call(base, 'POST', '/rooms', { name: 'x'.repeat(5000) }, fresh())],
      [
        415,
        () => call(base, 'POST', '/rooms', undefined, { ...fresh({ 'content-type': 'text/plain' }), raw: 'name=x' }),
      ],
      [422, () => call(base, 'POST', '/rooms', { name: '' }, fresh())],
      [501, () => call(base, 'POST', `/rooms/${room.id}/live-stream`, undefined, fresh())],
      [
        429,
        async () => {
          for (let i = 0; i < 3; i++) await call(base, 'POST', '/rooms', { name: 'r' }, { headers: limitedIp });
          return call(base, 'POST', '/rooms', { name: 'r' }, { headers: limitedIp });
        },
      ],
      [
        500,
        async () => {
          faults.set('getRoom', 'throw');
          try {
            return await call(base, 'GET', `/rooms/${room.id}`, undefined, fresh());
          } finally {
            faults.delete('getRoom');
          }
        },
      ],
      [
        503,
        async () => {
          faults.set('getRoom', 'unavailable');
          try {
            return await call(base, 'GET', `/rooms/${room.id}`, undefined, fresh());
          } finally {
            faults.delete('getRoom');
          }
        },
      ],
    ];
    for (const [status, run] of cases) {
      const res = await run();
      expect(res.status).toBe(status);
      expect(res.headers['access-control-allow-origin'], `ACAO on ${status}`).toBe(ORIGIN);
      expect(res.headers['access-control-allow-credentials'], `ACAC on ${status}`).toBe('true');
      expect(String(res.headers.vary)).toMatch(/Origin/);
    }
    const foreign = await call(base, 'GET', '/nope', undefined, { ...fresh(), origin: 'https://evil.example' });
    expect(foreign.status).toBe(404);
    expect(foreign.headers['access-control-allow-origin']).toBeUndefined();
  });
});
