/**
 * Database trouble against the real app over HTTP and WebSocket: a database that is down at
 * startup or goes away later gives 503s (with CORS) and error frames, never a crash, and
 * service resumes by itself. The database is cut with a TCP proxy in front of it, so only
 * this test's connections are affected (other test files share the same server).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type App } from '../../src/server/app.ts';
import { testConfig } from '../../src/server/config.ts';
import { StoreUnavailableError, type Store } from '../../src/server/store/store.ts';
import { api } from '../helpers/http.ts';
import { ORIGIN } from '../helpers/server.ts';
import { openSocket } from '../helpers/ws.ts';
import { eventually, tcpProxy, viaProxy, type TcpProxy } from '../helpers/tcp-proxy.ts';

/** Like main.ts: an init failure is logged, not fatal. */
export async function startDegradableApp(store: Store): Promise<{ app: App; url: string; wsUrl: string }> {
  await store.init().catch(() => undefined);
  const config = testConfig({
    rateLimitRead: { perSecond: 1e5, burst: 1e5 },
    rateLimitWrite: { perSecond: 1e5, burst: 1e5 },
  });
  const app = createApp({ config, store });
  const { port } = await app.listen();
  return { app, url: `http://127.0.0.1:${port}`, wsUrl: `ws://127.0.0.1:${port}` };
}

/** /health is 503 degraded with storage.ok false, and a write is 503 storage_unavailable with CORS headers. */
export async function expectDegraded(url: string, kind: string): Promise<void> {
  const http = api(url);
  const health = await http.get('/health');
  expect(health.status).toBe(503);
  expect(health.body).toMatchObject({ status: 'degraded', storage: { kind, ok: false } });
  const res = await http.post('/rooms', { name: 'while down' });
  expect(res.status).toBe(503);
  expect(res.body.code).toBe('storage_unavailable');
  expect(res.headers['access-control-allow-origin']).toBe(ORIGIN);
  expect(res.headers['retry-after']).toBeDefined();
}

async function healthy(url: string): Promise<boolean> {
  return (await api(url).get('/health')).status === 200;
}

/**
 * Register the outage cases for one database. `databaseUrl` is a database the test may
 * use; `make(url)` builds a store for a URL (the proxy's).
 */
export function troubleSuite(kind: string, databaseUrl: () => Promise<string>, make: (url: string) => Store): void {
  describe(`${kind} store: database trouble (cut and restored through a proxy)`, () => {
    let proxy: TcpProxy;
    let url: string;
    beforeAll(async () => {
      const real = new URL(await databaseUrl());
      proxy = await tcpProxy(real.hostname, Number(real.port || (kind === 'mongo' ? 27017 : 5432)));
      url = viaProxy(real.toString(), proxy);
    });
    afterAll(async () => {
      await proxy?.close();
    });

    it('down at startup: the server still starts, answers 503, and recovers by itself', async () => {
      await proxy.cut();
      const store = make(url);
      const { app, url: base } = await startDegradableApp(store);
      try {
        await expectDegraded(base, kind);
        await proxy.restore();
        await eventually(() => healthy(base), 30_000);
        const room = await api(base).post('/rooms', { name: 'after recovery' });
        expect(room.status).toBe(201);
        expect((await api(base).get(`/rooms/${room.body.id}`)).body.id).toBe(room.body.id);
      } finally {
        await app.close();
        await store.close();
      }
    });

    it('cut while a batch is in flight: every caller gets an error or an acknowledgement (true after restore), never silence; retries store each message once', async () => {
      const store = make(url);
      try {
        await store.init();
        const user = await store.createUser({ username: 'batch' });
        const rooms = await Promise.all(
          [1, 2, 3].map((i) => store.createRoom({ name: `cut${i}`, thumbnail_url: null })),
        );
        const input = (i: number) => ({
          room_id: rooms[i % 3]!.id,
          user_id: user.id,
          username: 'batch',
          content: `m${i}`,
          avatar_url: null,
          client_msg_id: `cut-${i}`,
        });
        const outcomes: Array<'acked' | 'failed' | undefined> = [];
        // The first message is written alone; the other 299 queue behind it and go in the next batches.
        const first = store.insertMessage(input(0));
        const sends = [first, ...Array.from({ length: 299 }, (_, k) => store.insertMessage(input(k + 1)))].map((p, i) =>
          p.then(
            (r) => {
              expect(outcomes[i]).toBeUndefined(); // settled once
              outcomes[i] = 'acked';
              return r.message.id;
            },
            (err: unknown) => {
              expect(outcomes[i]).toBeUndefined();
              outcomes[i] = 'failed';
              expect(err).toBeInstanceOf(StoreUnavailableError);
              return null;
            },
          ),
        );
        await first.catch(() => undefined);
        await proxy.cut(); // the next batch is being written now
        const ids = await Promise.all(sends);
        expect(outcomes.filter(Boolean)).toHaveLength(300);
        expect(outcomes.filter((o) => o === 'failed').length).toBeGreaterThan(0);

        await proxy.restore();
        await eventually(() => store.ping(), 30_000);
        const stored = async () =>
          (await Promise.all(rooms.map((r) => store.listMessages(r.id, { limit: 500 })))).flat();
        const present = new Set((await stored()).map((m) => m.id));
        ids.forEach((id) => {
          if (id !== null) expect(present.has(id)).toBe(true); // every acknowledgement holds after restore
        });
        // The callers that got an error retry with the same client_msg_id: each message ends up stored once.
        for (let i = 0; i < 300; i++) if (ids[i] === null) await store.insertMessage(input(i));
        const all = await stored();
        expect(all).toHaveLength(300);
        expect(new Set(all.map((m) => m.client_msg_id)).size).toBe(300);
      } finally {
        await store.close();
      }
    });

    it('goes away later: 503s and a WebSocket error frame (nothing acknowledged), then service resumes', async () => {
      const store = make(url);
      const { app, url: base, wsUrl } = await startDegradableApp(store);
      try {
        const http = api(base);
        const user = await http.user('ada');
        const room = await http.room('outage');
        await http.join(room.id, user.id);
        const first = await http.post(`/rooms/${room.id}/messages`, {
          user_id: user.id,
          content: 'before',
          client_msg_id: 'b-1',
        });
        expect(first.status).toBe(201);
        const sock = await openSocket(`${wsUrl}/ws/${room.id}/${user.id}`);
        await sock.next((f) => f.type === 'user_joined'); // the socket is set up

        await proxy.cut();
        await expectDegraded(base, kind);
        expect((await http.get(`/rooms/${room.id}/messages`)).status).toBe(503);
        sock.send({ content: 'during', client_msg_id: 'd-1' });
        const err = await sock.next((f) => f.type === 'error', 15_000);
        expect(err.code).toBe('storage_unavailable');
        expect(sock.frames.some((f) => f.type === 'message' && f.content === 'during')).toBe(false);

        await proxy.restore();
        await eventually(() => healthy(base), 30_000);
        // The client retries the unacknowledged message; it is stored once.
        sock.send({ content: 'during', client_msg_id: 'd-1' });
        await sock.next((f) => f.type === 'message' && f.client_msg_id === 'd-1', 15_000);
        const again = await http.post(`/rooms/${room.id}/messages`, {
          user_id: user.id,
          content: 'during',
          client_msg_id: 'd-1',
        });
        expect(again.status).toBe(200);
        const history = await http.get(`/rooms/${room.id}/messages`);
        expect(history.body.map((m: { content: string }) => m.content)).toEqual(['before', 'during']);
        await sock.close();
      } finally {
        await app.close();
        await store.close();
      }
    });
  });
}
