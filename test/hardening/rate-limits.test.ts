/**
 * Rate limits against a real server: REST token buckets per client IP (reads and writes
 * apart, preflights free, 429 with Retry-After and CORS, TRUST_PROXY takes the last
 * X-Forwarded-For hop), bounded bucket memory, and per-socket chat limits (error frame,
 * then 1008) that leave the rest of the room untouched.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KeyedLimiter } from '../../src/server/limits/token-bucket.ts';
import { api, call } from '../helpers/http.ts';
import { ORIGIN, startTestServer, type TestServer } from '../helpers/server.ts';
import { openSocket } from '../helpers/ws.ts';

const WRITE_BURST = 4;
const READ_BURST = 6;

describe('REST rate limits (TRUST_PROXY on: each test is its own client IP)', () => {
  let srv: TestServer;
  let ipSeq = 0;
  /** A fresh client address: the last X-Forwarded-For hop, as the proxy would append it. */
  const freshIp = (): string => `203.0.113.${++ipSeq}`;
  const as = (ip: string, extra: Record<string, string> = {}) => ({ headers: { 'x-forwarded-for': ip, ...extra } });

  beforeAll(async () => {
    srv = await startTestServer({
      trustProxy: true,
      rateLimitWrite: { perSecond: 1, burst: WRITE_BURST },
      rateLimitRead: { perSecond: 1, burst: READ_BURST },
    });
  });
  afterAll(() => srv?.close());

  it('past the write burst: 429 rate_limited with Retry-After and the CORS headers', async () => {
    const ip = freshIp();
    for (let i = 0; i < WRITE_BURST; i++) {
      expect((await call(srv.url, 'POST', '/users', { username: `w${i}` }, as(ip))).status).toBe(201);
    }
    const res = await call(srv.url, 'POST', '/users', { username: 'one too many' }, as(ip));
    expect(res.status).toBe(429);
    expect(res.body).toEqual({ detail: expect.any(String), code: 'rate_limited' });
    expect(Number(res.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(res.headers['access-control-allow-origin']).toBe(ORIGIN);
    expect(res.headers['access-control-allow-credentials']).toBe('true');
    // A 429 for an invalid body too: the limit is checked before the body is read.
    const junk = await call(srv.url, 'POST', '/users', undefined, {
      ...as(ip),
      raw: '{',
      headers: { 'x-forwarded-for': ip, 'content-type': 'application/json' },
    });
    expect(junk.status).toBe(429);
  });

  it('preflights never count: 50 of them, then the whole write burst still passes', async () => {
    const ip = freshIp();
    for (let i = 0; i < 50; i++) {
      const pre = await call(
        srv.url,
        'OPTIONS',
        '/users',
        undefined,
        as(ip, { 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' }),
      );
      expect(pre.status).toBe(204);
    }
    for (let i = 0; i < WRITE_BURST; i++) {
      expect((await call(srv.url, 'POST', '/users', { username: `p${i}` }, as(ip))).status).toBe(201);
    }
    expect((await call(srv.url, 'POST', '/users', { username: 'over' }, as(ip))).status).toBe(429);
    // And a preflight from a limited client still succeeds (browsers would report a CORS error otherwise).
    const pre = await call(
      srv.url,
      'OPTIONS',
      '/rooms',
      undefined,
      as(ip, { 'access-control-request-method': 'POST' }),
    );
    expect(pre.status).toBe(204);
  });

  it('reads and writes are separate buckets', async () => {
    const ip = freshIp();
    for (let i = 0; i < WRITE_BURST; i++) await call(srv.url, 'POST', '/rooms', { name: `r${i}` }, as(ip));
    expect((await call(srv.url, 'POST', '/rooms', { name: 'over' }, as(ip))).status).toBe(429);
    // Writes are exhausted; reads are untouched.
    for (let i = 0; i < READ_BURST; i++)
      expect((await call(srv.url, 'GET', '/rooms', undefined, as(ip))).status).toBe(200);
    const readOver = await call(srv.url, 'GET', '/rooms', undefined, as(ip));
    expect(readOver.status).toBe(429);
    expect(readOver.headers['retry-after']).toBeDefined();
    // /health is never limited (platform health checks share one address).
    for (let i = 0; i < 20; i++) expect((await call(srv.url, 'GET', '/health', undefined, as(ip))).status).toBe(200);
  });

  it('a forged first X-Forwarded-For hop does not evade the limit; the proxy-added last hop decides', async () => {
    const ip = freshIp();
    const statuses: number[] = [];
    for (let i = 0; i < WRITE_BURST + 3; i++) {
      const forged = `198.51.100.${i}, 10.${i}.0.1`;
      statuses.push((await call(srv.url, 'POST', '/users', { username: `f${i}` }, as(`${forged}, ${ip}`))).status);
    }
    expect(statuses).toEqual([...Array(WRITE_BURST).fill(201), 429, 429, 429]);
    // A longer forged chain ending in the same proxy-added hop: still the same bucket.
    const res = await call(
      srv.url,
      'POST',
      '/users',
      { username: 'two headers' },
      { headers: { 'x-forwarded-for': `${freshIp()}, ${ip}` } },
    );
    expect(res.status).toBe(429);
    // A different real client (different last hop) has its own bucket.
    expect((await call(srv.url, 'POST', '/users', { username: 'other' }, as(`${ip}, ${freshIp()}`))).status).toBe(201);
  });
});

describe('REST rate limits without TRUST_PROXY', () => {
  it('X-Forwarded-For is ignored entirely: rotating it does not reset the bucket', async () => {
    const srv = await startTestServer({ trustProxy: false, rateLimitWrite: { perSecond: 1, burst: 3 } });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 5; i++) {
        statuses.push(
          (
            await call(
              srv.url,
              'POST',
              '/users',
              { username: `x${i}` },
              { headers: { 'x-forwarded-for': `192.0.2.${i}` } },
            )
          ).status,
        );
      }
      expect(statuses).toEqual([201, 201, 201, 429, 429]);
    } finally {
      await srv.close();
    }
  });
});

