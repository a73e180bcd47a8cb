/**
 * Budgets that hold across instances (issue 15): two real server processes (`main.ts`) on one
 * Redis and one Postgres database. A client spreading its attempts over both instances meets
 * one budget, not two. Needs VCHAT_TEST_DATABASE_URL and VCHAT_TEST_REDIS_URL (.ci/run).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshPgDatabase, type TestDatabase } from '../store/databases.ts';
import { call } from '../helpers/http.ts';
import { OPEN_LIMITS_ENV } from '../helpers/process.ts';
import { openSocket } from '../helpers/ws.ts';
import { createClient } from 'redis';
import { DATABASE_URL, REDIS_URL, spawnServer, uniquePrefix, waitUntil, type Child } from './helpers.ts';

const missing = [!DATABASE_URL && 'VCHAT_TEST_DATABASE_URL', !REDIS_URL && 'VCHAT_TEST_REDIS_URL'].filter(Boolean);
const maybe = missing.length ? describe.skip : describe;
const title = missing.length
  ? `budgets shared across instances: SKIPPED, ${missing.join(' and ')} not set (.ci/run)`
  : 'budgets shared across instances (2 processes, Postgres, Redis)';

/** The status of a WebSocket upgrade attempt from `from` (101 when it opened). */
async function upgradeStatus(url: string, from: string): Promise<number> {
  try {
    const sock = await openSocket(url, { localAddress: from });
    await sock.close();
    return 101;
  } catch (err) {
    return (err as { status?: number }).status ?? -1;
  }
}

maybe(title, () => {
  let db: TestDatabase | undefined;
  const prefix = uniquePrefix();
  let dbUrl = '';
  const servers: Child[] = [];

  beforeAll(async () => {
    db = await freshPgDatabase(DATABASE_URL as string, 'vchat_budgets');
    dbUrl = db.url;
    const env = {
      ...OPEN_LIMITS_ENV,
      DATABASE_URL: dbUrl,
      REDIS_URL: REDIS_URL as string,
      REDIS_PREFIX: prefix,
      // One guess per minute refills: the test never waits long enough to earn one back.
      LOGIN_RATE_USER_PER_MIN: '1',
      LOGIN_RATE_USER_BURST: '5',
      LOGIN_RATE_IP_PER_MIN: '1',
      LOGIN_RATE_IP_BURST: '8',
      WS_UPGRADE_RATE_PER_S: '1',
      WS_UPGRADE_RATE_BURST: '6',
      RATE_LIMIT_READ_PER_S: '1',
      RATE_LIMIT_READ_BURST: '10',
    };
    // The first instance applies the migrations; the second starts on the migrated database.
    servers.push(await spawnServer(env));
    servers.push(await spawnServer(env));
  }, 60_000);

  afterAll(async () => {
    await Promise.all(servers.map((s) => s.stop()));
    await db?.drop().catch(() => undefined);
  }, 30_000);

  it('login per account: 5 wrong guesses spread over both instances, by username and email, then 429 on either', async () => {
    const [a, b] = servers as [Child, Child];
    const signup = await call(
      a.url,
      'POST',
      '/auth/signup',
      { username: 'Target', email: 'target@example.com', password: 'Correct horse 1' },
      { from: '127.0.0.30' },
    );
    expect(signup.status).toBe(201);
    // Each guess from its own address, so only the per-account budget can refuse it.
    const guesses = [
      [a, 'Target'],
      [b, 'target@example.com'],
      [a, 'TARGET@example.com'],
      [b, 'target'],
      [b, 'Target'],
    ] as const;
    for (const [i, [inst, login]] of guesses.entries()) {
      const res = await call(
        inst.url,
        'POST',
        '/auth/login',
        { username: login, password: 'wrong' },
        { from: `127.0.0.${31 + i}` },
      );
      expect(res.status, `guess ${i + 1}`).toBe(401);
    }
    for (const inst of [a, b]) {
      const over = await call(
        inst.url,
        'POST',
        '/auth/login',
        { username: 'target', password: 'wrong' },
        { from: '127.0.0.39' },
      );
      expect(over.status).toBe(429);
      expect(over.body.code).toBe('rate_limited');
      expect(Number(over.headers['retry-after'])).toBeGreaterThan(0);
    }
  });

  it('login per IP: 8 attempts from one address spread over both instances, then 429 on either', async () => {
    const [a, b] = servers as [Child, Child];
    const from = '127.0.0.40';
    // Unknown names: each has its own account budget, so only the per-IP budget counts them all.
    for (let i = 0; i < 8; i++) {
      const inst = i % 2 === 0 ? a : b;
      const res = await call(inst.url, 'POST', '/auth/login', { username: `nobody${i}`, password: 'x' }, { from });
      expect(res.status, `attempt ${i + 1}`).toBe(401);
    }
    for (const inst of [a, b]) {
      const over = await call(inst.url, 'POST', '/auth/login', { username: 'nobody_else', password: 'x' }, { from });
      expect(over.status).toBe(429);
    }
  });

  it('WebSocket upgrade attempts per IP: 6 spread over both instances, then 429 on either', async () => {
    const [a, b] = servers as [Child, Child];
    const from = '127.0.0.50';
    // Attempts on a path that is not a room: each is counted, then refused 404 by the path check.
    for (let i = 0; i < 6; i++) {
      const inst = i % 2 === 0 ? a : b;
      expect(await upgradeStatus(`${inst.wsUrl}/ws/nowhere`, from), `attempt ${i + 1}`).toBe(404);
    }
    expect(await upgradeStatus(`${a.wsUrl}/ws/nowhere`, from)).toBe(429);
    expect(await upgradeStatus(`${b.wsUrl}/ws/nowhere`, from)).toBe(429);
    // Another address has its own budget.
    expect(await upgradeStatus(`${b.wsUrl}/ws/nowhere`, '127.0.0.51')).toBe(404);
  });

  it('REST reads per IP: 10 spread over both instances spend the one budget; then both refuse, each well before its own bucket would', async () => {
    const [a, b] = servers as [Child, Child];
    const from = '127.0.0.60';
    for (let i = 0; i < 10; i++) {
      const res = await call((i % 2 === 0 ? a : b).url, 'GET', '/rooms', undefined, { from });
      expect(res.status, `read ${i + 1}`).toBe(200);
    }
    // The instances count in Redis in the background (no round trip on a request's path): wait
    // until both tallies have landed, then each instance may admit what it sends before it hears.
    const redis = createClient({ url: REDIS_URL as string });
    redis.on('error', () => undefined);
    await redis.connect();
    try {
      await waitUntil(
        '10 reads counted in Redis',
        async () => Number(await redis.get(`${prefix}:limit:rest_read:${from}`)) >= 10,
        5000,
        5,
      );
    } finally {
      await redis.quit();
    }
    for (const inst of [a, b]) {
      let admitted = 0;
      const refused = await waitUntil(
        'the shared budget refuses',
        async () => {
          const res = await call(inst.url, 'GET', '/rooms', undefined, { from });
          if (res.status === 200) admitted++;
          return res.status === 429 ? res : null;
        },
        5000,
        20,
      );
      expect(refused.body.code).toBe('rate_limited');
      // Each instance's own bucket still had 5 of its 10: a refusal this early is the shared window.
      expect(admitted).toBeLessThanOrEqual(2);
    }
    // Another address has its own budget.
    expect((await call(a.url, 'GET', '/rooms', undefined, { from: '127.0.0.61' })).status).toBe(200);
  });
});
