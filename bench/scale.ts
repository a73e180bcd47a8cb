/**
 * Scale-out bench: the real entry point, built (`node dist/server/main.js`, as `npm start`) as 1, 2
 * and 3 processes on one Postgres database and one Redis, clients spread round-robin over
 * them in one room, a fixed offered load; reports delivered messages/s and delivery
 * latency (send -> every other socket). The "1, local" row has no REDIS_URL: the cost of
 * the Redis hop is the difference to "1, redis".
 *
 *   BENCH_DATABASE_URL (or VCHAT_TEST_DATABASE_URL) and BENCH_REDIS_URL (or VCHAT_TEST_REDIS_URL)
 *   npm run build:server && npx tsx bench/scale.ts   # writes bench/results/scale.json
 * Knobs: BENCH_SCALE_CLIENTS (40), BENCH_SCALE_RATE (msgs/s per client, 5), BENCH_SCALE_SECONDS (8),
 * BENCH_SCALE_ONLY (comma list of scenarios, default 1l,1r,2r,3r).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { request } from 'undici';
import WebSocket from 'ws';
import { BUILT_ENTRY, spawnServer, type ServerProcess } from '../test/helpers/process.ts';
import { freshPgDatabase } from '../test/store/databases.ts';

const ORIGIN = 'http://localhost:3000';

/** One row of the table. */
export interface ScaleRow {
  instances: number;
  fanout: 'local' | 'redis';
  clients: number;
  offered_msgs_per_s: number;
  stored: number;
  /** Frames delivered to sockets other than the sender's, per second of the run. */
  delivered_per_s: number;
  /** Deliveries expected but not seen within the drain window. */
  missing: number;
  duplicates: number;
  p50_ms: number;
  p99_ms: number;
  max_ms: number;
}

export interface ScaleOptions {
  databaseUrl: string;
  redisUrl: string;
  clients: number;
  ratePerClient: number;
  seconds: number;
}

