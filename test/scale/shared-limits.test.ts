/**
 * With REDIS_URL, creation budgets hold across instances (issue 15): two servers sharing one
 * Redis give one client IP one budget, not two. Needs VCHAT_TEST_REDIS_URL (.ci/redis.sh).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SharedBudgets } from '../../src/server/limits/shared-budget.ts';
import { createCommandClient, type RedisClient } from '../../src/server/scale/redis-link.ts';
import { call } from '../helpers/http.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { REDIS_URL, uniquePrefix } from './helpers.ts';

const SKIP = 'SKIPPED: set VCHAT_TEST_REDIS_URL (bash .ci/run starts a throwaway Redis)';

describe.skipIf(!REDIS_URL)(REDIS_URL ? 'shared creation budgets' : `shared creation budgets — ${SKIP}`, () => {
  const prefix = uniquePrefix();
  const clients: RedisClient[] = [];
  const servers: TestServer[] = [];
  beforeAll(async () => {
    for (let i = 0; i < 2; i++) {
      // One connection per instance, as each process's scale-out layer has.
      const client = createCommandClient({ url: REDIS_URL as string, disableOfflineQueue: true });
      client.on('error', () => undefined);
      await client.connect();
      clients.push(client);
      const budgets = new SharedBudgets({ client, prefix });
      servers.push(
        await startTestServer({ roomCreateRate: { perSecond: 3 / 3600, burst: 3 } }, undefined, {
          budgets: (name, rate) => budgets.budget(name, rate),
        }),
      );
    }
  });
  afterAll(async () => {
    for (const s of servers) await s.close();
    for (const c of clients) await c.quit();
  });

  it('rooms per IP: 2 on one instance and 1 on the other use up the budget of 3; the next is 429 on either', async () => {
    const [a, b] = servers as [TestServer, TestServer];
    const from = '127.0.0.20';
    expect((await call(a.url, 'POST', '/rooms', { name: 'a1' }, { from })).status).toBe(201);
    expect((await call(a.url, 'POST', '/rooms', { name: 'a2' }, { from })).status).toBe(201);
    expect((await call(b.url, 'POST', '/rooms', { name: 'b1' }, { from })).status).toBe(201);
    const over = await call(b.url, 'POST', '/rooms', { name: 'b2' }, { from });
    expect(over.status).toBe(429);
    expect(over.body.code).toBe('rate_limited');
    expect(Number(over.headers['retry-after'])).toBeGreaterThan(60);
    expect((await call(a.url, 'POST', '/rooms', { name: 'a3' }, { from })).status).toBe(429);
    // Another address has its own budget.
    expect((await call(b.url, 'POST', '/rooms', { name: 'other' }, { from: '127.0.0.21' })).status).toBe(201);
  });
});
