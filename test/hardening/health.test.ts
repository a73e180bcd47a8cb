/**
 * `/health` cannot be used as an amplifier (issue 15, finding 7): the database probe is cached
 * (at most one per second per instance, concurrent callers share it), and the route has its
 * own generous per-IP budget (429 past it) instead of none.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { Agent, request } from 'undici';
import { loadConfig } from '../../src/server/config.ts';
import { PostgresStore } from '../../src/server/store/postgres.ts';
import { startTestServer } from '../helpers/server.ts';
import { freshPgDatabase, PG_SKIP, PG_URL, type TestDatabase } from '../store/databases.ts';

/** GET `url` through `agent` (one source address). */
async function getFrom(
  agent: Agent,
  url: string,
): Promise<{ status: number; headers: Record<string, unknown>; body: any }> {
  const res = await request(url, { dispatcher: agent });
  return { status: res.statusCode, headers: res.headers, body: await res.body.json() };
}

const agents: Agent[] = [];
const from = (localAddress: string): Agent => {
  const agent = new Agent({ localAddress });
  agents.push(agent);
  return agent;
};
afterAll(async () => {
  await Promise.all(agents.map((a) => a.close()));
});

describe.skipIf(!PG_URL)(PG_URL ? '/health on Postgres' : `/health on Postgres — ${PG_SKIP}`, () => {
  let db: TestDatabase | undefined;
  afterAll(async () => {
    await db?.drop();
  });

  it('320 requests from 16 concurrent callers: at most one database probe per second, every answer 200', async () => {
    db = await freshPgDatabase(PG_URL as string, 'vchat_health');
    const store = new PostgresStore({ url: db.url });
    let probes = 0;
    const ping = store.ping.bind(store);
    store.ping = () => {
      probes++;
      return ping();
    };
    const srv = await startTestServer({ healthRate: { perSecond: 1e6, burst: 1e6 } }, store);
    const agent = from('127.0.0.2');
    let answers = 0;
    const statuses = new Set<number>();
    const t0 = performance.now();
    try {
      await Promise.all(
        Array.from({ length: 16 }, async () => {
          for (let i = 0; i < 20; i++) {
            const res = await getFrom(agent, `${srv.url}/health`);
            statuses.add(res.status);
            answers++;
          }
        }),
      );
    } finally {
      await srv.close();
    }
    const elapsedS = (performance.now() - t0) / 1000;
    expect([...statuses]).toEqual([200]);
    expect(answers).toBe(320);
    // One probe per started second (plus the one in flight at the end); it was one per request.
    expect(probes).toBeLessThanOrEqual(Math.ceil(elapsedS) + 1);
    expect(probes).toBeGreaterThanOrEqual(1);
  });
});

describe('/health per-IP budget', () => {
  it('past its burst: 429 rate_limited with Retry-After; another address is unaffected', async () => {
    const burst = 5;
    const srv = await startTestServer({ healthRate: { perSecond: 1, burst } });
    try {
      const hammer = from('127.0.0.2');
      const statuses: number[] = [];
      let last: Awaited<ReturnType<typeof getFrom>> | undefined;
      for (let i = 0; i < burst + 2; i++) {
        last = await getFrom(hammer, `${srv.url}/health`);
        statuses.push(last.status);
      }
      expect(statuses).toEqual([...Array(burst).fill(200), 429, 429]);
      expect(last?.body).toEqual({ detail: expect.any(String), code: 'rate_limited' });
      expect(Number(last?.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      expect((await getFrom(from('127.0.0.3'), `${srv.url}/health`)).status).toBe(200);
    } finally {
      await srv.close();
    }
  });

  it('the default budget lets a burst of 100 checks from one address through (platform checks, monitors)', async () => {
    const srv = await startTestServer({ healthRate: loadConfig({}).healthRate });
    try {
      const monitor = from('127.0.0.4');
      const statuses = await Promise.all(
        Array.from({ length: 100 }, () => getFrom(monitor, `${srv.url}/health`).then((r) => r.status)),
      );
      expect(statuses.filter((s) => s !== 200)).toEqual([]);
    } finally {
      await srv.close();
    }
  });
});
