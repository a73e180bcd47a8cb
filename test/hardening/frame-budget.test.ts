/**
 * Every frame a socket sends is paid for (issue 15, finding 3): bytes of every frame, and a
 * count per kind, `keep_alive` and `pong` (and protocol pings) included. Past the budget the
 * socket gets `rate_limited` error frames, then close 1008. The frontend's own traffic (a
 * keep_alive every 10 s, chat and typing at their limits) never trips it. Upgrade attempts are
 * budgeted per client IP (429 before the handshake). All with the default budgets.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api } from '../helpers/http.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { openSocket, type Closed, type TestSocket } from '../helpers/ws.ts';

/** A keep_alive padded to just under the default 64 KiB frame limit, as in the attack. */
const BIG_KEEP_ALIVE = JSON.stringify({ type: 'keep_alive', timestamp: 0, pad: 'x'.repeat(60 * 1024) });

interface Flooded {
  sentFrames: number;
  sentBytes: number;
  closed: Closed | null;
}

/**
 * Send `frame` as fast as the socket takes it (at most 1 MiB queued) until the server closes
 * it, `maxFrames` are sent or `timeoutMs` passes; then wait up to `timeoutMs` for a close.
 */
async function flood(s: TestSocket, frame: string, maxFrames: number, timeoutMs = 3000): Promise<Flooded> {
  let closed: Closed | null = null;
  void s.closed.then((c) => (closed = c));
  let sentFrames = 0;
  const t0 = performance.now();
  while (closed === null && sentFrames < maxFrames && performance.now() - t0 < timeoutMs) {
    if (s.ws.readyState !== s.ws.OPEN) break;
    if (s.ws.bufferedAmount > 1024 * 1024) {
      await new Promise((r) => setTimeout(r, 1));
      continue;
    }
    s.ws.send(frame);
    sentFrames++;
    if (sentFrames % 16 === 0) await new Promise((r) => setImmediate(r));
  }
  const end = await Promise.race([s.closed, new Promise<null>((r) => setTimeout(() => r(null), timeoutMs))]);
  return { sentFrames, sentBytes: sentFrames * Buffer.byteLength(frame), closed: end };
}

