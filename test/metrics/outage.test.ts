/**
 * A store outage in the logs and in /metrics: one line when it starts and one when it ends
 * (with its length), however many requests fail in between; `vchat_store_up` and
 * `vchat_store_unavailable_seconds_total` follow. Always: a Postgres store on a closed port.
 * With VCHAT_TEST_DATABASE_URL: a real database cut and restored through a TCP proxy.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type App } from '../../src/server/app.ts';
import { testConfig } from '../../src/server/config.ts';
import { createLogger } from '../../src/server/log.ts';
import { PostgresStore } from '../../src/server/store/postgres.ts';
import type { Store } from '../../src/server/store/store.ts';
import { api, call } from '../helpers/http.ts';
import { parseExposition, sampleValue } from '../helpers/prom.ts';
import { eventually, tcpProxy, viaProxy, type TcpProxy } from '../helpers/tcp-proxy.ts';
import { freshPgDatabase, PG_SKIP, PG_URL, type TestDatabase } from '../store/databases.ts';

const TOKEN = 'outage-test-metrics-token-0123';

interface Line {
  level: string;
  msg: string;
  [field: string]: unknown;
}

async function start(store: Store): Promise<{ app: App; url: string; lines: Line[] }> {
  const lines: Line[] = [];
  const log = createLogger('debug', { write: (s: string) => lines.push(JSON.parse(s) as Line) });
  await store.init().catch(() => undefined); // like main.ts: down at startup is not fatal
  const app = createApp({ config: testConfig({ metricsToken: TOKEN }), store, log });
  const { port } = await app.listen();
  return { app, url: `http://127.0.0.1:${port}`, lines };
}

async function storeGauges(url: string): Promise<{ up: number; unavailableS: number; rooms: number }> {
  const res = await call(url, 'GET', '/metrics', undefined, { headers: { authorization: `Bearer ${TOKEN}` } });
  const samples = await parseExposition(res.text);
  return {
    up: sampleValue(samples, 'vchat_store_up'),
    unavailableS: sampleValue(samples, 'vchat_store_unavailable_seconds_total'),
    rooms: sampleValue(samples, 'vchat_rooms'),
  };
}

const errorsAbove = (lines: Line[], level: string[]): Line[] => lines.filter((l) => level.includes(l.level));

describe('a store that cannot be reached', () => {
  it('is logged once however many requests fail, without a stack per request', async () => {
    const store = new PostgresStore({ url: 'postgres://nobody@127.0.0.1:1/none', connectionTimeoutMs: 500 });
    const { app, url, lines } = await start(store);
    try {
      const http = api(url);
      for (let i = 0; i < 4; i++) expect((await http.post('/rooms', { name: `r${i}` })).status).toBe(503);
      expect((await http.get('/health')).status).toBe(503);
      const loud = errorsAbove(lines, ['warn', 'error']);
      expect(loud.map((l) => l.msg)).toEqual(['storage unavailable; requests that need it get 503 until it is back']);
      expect(loud[0]).toMatchObject({
        kind: 'postgres',
        detail: expect.stringMatching(/ECONNREFUSED|connect|timeout/i),
      });
      expect(JSON.stringify(loud)).not.toContain('"stack"');
      const gauges = await storeGauges(url);
      expect(gauges.up).toBe(0);
      expect(gauges.unavailableS).toBeGreaterThan(0);
    } finally {
      await app.close();
      await store.close();
    }
  });
});

describe.skipIf(!PG_URL)(
  PG_URL ? 'a Postgres outage and its recovery' : `a Postgres outage and its recovery — ${PG_SKIP}`,
  () => {
    let db: TestDatabase;
    let proxy: TcpProxy;
    beforeAll(async () => {
      db = await freshPgDatabase(PG_URL as string, 'vchat_outage');
      const real = new URL(db.url);
      proxy = await tcpProxy(real.hostname, Number(real.port || 5432));
    });
    afterAll(async () => {
      await proxy?.close();
      await db?.drop();
    });

    it('one line when it goes, one with the outage length when it is back', async () => {
      const store = new PostgresStore({ url: viaProxy(db.url, proxy), connectionTimeoutMs: 1000 });
      const { app, url, lines } = await start(store);
      try {
        const http = api(url);
        expect((await http.post('/rooms', { name: 'before' })).status).toBe(201);
        await proxy.cut();
        for (let i = 0; i < 3; i++) expect((await http.post('/rooms', { name: `during ${i}` })).status).toBe(503);
        expect((await storeGauges(url)).up).toBe(0);
        await proxy.restore();
        await eventually(async () => (await http.get('/health')).status === 200, 30_000);
        expect((await http.post('/rooms', { name: 'after' })).status).toBe(201);

        const outage = lines.filter((l) => l.msg.startsWith('storage '));
        expect(outage.map((l) => [l.level, l.msg])).toEqual([
          ['error', 'storage unavailable; requests that need it get 503 until it is back'],
          ['info', 'storage available again'],
        ]);
        expect(outage[1]?.outage_s).toEqual(expect.any(Number));
        expect(lines.filter((l) => l.level === 'error')).toHaveLength(1);
        const gauges = await storeGauges(url);
        expect(gauges.up).toBe(1);
        expect(gauges.unavailableS).toBeGreaterThan(0);
        // Counted by the database once it is back (the failed count during the outage is not kept).
        expect(gauges.rooms).toBe(2);
      } finally {
        await app.close();
        await store.close();
      }
    });
  },
);