describe('bucket memory is bounded', () => {
  it('idle buckets are swept once full again, and the key count is capped', async () => {
    const limiter = new KeyedLimiter({ perSecond: 10_000, burst: 2 }, 50, 60_000);
    try {
      for (let i = 0; i < 40; i++) limiter.take(`10.0.${i}.1`);
      expect(limiter.size).toBe(40);
      // 1 token at 10 000/s refills in 0.1 ms; wait until the clock has moved on, then sweep.
      const t0 = performance.now();
      while (performance.now() - t0 < 2) await new Promise((r) => setImmediate(r));
      limiter.sweep();
      expect(limiter.size).toBe(0);
      // A spray of addresses never holds more than maxKeys buckets.
      for (let i = 0; i < 500; i++) limiter.take(`spray-${i}`);
      expect(limiter.size).toBe(50);
    } finally {
      limiter.close();
    }
  });

  it('a bucket still draining is not swept (sweeping cannot be used to reset a limit)', () => {
    const limiter = new KeyedLimiter({ perSecond: 1, burst: 2 }, 100, 60_000);
    try {
      limiter.take('a');
      limiter.take('a');
      expect(limiter.take('a')).toBeGreaterThan(0);
      limiter.sweep();
      expect(limiter.size).toBe(1);
      expect(limiter.take('a')).toBeGreaterThan(0);
    } finally {
      limiter.close();
    }
  });
});

describe('WebSocket flood', () => {
  let srv: TestServer;
  beforeAll(async () => {
    srv = await startTestServer({
      wsMessageRate: { perSecond: 5, burst: 5 },
      wsTypingRate: { perSecond: 5, burst: 5 },
      wsRateStrikes: 5,
    });
  });
  afterAll(() => srv?.close());

  it('the flooder gets rate_limited error frames then close 1008; the room keeps chatting at normal latency', async () => {
    const http = api(srv.url);
    const room = await http.room('flooded');
    const [flooderU, talkerU, listenerU] = await Promise.all([
      http.user('flooder'),
      http.user('talker'),
      http.user('listener'),
    ]);
    const listener = await openSocket(`${srv.wsUrl}/ws/${room.id}/${listenerU.id}`);
    const talker = await openSocket(`${srv.wsUrl}/ws/${room.id}/${talkerU.id}`);
    const flooder = await openSocket(`${srv.wsUrl}/ws/${room.id}/${flooderU.id}`);
    await listener.next((f) => f.type === 'user_joined' && f.user_id === flooderU.id);

    for (let i = 0; i < 200; i++) flooder.send({ content: `flood ${i}` });
    const closed = await flooder.closed;
    expect(closed.code).toBe(1008);
    const errors = flooder.frames.filter((f) => f.type === 'error');
    expect(errors.length).toBeGreaterThan(0);
    expect(errors.every((f) => f.code === 'rate_limited' && typeof f.detail === 'string')).toBe(true);

    // Only the burst was stored and delivered.
    const stored = (await http.get(`/rooms/${room.id}/messages?limit=500`)).body as any[];
    expect(stored.filter((m) => m.user_id === flooderU.id).map((m) => m.content)).toEqual([
      'flood 0',
      'flood 1',
      'flood 2',
      'flood 3',
      'flood 4',
    ]);
    await listener.next((f) => f.type === 'user_left' && f.user_id === flooderU.id);

    // The rest of the room is unaffected: each of the talker's messages reaches the listener fast.
    const latencies: number[] = [];
    for (let i = 0; i < 5; i++) {
      const t0 = performance.now();
      talker.send({ content: `normal ${i}` });
      await listener.next((f) => f.type === 'message' && f.content === `normal ${i}`, 2000);
      latencies.push(performance.now() - t0);
    }
    expect(Math.max(...latencies)).toBeLessThan(500);
    expect(listener.frames.filter((f) => f.type === 'message' && f.user_id === flooderU.id)).toHaveLength(5);
    await talker.close();
    await listener.close();
  });

  it('typing floods are limited separately and never stored', async () => {
    const http = api(srv.url);
    const room = await http.room('typing');
    const [a, b] = await Promise.all([http.user('typist'), http.user('watcher')]);
    const watcher = await openSocket(`${srv.wsUrl}/ws/${room.id}/${b.id}`);
    const typist = await openSocket(`${srv.wsUrl}/ws/${room.id}/${a.id}`);
    await watcher.next((f) => f.type === 'user_joined' && f.user_id === a.id);
    for (let i = 0; i < 8; i++) typist.send({ type: 'typing_start' });
    await typist.next((f) => f.type === 'error' && f.code === 'rate_limited');
    // The chat bucket is separate: a message still goes through.
    typist.send({ content: 'typed' });
    await watcher.next((f) => f.type === 'message' && f.content === 'typed');
    expect(watcher.frames.filter((f) => f.type === 'typing_start')).toHaveLength(5);
    expect((await http.get(`/rooms/${room.id}/messages`)).body).toHaveLength(1);
    await typist.close();
    await watcher.close();
  });
});
