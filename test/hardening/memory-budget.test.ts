/**
 * Issue 15 finding 5: the in-memory store had no overall bound (one IP stored ~20 MB/s across
 * rooms). Now messages, rooms and bytes have a total budget with a documented eviction rule,
 * and /health says when it has evicted.
 */
import { describe, expect, it } from 'vitest';
import { MemoryStore } from '../../src/server/store/memory.ts';
import { api } from '../helpers/http.ts';
import { startTestServer } from '../helpers/server.ts';

const MiB = 1024 * 1024;

async function withServer(
  budget: { maxMessages: number; maxRooms: number; maxBytes: number },
  fn: (http: ReturnType<typeof api>) => Promise<void>,
  overrides: Parameters<typeof startTestServer>[0] = {},
) {
  const srv = await startTestServer(overrides, new MemoryStore({ budget }));
  try {
    await fn(api(srv.url));
  } finally {
    await srv.close();
  }
}

describe('the in-memory store has a total budget (finding 5)', () => {
  it('past MEMORY_MAX_MESSAGES the oldest message in the whole store goes, whichever room; /health warns', async () => {
    await withServer({ maxMessages: 30, maxRooms: 100, maxBytes: 64 * MiB }, async (http) => {
      const user = await http.user('writer');
      const [a, b] = [await http.room('a'), await http.room('b')];
      await http.join(a.id, user.id);
      await http.join(b.id, user.id);
      expect((await http.get('/health')).body.storage.warning).toBeUndefined();
      // 20 into a, then 20 into b: the store keeps the newest 30, so a loses its oldest 10.
      for (let i = 0; i < 20; i++)
        expect((await http.post(`/rooms/${a.id}/messages`, { user_id: user.id, content: `a${i}` })).status).toBe(201);
      for (let i = 0; i < 20; i++)
        expect((await http.post(`/rooms/${b.id}/messages`, { user_id: user.id, content: `b${i}` })).status).toBe(201);
      const inA = (await http.get(`/rooms/${a.id}/messages?limit=500`)).body.map((m: any) => m.content);
      const inB = (await http.get(`/rooms/${b.id}/messages?limit=500`)).body.map((m: any) => m.content);
      expect(inA).toEqual(Array.from({ length: 10 }, (_, i) => `a${i + 10}`));
      expect(inB).toHaveLength(20);
      const health = await http.get('/health');
      expect(health.status).toBe(200);
      expect(health.body.storage.warning).toMatch(/10 messages and 0 rooms evicted/);
    });
  });

  it('/health warns the same with GET /metrics on (the store is then wrapped to be timed)', async () => {
    await withServer(
      { maxMessages: 5, maxRooms: 100, maxBytes: 64 * MiB },
      async (http) => {
        const user = await http.user('timed');
        const room = await http.room('timed');
        await http.join(room.id, user.id);
        for (let i = 0; i < 8; i++)
          expect((await http.post(`/rooms/${room.id}/messages`, { user_id: user.id, content: `t${i}` })).status).toBe(
            201,
          );
        expect((await http.get('/health')).body.storage.warning).toMatch(/3 messages and 0 rooms evicted/);
      },
      { metricsToken: 'memory-budget-metrics-token-0123456789' },
    );
  });

  it('past MEMORY_MAX_ROOMS the least recently active room goes, not the oldest one still in use', async () => {
    await withServer({ maxMessages: 1000, maxRooms: 3, maxBytes: 64 * MiB }, async (http) => {
      const user = await http.user('w');
      const old = await http.room('old but busy');
      const idle = await http.room('idle');
      const third = await http.room('third');
      await http.join(old.id, user.id);
      expect((await http.post(`/rooms/${old.id}/messages`, { user_id: user.id, content: 'still here' })).status).toBe(
        201,
      );
      const fourth = await http.room('fourth');
      const names = (await http.get('/rooms')).body.map((r: any) => r.name);
      expect(names).toEqual(['fourth', 'third', 'old but busy']);
      expect((await http.get(`/rooms/${idle.id}`)).status).toBe(404);
      expect((await http.get(`/rooms/${old.id}/messages`)).body.map((m: any) => m.content)).toEqual(['still here']);
      expect(third.id && fourth.id).toBeTruthy();
      expect((await http.get('/health')).body.storage.warning).toMatch(/0 messages and 1 rooms evicted/);
    });
  });

  it('past MEMORY_MAX_BYTES messages go first, then rooms with their thumbnails', async () => {
    await withServer({ maxMessages: 100_000, maxRooms: 100, maxBytes: 2 * MiB }, async (http) => {
      const user = await http.user('w');
      const room = await http.room('chat');
      await http.join(room.id, user.id);
      const big = 'x'.repeat(4000);
      // ~8 KB each: 400 of them are 3 MiB, over the 2 MiB budget.
      for (let i = 0; i < 400; i++)
        expect(
          (await http.post(`/rooms/${room.id}/messages`, { user_id: user.id, content: `${i} ${big}` })).status,
        ).toBe(201);
      const kept = (await http.get(`/rooms/${room.id}/messages?limit=500`)).body;
      expect(kept.length).toBeLessThan(400);
      expect(kept.length).toBeGreaterThan(100);
      expect(kept[kept.length - 1].content.startsWith('399 ')).toBe(true);
      // Two rooms with different ~0.7 MiB images: the bytes force out the least active room and its image.
      const img = (n: number) => `data:image/png;base64,${Buffer.alloc(700_000, n).toString('base64')}`;
      const p1 = await http.post('/rooms', { name: 'pic1', thumbnail_url: img(1) });
      const p2 = await http.post('/rooms', { name: 'pic2', thumbnail_url: img(2) });
      const p3 = await http.post('/rooms', { name: 'pic3', thumbnail_url: img(3) });
      expect([p1.status, p2.status, p3.status]).toEqual([201, 201, 201]);
      expect((await http.get(new URL(p3.body.thumbnail_url).pathname)).status).toBe(200);
      expect((await http.get(new URL(p1.body.thumbnail_url).pathname)).status).toBe(404);
      expect((await http.get('/health')).body.storage.warning).toMatch(/evicted/);
    });
  });
});
