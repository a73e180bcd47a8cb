/**
 * Our server for the bench: the real app with limits opened up so the bench measures speed,
 * not policy. In-memory store by default; with `BENCH_STORE=postgres` and
 * `BENCH_DATABASE_URL` (a Postgres server the bench may create databases on) it uses
 * `PostgresStore` on a fresh database created for this process and dropped when it exits.
 * The server code is the build in dist/ (bench/built.ts), as production runs it.
 */
import type { RateConfig } from '../src/server/config.ts';
import type { SharedBudgets } from '../src/server/limits/shared-budget.ts';
import type { RedisClient } from '../src/server/scale/redis-link.ts';
import type { Store } from '../src/server/store/store.ts';
import { builtModule } from './built.ts';
import { serveBench } from './ipc.ts';
import { freshBenchDatabase, type BenchDatabase } from './pg.ts';

const { createApp } = await builtModule<typeof import('../src/server/app.ts')>('server/app');
const { testConfig } = await builtModule<typeof import('../src/server/config.ts')>('server/config');
const { MemoryStore } = await builtModule<typeof import('../src/server/store/memory.ts')>('server/store/memory');

const OPEN = { perSecond: 1_000_000, burst: 1_000_000 };
const config = testConfig({
  // Production logs at info (one line per accepted socket); the bench keeps warn so it
  // measures the server rather than the terminal.
  logLevel: 'warn',
  rateLimitRead: OPEN,
  rateLimitWrite: OPEN,
  wsMessageRate: OPEN,
  wsTypingRate: OPEN,
  wsControlRate: OPEN,
  wsByteRate: OPEN,
  wsUpgradeRate: OPEN,
  healthRate: OPEN,
  maxConnections: 20_000,
  maxConnectionsPerIp: 20_000,
  maxTcpConnections: 25_000,
  maxTcpConnectionsPerIp: 25_000,
  roomCreateRate: OPEN,
  userCreateRate: OPEN,
  // The run's messages stay in memory; keep the per-room history small so it does not dominate RSS.
  historyLimit: 1000,
  // BENCH_METRICS=1: GET /metrics on, to measure what the metrics cost the hot paths (docs/performance.md).
  ...(process.env.BENCH_METRICS === '1' ? { metricsToken: 'bench-metrics-token-0123456789' } : {}),
});

let store: Store;
let db: BenchDatabase | undefined;
/** Group-commit batch sizes (size -> batches), reported over IPC. */
const batchSizes: Record<string, number> = {};
if (process.env.BENCH_STORE === 'postgres') {
  const base = process.env.BENCH_DATABASE_URL;
  if (!base) throw new Error('BENCH_STORE=postgres needs BENCH_DATABASE_URL');
  // BENCH_DATABASE_AS_IS=1: use that database itself (a seeded one), else a fresh one dropped at exit.
  db = process.env.BENCH_DATABASE_AS_IS === '1' ? undefined : await freshBenchDatabase(base);
  const { PostgresStore } =
    await builtModule<typeof import('../src/server/store/postgres.ts')>('server/store/postgres');
  // The same options production uses (src/server/store/index.ts: pool defaults).
  const poolSize = Number(process.env.BENCH_DATABASE_POOL_SIZE) || undefined;
  store = new PostgresStore({
    url: db?.url ?? base,
    // BENCH_DATABASE_POOL_SIZE: the pool-size sweep (docs/performance.md); else the production default.
    ...(poolSize ? { max: poolSize } : {}),
    // BENCH_WRITES_IN_FLIGHT: the group-commit sweep (bench/writes-in-flight.ts); else the production default.
    ...(Number(process.env.BENCH_WRITES_IN_FLIGHT) > 0
      ? { writesInFlight: Number(process.env.BENCH_WRITES_IN_FLIGHT) }
      : {}),
    onBatch: (size) => void (batchSizes[size] = (batchSizes[size] ?? 0) + 1),
  });
} else {
  store = new MemoryStore({ historyLimit: config.historyLimit });
}
await store.init();
// BENCH_REDIS_URL: the REST and creation budgets counted in Redis as with REDIS_URL (limits/shared-budget.ts),
// to measure what sharing them costs the hot paths (docs/performance.md). Limits stay opened up.
const redisUrl = process.env.BENCH_REDIS_URL;
const shared = redisUrl ? await sharedBudgets(redisUrl) : undefined;
const app = createApp({
  config,
  store,
  ...(shared
    ? {
        budgets: (name: string, rate: RateConfig) => shared.budgets.budget(name, rate),
        requestBudgets: (name: string, rate: RateConfig) => shared.budgets.requests(name, rate),
      }
    : {}),
});
await app.listen();
await serveBench(
  app.server,
  async () => {
    await shared?.client.quit();
    await store.close();
    await db?.drop();
  },
  batchSizes,
);

/** A connected client (as the scale-out layer makes it) and the shared budgets on it. */
async function sharedBudgets(url: string): Promise<{ client: RedisClient; budgets: SharedBudgets }> {
  const { createCommandClient } =
    await builtModule<typeof import('../src/server/scale/redis-link.ts')>('server/scale/redis-link');
  const client = createCommandClient({ url, disableOfflineQueue: true });
  client.on('error', () => undefined);
  await client.connect();
  const { SharedBudgets: Budgets } =
    await builtModule<typeof import('../src/server/limits/shared-budget.ts')>('server/limits/shared-budget');
  return { client, budgets: new Budgets({ client, prefix: `bench-${process.pid}` }) };
}
