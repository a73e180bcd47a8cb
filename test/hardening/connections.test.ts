/**
 * Connection limits: per client IP and in total, refused before the handshake with 429/503
 * and a JSON reason; and the optional per-room cap on users online (MAX_ROOM_ONLINE).
 */
import { describe, expect, it } from 'vitest';
import { api } from '../helpers/http.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { openSocket, type TestSocket } from '../helpers/ws.ts';

/** Resolve once `pred` holds (server-side state changes after a close event); bounded. */
async function until(pred: () => boolean, timeoutMs = 3000): Promise<void> {
  const t0 = performance.now();
  while (!pred()) {
    if (performance.now() - t0 > timeoutMs) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}

async function fixtures(srv: TestServer, users: number) {
  const http = api(srv.url);
  const room = await http.room('limits');
  const us = await Promise.all(Array.from({ length: users }, (_, i) => http.user(`u${i}`)));
  return { room, users: us, url: (i: number) => `${srv.wsUrl}/ws/${room.id}/${us[i]!.id}` };
}

function refused(p: Promise<TestSocket>): Promise<{ status: number; body: any }> {
  return p.then(
    () => {
      throw new Error('upgrade was accepted');
    },
    (e: unknown) => {
      const err = e as { status?: number; body?: string };
      return { status: err.status ?? 0, body: JSON.parse(err.body ?? 'null') };
    },
  );
}

describe('connection limits', () => {
  it('per IP: the next upgrade is refused 429 with a JSON reason, and admitted again once one closes', async () => {
    const srv = await startTestServer({ maxConnectionsPerIp: 3, maxConnections: 100 });
    try {
      const f = await fixtures(srv, 4);
      const open = await Promise.all([0, 1, 2].map((i) => openSocket(f.url(i))));
      const res = await refused(openSocket(f.url(3)));
      expect(res.status).toBe(429);
      expect(res.body).toEqual({ detail: expect.any(String), code: 'too_many_connections' });
      await open[0]!.close();
      await until(() => srv.app.hub.activeConnections === 2);
      const again = await openSocket(f.url(3));
      await again.next((m) => m.type === 'user_joined');
      await Promise.all([again, open[1]!, open[2]!].map((s) => s.close()));
    } finally {
      await srv.close();
    }
  });

  it('a burst of simultaneous handshakes cannot overshoot the per-IP limit', async () => {
    const srv = await startTestServer({ maxConnectionsPerIp: 5 });
    try {
      const f = await fixtures(srv, 1);
      const results = await Promise.allSettled(Array.from({ length: 20 }, () => openSocket(f.url(0))));
      const ok = results.filter((r): r is PromiseFulfilledResult<TestSocket> => r.status === 'fulfilled');
      expect(ok).toHaveLength(5);
      for (const r of results) if (r.status === 'rejected') expect((r.reason as { status: number }).status).toBe(429);
      await Promise.all(ok.map((r) => r.value.close()));
    } finally {
      await srv.close();
    }
  });

  it('total: past MAX_CONNECTIONS the upgrade is refused 503 with a JSON reason', async () => {
    const srv = await startTestServer({ maxConnections: 3, maxConnectionsPerIp: 100 });
    try {
      const f = await fixtures(srv, 4);
      const open = await Promise.all([0, 1, 2].map((i) => openSocket(f.url(i))));
      const res = await refused(openSocket(f.url(3)));
      expect(res.status).toBe(503);
      expect(res.body).toEqual({ detail: expect.any(String), code: 'too_many_connections' });
      // Plain REST is unaffected by the socket limit.
      expect((await api(srv.url).get('/health')).status).toBe(200);
      await Promise.all(open.map((s) => s.close()));
    } finally {
      await srv.close();
    }
  });

  it('with TRUST_PROXY, the per-IP count follows the last X-Forwarded-For hop', async () => {
    const srv = await startTestServer({ trustProxy: true, maxConnectionsPerIp: 2 });
    try {
      const f = await fixtures(srv, 1);
      const viaA = (first: string) => openSocket(f.url(0), { headers: { 'x-forwarded-for': `${first}, 203.0.113.7` } });
      const a1 = await viaA('1.1.1.1');
      const a2 = await viaA('2.2.2.2');
      // A forged first hop does not make a new client.
      expect((await refused(viaA('3.3.3.3'))).status).toBe(429);
      // A different proxy-added hop is a different client.
      const b1 = await openSocket(f.url(0), { headers: { 'x-forwarded-for': '203.0.113.8' } });
      await Promise.all([a1, a2, b1].map((s) => s.close()));
    } finally {
      await srv.close();
    }
  });
});

describe('MAX_ROOM_ONLINE', () => {
  it('a full room closes a new user with 1013 "Room is full"; a second tab of an online user still gets in', async () => {
    const srv = await startTestServer({ maxRoomMembersOnline: 2 });
    try {
      const f = await fixtures(srv, 3);
      const a = await openSocket(f.url(0));
      const b = await openSocket(f.url(1));
      await a.next((m) => m.type === 'user_joined' && m.user_id === f.users[1]!.id);
      const c = await openSocket(f.url(2));
      expect(await c.closed).toEqual({ code: 1013, reason: 'Room is full' });
      expect(a.frames.some((m) => m.user_id === f.users[2]!.id)).toBe(false);
      const a2 = await openSocket(f.url(0));
      a2.send({ type: 'ping' });
      await a2.next((m) => m.type === 'pong');
      // Another room is not affected.
      const other = await api(srv.url).room('other');
      const elsewhere = await openSocket(`${srv.wsUrl}/ws/${other.id}/${f.users[2]!.id}`);
      await elsewhere.next((m) => m.type === 'user_joined');
      // Once b leaves, c gets in.
      await b.close();
      await a.next((m) => m.type === 'user_left' && m.user_id === f.users[1]!.id);
      const c2 = await openSocket(f.url(2));
      await c2.next((m) => m.type === 'user_joined' && m.user_id === f.users[2]!.id);
      const rooms = await api(srv.url).get(`/rooms/${f.room.id}`);
      expect(rooms.body.online).toBe(2);
      await Promise.all([a, a2, c2, elsewhere].map((s) => s.close()));
    } finally {
      await srv.close();
    }
  });
});