describe('per-socket frame budgets (defaults)', () => {
  let srv: TestServer;
  let room: { id: string };
  let http: ReturnType<typeof api>;
  beforeAll(async () => {
    // The test server opens REST and upgrade limits; frame budgets keep their defaults.
    srv = await startTestServer();
    http = api(srv.url);
    room = await http.room('budgets');
  });
  afterAll(() => srv?.close());

  const join = async (name: string) => {
    const u = await http.user(name);
    const s = await openSocket(`${srv.wsUrl}/ws/${room.id}/${u.id}`);
    await s.next((f) => f.type === 'user_joined' && f.user_id === u.id);
    return { u, s };
  };

  it('a flood of 60 KiB keep_alive frames gets rate_limited, then close 1008, within a few hundred KiB', async () => {
    const { s } = await join('keepalive-flooder');
    const res = await flood(s, BIG_KEEP_ALIVE, 400);
    expect(res.closed?.code).toBe(1008);
    expect(s.frames.some((f) => f.type === 'error' && f.code === 'rate_limited')).toBe(true);
    // Default byte budget: a 256 KiB burst, then 256 KiB of refused frames, far below the 24 MiB offered.
    expect(res.sentFrames).toBeLessThan(400);
  });

  it('a flood of small pong frames is counted too: rate_limited, then close 1008', async () => {
    const { s } = await join('pong-flooder');
    const res = await flood(s, JSON.stringify({ type: 'pong' }), 2000);
    expect(res.closed?.code).toBe(1008);
    expect(s.frames.filter((f) => f.type === 'error').every((f) => f.code === 'rate_limited')).toBe(true);
    expect(s.frames.some((f) => f.type === 'error')).toBe(true);
  });

  it('big unknown-type frames draw from the byte budget: close 1008', async () => {
    const { s } = await join('unknown-flooder');
    const res = await flood(s, JSON.stringify({ type: 'nonsense', pad: 'y'.repeat(60 * 1024) }), 400);
    expect(res.closed?.code).toBe(1008);
    expect(s.frames.some((f) => f.type === 'error' && f.code === 'rate_limited')).toBe(true);
  });

  it('protocol-level pings are counted: a flood of them is closed 1008', async () => {
    const { s } = await join('ping-flooder');
    let closed: Closed | null = null;
    void s.closed.then((c) => (closed = c));
    for (let i = 0; i < 2000 && closed === null && s.ws.readyState === s.ws.OPEN; i++) {
      s.ws.ping();
      if (i % 16 === 0) await new Promise((r) => setImmediate(r));
    }
    const end = await Promise.race([s.closed, new Promise<null>((r) => setTimeout(() => r(null), 3000))]);
    expect(end?.code).toBe(1008);
  });

  it("the frontend's heaviest honest burst passes untouched: keep_alives, a full chat and typing burst", async () => {
    const watcher = await join('watcher');
    const { u, s } = await join('honest');
    await watcher.s.next((f) => f.type === 'user_joined' && f.user_id === u.id);
    // What a real tab can send at once: a few keep_alives (one every 10 s; a backgrounded tab
    // catches up), pongs, 20 chat messages of 1000 characters (the chat burst) and 10 typing frames.
    for (let i = 0; i < 5; i++) s.send({ type: 'keep_alive', timestamp: Date.now() });
    for (let i = 0; i < 3; i++) s.send({ type: 'pong' });
    for (let i = 0; i < 10; i++)
      s.send({ type: i % 2 ? 'typing_stop' : 'typing_start', user_id: u.id, room_id: room.id });
    for (let i = 0; i < 20; i++) s.send({ content: `${i} ${'z'.repeat(1000)}`, user_id: u.id, username: 'honest' });
    await watcher.s.next((f) => f.type === 'message' && f.content.startsWith('19 '));
    expect(s.frames.filter((f) => f.type === 'error')).toEqual([]);
    expect(watcher.s.frames.filter((f) => f.type === 'message' && f.user_id === u.id)).toHaveLength(20);
    expect(s.ws.readyState).toBe(s.ws.OPEN);
    await Promise.all([s.close(), watcher.s.close()]);
  });
});

describe('WebSocket upgrade attempts per client IP', () => {
  it('past the budget: 429 rate_limited with Retry-After, before any other check; another IP is unaffected', async () => {
    const burst = 5;
    const srv = await startTestServer({ wsUpgradeRate: { perSecond: 1, burst } });
    try {
      const http = api(srv.url);
      const room = await http.room('upgrades');
      const u = await http.user('upgrader');
      const url = `${srv.wsUrl}/ws/${room.id}/${u.id}`;
      const statuses: number[] = [];
      let last: { status?: number; body?: string; headers?: Record<string, unknown> } = {};
      for (let i = 0; i < burst + 3; i++) {
        // Bad-path attempts count too: every attempt costs the server a handshake parse.
        const target = i % 2 ? url : `${srv.wsUrl}/ws/nowhere`;
        try {
          const s = await openSocket(target, { localAddress: '127.0.0.2' });
          statuses.push(101);
          await s.close();
        } catch (err) {
          last = err as typeof last;
          statuses.push(last.status ?? 0);
        }
      }
      expect(statuses.slice(0, burst).every((st) => st === 101 || st === 404)).toBe(true);
      expect(statuses.slice(burst)).toEqual([429, 429, 429]);
      expect(JSON.parse(last.body ?? '{}')).toEqual({ detail: expect.any(String), code: 'rate_limited' });
      expect(Number(last.headers?.['retry-after'])).toBeGreaterThanOrEqual(1);
      const other = await openSocket(url, { localAddress: '127.0.0.3' });
      await other.next((f) => f.type === 'user_joined');
      await other.close();
    } finally {
      await srv.close();
    }
  });
});
