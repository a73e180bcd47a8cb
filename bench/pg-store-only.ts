/**
 * The Postgres store alone, without HTTP or WebSocket: 100 closed-loop writers over 10 rooms call
 * `insertMemberMessage` (the path a member's chat message takes) against a Postgres with its
 * default durable settings (bench/pg-durable.ts), once per number of batches in flight. It
 * answers one question: is the database (its WAL flush) what bounds the durable WebSocket
 * and POST figures, or is it the server around it? See docs/performance.md.
 *
 *   npx tsx bench/pg-store-only.ts [seconds per run, default 6] [writers, default 100] [rooms, default 10]
 *
 * CPU columns: this process's CPU (the store's JS and node-postgres) and the Postgres server's
 * (every backend and background process) per message stored.
 */
import { loadavg } from 'node:os';
import { PostgresStore } from '../src/server/store/postgres.ts';
import { freshBenchDatabase } from './pg.ts';
import { startDurablePostgres, type DurablePostgres } from './pg-durable.ts';

const IN_FLIGHT = [1, 2, 4];

const [seconds, WRITERS, ROOMS] = [6, 100, 10].map((fallback, i) => Number(process.argv[2 + i] ?? fallback)) as [
  number,
  number,
  number,
];
if (![seconds, WRITERS, ROOMS].every((n) => n > 0))
  throw new Error('usage: npx tsx bench/pg-store-only.ts [seconds per run] [writers] [rooms]');

const quantile = (sorted: number[], q: number): number => sorted[Math.floor((sorted.length - 1) * q)] ?? 0;

/** One run: messages/s, p50/p99 of one insert, and the batch sizes the store wrote. */
async function run(pg: DurablePostgres, writesInFlight: number): Promise<string> {
  const base = pg.url;
  const db = await freshBenchDatabase(base, 'vchat_store_only');
  const sizes: number[] = [];
  const store = new PostgresStore({ url: db.url, writesInFlight, onBatch: (n) => sizes.push(n) });
  try {
    await store.init();
    const rooms: string[] = [];
    for (let r = 0; r < ROOMS; r++) rooms.push((await store.createRoom({ name: `r${r}`, thumbnail_url: null })).id);
    const writers: Array<{ room: string; user: string }> = [];
    for (let i = 0; i < WRITERS; i++) {
      const room = rooms[i % ROOMS] as string;
      const user = (await store.createUser({ username: `u${i}` })).id;
      await store.upsertMember(room, user, {}, 'fill');
      writers.push({ room, user });
    }
    const times: number[] = [];
    const cpu0 = { node: process.cpuUsage(), postgres: pg.cpuMicros() };
    const end = performance.now() + seconds * 1000;
    await Promise.all(
      writers.map(async ({ room, user }) => {
        while (performance.now() < end) {
          const t = performance.now();
          const stored = await store.insertMemberMessage({ room_id: room, user_id: user, content: 'hello world' });
          if (!stored) throw new Error('a member was refused as a non-member');
          times.push(performance.now() - t);
        }
      }),
    );
    const nodeCpu = process.cpuUsage(cpu0.node);
    const perMsg = (us: number): string => (us / Math.max(1, times.length)).toFixed(0);
    const cpu = `${perMsg(nodeCpu.user + nodeCpu.system)} | ${perMsg(pg.cpuMicros() - cpu0.postgres)}`;
    times.sort((a, b) => a - b);
    sizes.sort((a, b) => a - b);
    const rate = Math.round(times.length / seconds);
    return (
      `| ${writesInFlight} | ${rate} | ${quantile(times, 0.5).toFixed(1)} | ${quantile(times, 0.99).toFixed(1)} | ` +
      `${sizes.length} | ${(times.length / Math.max(1, sizes.length)).toFixed(1)} | ` +
      `${sizes[sizes.length - 1] ?? 0} | ${cpu} |`
    );
  } finally {
    await store.close();
    await db.drop();
  }
}

const pg = await startDurablePostgres();
try {
  process.stdout.write(`Postgres store alone (${pg.settings}); load average at start ${loadavg()[0]?.toFixed(2)}\n`);
  process.stdout.write(`${WRITERS} closed-loop writers over ${ROOMS} rooms, ${seconds} s per run\n`);
  process.stdout.write(
    '| batches in flight | msgs/s | p50 ms | p99 ms | batches | messages per batch | largest | ' +
      'node CPU µs/msg | Postgres CPU µs/msg |\n',
  );
  process.stdout.write('|---|---|---|---|---|---|---|---|---|\n');
  for (const n of IN_FLIGHT) process.stdout.write(`${await run(pg, n)}\n`);
  process.stdout.write(`load average at end ${loadavg()[0]?.toFixed(2)}\n`);
} finally {
  pg.stop();
}
