/**
 * The measurement behind DEFAULT_WRITES_IN_FLIGHT (src/server/store/group-commit.ts): our server
 * on the Postgres store (default durable settings, bench/pg-durable.ts) with 1, 2, 4 and 8
 * group-commit writes in flight, each driven by POST /rooms/{id}/messages over 50 rooms
 * (autocannon, 32 connections), WebSocket chat at saturation (100 clients in rooms of 10, closed
 * loop) and the same chat at a fixed open-loop rate (the durable section's "half of saturation").
 * Values run in turn, twice (in reverse the second time), so a drift of the shared machine hits
 * every value alike (bench/sweep.ts).
 *
 *   npx tsx bench/writes-in-flight.ts [seconds per run, default 4] [open-loop msgs/s, default 4000]
 */
import { postMessages } from './durable.ts';
import { runSweep } from './sweep.ts';
import { loadRun } from './ws.ts';

const seconds = Number(process.argv[2] ?? 4);
const rate = Number(process.argv[3] ?? 4000);

await runSweep({
  name: 'writes-in-flight',
  values: [1, 2, 4, 8],
  env: (n) => ({ BENCH_WRITES_IN_FLIGHT: String(n) }),
  columns: [
    'writes in flight',
    'POST req/s (50 rooms)',
    'POST p99 ms',
    'WS delivered/s',
    'WS p99 ms',
    `WS p50 ms @${rate}/s`,
    `WS p99 ms @${rate}/s`,
    'lost',
  ],
  measure: async (server) => {
    await postMessages(server, 50, Math.max(1, seconds / 2), 0); // warm-up, discarded
    const rest = await postMessages(server, 50, seconds, 1);
    const ws = await loadRun(server, { clients: 100, roomSize: 10, seconds, inflight: 1 });
    const open = await loadRun(server, { clients: 100, roomSize: 10, seconds, rate });
    return [rest.req_per_s, rest.p99_ms, ws.delivered_per_s, ws.p99_ms, open.p50_ms, open.p99_ms, open.lost + ws.lost];
  },
});
