/**
 * Logout on one instance closes the token's sockets on every instance: two real server
 * processes sharing one Postgres (accounts) and one Redis (fan-out). Needs
 * VCHAT_TEST_DATABASE_URL and VCHAT_TEST_REDIS_URL (.ci/run starts both).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshPgDatabase, type TestDatabase } from '../store/databases.ts';
import { api } from '../helpers/http.ts';
import { OPEN_LIMITS_ENV } from '../helpers/process.ts';
import { openSocket, type Closed, type TestSocket } from '../helpers/ws.ts';
import { DATABASE_URL, REDIS_URL, spawnServer, uniquePrefix, waitUntil, type Child } from './helpers.ts';

const missing = [!DATABASE_URL && 'VCHAT_TEST_DATABASE_URL', !REDIS_URL && 'VCHAT_TEST_REDIS_URL'].filter(Boolean);
const maybe = missing.length ? describe.skip : describe;
const title = missing.length
  ? `token revocation across processes: SKIPPED, ${missing.join(' and ')} not set (.ci/run starts Postgres and Redis)`
  : 'token revocation across processes (2 instances, Postgres, Redis)';

function closedWithin(sock: TestSocket, ms: number): Promise<Closed> {
  return Promise.race([
    sock.closed,
    new Promise<Closed>((_, reject) =>
      setTimeout(() => reject(new Error(`socket still open after ${ms} ms`)), ms).unref(),
    ),
  ]);
}

maybe(title, () => {
  let db: TestDatabase;
  const servers: Child[] = [];

  beforeAll(async () => {
    db = await freshPgDatabase(DATABASE_URL as string, 'vchat_revoke');
    const env = {
      DATABASE_URL: db.url,
      REDIS_URL: REDIS_URL as string,
      REDIS_PREFIX: uniquePrefix(),
      ...OPEN_LIMITS_ENV,
      LOG_LEVEL: 'info',
    };
    servers.push(await spawnServer(env));
    servers.push(await spawnServer(env));
    const fanoutOk = async (s: Child): Promise<boolean> => (await api(s.url).get('/health')).body.fanout?.ok === true;
    await waitUntil(
      'fan-out up on both',
      async () => (await Promise.all(servers.map(fanoutOk))).every(Boolean),
      15_000,
    );
  }, 60_000);

  afterAll(async () => {
    await Promise.all(servers.map((s) => s.stop()));
    await db?.drop().catch(() => undefined);
  }, 30_000);

  it('logout on instance A closes the sockets opened with that token on instance B with 4401', async () => {
    const [a, b] = servers as [Child, Child];
    const httpA = api(a.url);
    const signed = await httpA.post('/auth/signup', {
      username: 'revoke_me',
      email: 'revoke@example.com',
      password: 'Correct7horse',
    });
    expect(signed.status).toBe(201);
    const { token, user } = signed.body;
    const room = await httpA.room('revocation');
    const onB = await openSocket(`${b.wsUrl}/ws/${room.id}/${user.id}?token=${token}`);
    await onB.next((f) => f.type === 'user_joined' && f.user_id === user.id);
    const onA = await openSocket(`${a.wsUrl}/ws/${room.id}/${user.id}?token=${token}`);
    // Its second socket gets no user_joined: its own echo proves it is in the room.
    onA.send({ content: 'on A too' });
    await onA.next((f) => f.type === 'message' && f.content === 'on A too');

    expect(
      (await httpA.post('/auth/logout', undefined, { headers: { authorization: `Bearer ${token}` } })).status,
    ).toBe(204);
    expect(await closedWithin(onA, 5000)).toEqual({ code: 4401, reason: 'Logged out: log in again' });
    expect(await closedWithin(onB, 5000)).toEqual({ code: 4401, reason: 'Logged out: log in again' });
  });
});
