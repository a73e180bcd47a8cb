/**
 * The measurement behind DATABASE_POOL_SIZE's default: our server on the Postgres store (default
 * durable settings, bench/pg-durable.ts) with pool sizes 2, 5, 10, 20, each driven by
 * POST /rooms/{id}/messages over 50 rooms (autocannon, 32 connections) and WebSocket chat
 * (100 clients in rooms of 10, closed loop). Sizes are run in turn, twice (in reverse the second
 * time) so a drift of the shared machine hits every size alike (bench/sweep.ts).
 *
 *   npx tsx bench/pool-size.ts [seconds per run, default 4]
 */
import { postMessages } from './durable.ts';
import { runSweep } from './sweep.ts';
import { loadRun } from './ws.ts';

const seconds = Number(process.argv[2] ?? 4);

await runSweep({
  name: 'pool-size',
  values: [2, 5, 10, 20],
  env: (size) => ({ BENCH_DATABASE_POOL_SIZE: String(size) }),
  columns: ['pool', 'POST req/s', 'POST p50 ms', 'POST p99 ms', 'WS delivered/s', 'WS p50 ms', 'WS p99 ms'],
  measure: async (server) => {
    await postMessages(server, 50, Math.max(1, seconds / 2), 0); // warm-up, discarded
    const rest = await postMessages(server, 50, seconds, 1);
    const ws = await loadRun(server, { clients: 100, roomSize: 10, seconds, inflight: 1 });
    return [rest.req_per_s, rest.p50_ms, rest.p99_ms, ws.delivered_per_s, ws.p50_ms, ws.p99_ms];
  },
});
