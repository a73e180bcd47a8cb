/**
 * What a flooding socket costs the server, and what its IP gets afterwards (issue 15): a socket
 * closed 1008 for its frame budget stops being read and is cut after the close frame's grace,
 * having been read for a bounded number of bytes (one warn line says how many); its IP's
 * flooder budget (WS_ABUSE_CLOSES_*) is charged, and once it is spent that IP's upgrades are
 * refused 429 while its sockets already open and every other IP carry on.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/server/log.ts';
import { api } from '../helpers/http.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { openSocket, type Closed, type TestSocket } from '../helpers/ws.ts';

const BIG_KEEP_ALIVE = JSON.stringify({ type: 'keep_alive', timestamp: 0, pad: 'x'.repeat(60 * 1024) });

/** Send `frame` as fast as the socket takes it (at most 1 MiB queued) until it closes; the close. */
async function floodUntilClosed(s: TestSocket, frame: string, timeoutMs = 5000): Promise<Closed> {
  let closed: Closed | null = null;
  void s.closed.then((c) => (closed = c));
  const t0 = performance.now();
  while (s.ws.readyState === s.ws.OPEN && performance.now() - t0 < timeoutMs) {
    if (s.ws.bufferedAmount > 1024 * 1024) await new Promise((r) => setTimeout(r, 1));
    else {
      s.ws.send(frame);
      await new Promise((r) => setImmediate(r));
    }
  }
  return closed ?? (await s.closed);
}

let srv: TestServer | undefined;
afterEach(async () => {
  await srv?.close();
  srv = undefined;
});

describe('flooding sockets (default frame budgets)', () => {
  it('a flood of 60 KiB keep_alives: ≤ 5 rate_limited frames, close 1008, cut after a read of ≤ 768 KiB', async () => {
    // The line is written when the socket is cut, which may come just after the client's close event.
    let onCut: (line: Record<string, any>) => void = () => undefined;
    const cutLine = new Promise<Record<string, any>>((resolve) => (onCut = resolve));
    const log = createLogger('info', {
      write(text: string) {
        const line = JSON.parse(text) as Record<string, any>;
        if (line.msg === 'websocket closed 1008: over its frame budget') onCut(line);
      },
    });
    srv = await startTestServer({}, undefined, { log });
    const http = api(srv.url);
    const room = await http.room('flood-cost');
    const u = await http.user('flooder');
    const s = await openSocket(`${srv.wsUrl}/ws/${room.id}/${u.id}`, { localAddress: '127.0.0.5' });
    await s.next((f) => f.type === 'user_joined');

    const closed = await floodUntilClosed(s, BIG_KEEP_ALIVE);
    expect(closed).toEqual({ code: 1008, reason: 'Rate limit exceeded' });
    // WS_STRIKE_BYTES (256 KiB of refused frames in a row) closes it on the 5th refused 60 KiB
    // frame; WS_RATE_STRIKES alone would have sent 19 warnings and read 20 such frames.
    const warnings = s.frames.filter((f) => f.type === 'error');
    expect(warnings.length).toBeGreaterThan(0);
    expect(warnings.length).toBeLessThanOrEqual(5);
    expect(warnings.every((f) => f.code === 'rate_limited')).toBe(true);

    const cut = await cutLine;
    expect(cut).toMatchObject({ level: 'warn', room_id: room.id, user_id: u.id, ip: '127.0.0.5' });
    // The 256 KiB byte burst, 5 refused frames and at most one 64 KiB read that was already
    // under way when the socket was paused; the unpaused server read several MiB.
    expect(Number(cut?.bytes_read)).toBeGreaterThan(256 * 1024);
    expect(Number(cut?.bytes_read)).toBeLessThanOrEqual(768 * 1024);
  });

  it('small frames slipped in between big refused ones do not reset the refused-bytes allowance', async () => {
    srv = await startTestServer();
    const http = api(srv.url);
    const room = await http.room('flood-interleave');
    const u = await http.user('sly');
    const s = await openSocket(`${srv.wsUrl}/ws/${room.id}/${u.id}`, { localAddress: '127.0.0.8' });
    await s.next((f) => f.type === 'user_joined');
    const small = JSON.stringify({ type: 'keep_alive', timestamp: 0 });
    let closed: Closed | null = null;
    void s.closed.then((c) => (closed = c));
    // A big frame, then a small one that passes (the control burst is 10): 12 pairs at most.
    for (let i = 0; i < 12 && closed === null && s.ws.readyState === s.ws.OPEN; i++) {
      s.ws.send(BIG_KEEP_ALIVE);
      s.ws.send(small);
      await new Promise((r) => setImmediate(r));
    }
    expect((await s.closed).code).toBe(1008);
    // Closed on the 5th or 6th refused big frame (the allowance refills at 64 KiB/s while this
    // runs); with an allowance reset by every passing frame it took the control burst's 10 pairs.
    expect(s.frames.filter((f) => f.type === 'error').length).toBeLessThanOrEqual(7);
  });

  it('past WS_ABUSE_CLOSES_BURST flooded sockets, that IP is refused 429 at upgrade; its open socket and other IPs are not', async () => {
    srv = await startTestServer({ wsAbuseRate: { perSecond: 1 / 60, burst: 2 } });
    const http = api(srv.url);
    const room = await http.room('flood-backoff');
    const [polite, flooder, neighbour] = await Promise.all([
      http.user('polite'),
      http.user('flooder'),
      http.user('neighbour'),
    ]);
    const at = (userId: string): string => `${srv!.wsUrl}/ws/${room.id}/${userId}`;
    // Someone else behind the same address, already connected before the flood.
    const calm = await openSocket(at(polite.id), { localAddress: '127.0.0.6' });
    await calm.next((f) => f.type === 'user_joined' && f.user_id === polite.id);

    for (let i = 0; i < 2; i++) {
      const s = await openSocket(at(flooder.id), { localAddress: '127.0.0.6' });
      expect((await floodUntilClosed(s, JSON.stringify({ type: 'pong' }))).code).toBe(1008);
    }
    const refused = await openSocket(at(flooder.id), { localAddress: '127.0.0.6' }).then(
      () => null,
      (err: unknown) => err as { status: number; body: string; headers: Record<string, string> },
    );
    expect(refused?.status).toBe(429);
    expect(JSON.parse(refused?.body ?? '{}')).toEqual({ code: 'rate_limited', detail: expect.stringMatching(/flood/) });
    // One more flooded socket allowed per 60 s at this refill.
    expect(Number(refused?.headers['retry-after'])).toBeGreaterThan(30);

    const other = await openSocket(at(neighbour.id), { localAddress: '127.0.0.7' });
    await other.next((f) => f.type === 'user_joined' && f.user_id === neighbour.id);
    calm.send({ content: 'still here' });
    await other.next((f) => f.type === 'message' && f.content === 'still here');
    expect(calm.ws.readyState).toBe(calm.ws.OPEN);
    await Promise.all([calm.close(), other.close()]);
  });
});
