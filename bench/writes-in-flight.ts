/**
 * The measurement behind DEFAULT_WRITES_IN_FLIGHT (src/server/store/group-commit.ts): our server
 * on the Postgres store (default durable settings, bench/pg-durable.ts) with 1, 2, 4 and 8
 * group-commit writes in flight, each driven by POST /rooms/{id}/messages over 50 rooms
 * (autocannon, 32 connections), WebSocket chat at saturation (100 clients in rooms of 10, closed
 * loop) and the same chat at a fixed open-loop rate (the durable section's "half of saturation").
 * Values run in turn, twice (in reverse the second time), so a drift of the shared machine hits
 * every value alike.
 *
 *   npx tsx bench/writes-in-flight.ts [seconds per run, default 4] [open-loop msgs/s, default 4000]
 */
import { loadavg } from 'node:os';
import { postMessages } from './durable.ts';
import { startDurablePostgres } from './pg-durable.ts';
import { startBenchServer } from './servers.ts';
import { loadRun } from './ws.ts';

const VALUES = [1, 2, 4, 8];
const seconds = Number(process.argv[2] ?? 4);
const rate = Number(process.argv[3] ?? 4000);
const log = (s: string): void => void process.stderr.write(`[writes-in-flight] ${s}\n`);
const load = (): string =>
  loadavg()
    .map((x) => x.toFixed(2))
    .join(' / ');

const pg = await startDurablePostgres();
log(`Postgres ${pg.settings}; load average ${load()}`);
const rows: string[] = [];
try {
  for (const values of [VALUES, [...VALUES].reverse()]) {
    for (const n of values) {
      const server = await startBenchServer(`${n} in flight`, 'server-vchat.ts', undefined, {
        BENCH_STORE: 'postgres',
        BENCH_DATABASE_URL: pg.url,
        BENCH_WRITES_IN_FLIGHT: String(n),
      });
      try {
        await postMessages(server, 50, Math.max(1, seconds / 2), 0); // warm-up, discarded
        const rest = await postMessages(server, 50, seconds, 1);
        const ws = await loadRun(server, { clients: 100, roomSize: 10, seconds, inflight: 1 });
        const open = await loadRun(server, { clients: 100, roomSize: 10, seconds, rate });
        const row =
          `| ${n} | ${rest.req_per_s} | ${rest.p99_ms} | ${ws.delivered_per_s} | ${ws.p99_ms} | ` +
          `${open.p50_ms} | ${open.p99_ms} | ${open.lost + ws.lost} |`;
        log(row);
        rows.push(row);
      } finally {
        await server.close();
      }
    }
  }
} finally {
  pg.stop();
}
process.stdout.write(
  [
    `| writes in flight | POST req/s (50 rooms) | POST p99 ms | WS delivered/s | WS p99 ms | WS p50 ms @${rate}/s | WS p99 ms @${rate}/s | lost |`,
    '|---|---|---|---|---|---|---|---|',
    ...rows,
    `load average at end ${load()}`,
    '',
  ].join('\n'),
);