async function post(base: string, path: string, body: unknown): Promise<any> {
  const res = await request(base + path, {
    method: 'POST',
    headers: { origin: ORIGIN, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const json = await res.body.json();
  if (res.statusCode >= 300) throw new Error(`${path}: ${res.statusCode} ${JSON.stringify(json)}`);
  return json;
}

async function health(base: string): Promise<any> {
  const res = await request(`${base}/health`, { headers: { origin: ORIGIN } });
  return res.body.json();
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/** One scenario: N instances, one room, every client sends at a fixed rate for `seconds`. */
async function runOne(o: ScaleOptions, instances: number, withRedis: boolean): Promise<ScaleRow> {
  const fresh = await freshPgDatabase(o.databaseUrl, 'vchat_bench');
  const db = new URL(fresh.url).pathname.slice(1);
  const open = '1000000';
  const env: Record<string, string> = {
    DATABASE_URL: fresh.url,
    REDIS_PREFIX: db,
    RATE_LIMIT_WRITE_PER_S: open,
    RATE_LIMIT_WRITE_BURST: open,
    RATE_LIMIT_READ_PER_S: open,
    RATE_LIMIT_READ_BURST: open,
    WS_MESSAGE_RATE_PER_S: open,
    WS_MESSAGE_RATE_BURST: open,
    WS_BYTE_RATE_PER_S: open,
    WS_BYTE_RATE_BURST: open,
    WS_UPGRADE_RATE_PER_S: open,
    WS_UPGRADE_RATE_BURST: open,
    MAX_CONNECTIONS_PER_IP: '100000',
    MAX_TCP_CONNECTIONS_PER_IP: '100000',
    ROOMS_PER_HOUR: open,
    USERS_PER_HOUR: open,
    ...(withRedis ? { REDIS_URL: o.redisUrl } : {}),
  };
  const servers: ServerProcess[] = [];
  const sockets: WebSocket[] = [];
  try {
    servers.push(await spawnServer(env, undefined, BUILT_ENTRY));
    servers.push(
      ...(await Promise.all(Array.from({ length: instances - 1 }, () => spawnServer(env, undefined, BUILT_ENTRY)))),
    );
    if (withRedis) {
      for (const s of servers) while ((await health(s.url)).fanout?.ok !== true) await delay(50);
    }
    const room = await post(servers[0]!.url, '/rooms', { name: 'bench' });
    const users: string[] = [];
    for (let i = 0; i < o.clients; i++) users.push((await post(servers[0]!.url, '/users', { username: `b${i}` })).id);

    const latencies: number[] = [];
    const seen = new Map<string, number>();
    let duplicates = 0;
    for (const [i, userId] of users.entries()) {
      const base = servers[i % servers.length]!.url.replace(/^http/, 'ws');
      const ws = new WebSocket(`${base}/ws/${room.id}/${userId}`, { origin: ORIGIN, perMessageDeflate: false });
      ws.on('message', (data) => {
        const f = JSON.parse(String(data));
        if (f.type !== 'message' || f.user_id === userId) return;
        const key = `${userId}|${f.id}`;
        if (seen.has(key)) duplicates++;
        seen.set(key, 1);
        latencies.push(performance.now() - Number(f.content));
      });
      await new Promise<void>((resolve, reject) => {
        ws.once('open', () => resolve());
        ws.once('error', reject);
      });
      sockets.push(ws);
    }
    // Let the joins settle (user_joined fan-out) before the clock starts.
    await delay(500);

    const intervalMs = 1000 / o.ratePerClient;
    const started = performance.now();
    let sent = 0;
    await Promise.all(
      sockets.map(async (ws, i) => {
        await delay((i * intervalMs) / sockets.length); // spread the clients over one interval
        for (let t = performance.now(); t - started < o.seconds * 1000; t = performance.now()) {
          ws.send(JSON.stringify({ content: String(performance.now()) }));
          sent++;
          const next =
            started +
            (Math.floor((performance.now() - started) / intervalMs) + 1) * intervalMs +
            (i * intervalMs) / sockets.length;
          await delay(Math.max(0, next - performance.now()));
        }
      }),
    );
    const expected = sent * (o.clients - 1);
    const drainUntil = performance.now() + 5000;
    while (seen.size < expected && performance.now() < drainUntil) await delay(50);
    const elapsedS = o.seconds;
    latencies.sort((a, b) => a - b);
    return {
      instances,
      fanout: withRedis ? 'redis' : 'local',
      clients: o.clients,
      offered_msgs_per_s: o.clients * o.ratePerClient,
      stored: sent,
      delivered_per_s: Math.round(seen.size / elapsedS),
      missing: Math.max(0, expected - seen.size),
      duplicates,
      p50_ms: Number(percentile(latencies, 50).toFixed(2)),
      p99_ms: Number(percentile(latencies, 99).toFixed(2)),
      max_ms: Number((latencies.at(-1) ?? 0).toFixed(2)),
    };
  } finally {
    for (const ws of sockets) ws.terminate();
    await Promise.all(servers.map((s) => s.stop()));
    await fresh.drop().catch(() => undefined);
  }
}

/** The scenarios by name: `1l` = one instance, local fan-out; `Nr` = N instances over Redis. */
export const SCENARIOS = ['1l', '1r', '2r', '3r'] as const;

/** Every row (or the named ones): 1 local, then 1, 2, 3 instances over Redis. */
export async function runScaleBench(o: ScaleOptions, only: readonly string[] = SCENARIOS): Promise<ScaleRow[]> {
  const rows: ScaleRow[] = [];
  for (const name of only) {
    const n = Number(name.slice(0, -1));
    if (!Number.isInteger(n) || n < 1 || !/[lr]$/.test(name))
      throw new Error(`unknown scenario ${name}; use e.g. 1l,1r,2r,3r`);
    rows.push(await runOne(o, n, name.endsWith('r')));
  }
  return rows;
}

/** A markdown table of the rows. */
export function scaleTable(rows: ScaleRow[]): string {
  const head =
    '| instances | fan-out | clients | offered msg/s | delivered/s | p50 ms | p99 ms | max ms | missing | dup |';
  const sep = '|---|---|---|---|---|---|---|---|---|---|';
  const lines = rows.map(
    (r) =>
      `| ${r.instances} | ${r.fanout} | ${r.clients} | ${r.offered_msgs_per_s} | ${r.delivered_per_s} | ${r.p50_ms} | ${r.p99_ms} | ${r.max_ms} | ${r.missing} | ${r.duplicates} |`,
  );
  return [head, sep, ...lines].join('\n');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const databaseUrl = process.env.BENCH_DATABASE_URL ?? process.env.VCHAT_TEST_DATABASE_URL;
  const redisUrl = process.env.BENCH_REDIS_URL ?? process.env.VCHAT_TEST_REDIS_URL;
  if (!databaseUrl || !redisUrl) {
    process.stderr.write(
      'bench/scale: SKIPPED, needs BENCH_DATABASE_URL (or VCHAT_TEST_DATABASE_URL) and BENCH_REDIS_URL (or VCHAT_TEST_REDIS_URL)\n',
    );
    process.exit(0);
  }
  const num = (name: string, d: number): number => Number(process.env[name] ?? d);
  const rows = await runScaleBench(
    {
      databaseUrl,
      redisUrl,
      clients: num('BENCH_SCALE_CLIENTS', 40),
      ratePerClient: num('BENCH_SCALE_RATE', 5),
      seconds: num('BENCH_SCALE_SECONDS', 8),
    },
    process.env.BENCH_SCALE_ONLY ? process.env.BENCH_SCALE_ONLY.split(',') : SCENARIOS,
  );
  process.stdout.write(`${scaleTable(rows)}\n`);
  mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
  writeFileSync(
    new URL('./results/scale.json', import.meta.url),
    `${JSON.stringify({ at: new Date().toISOString(), rows }, null, 2)}\n`,
  );
}
