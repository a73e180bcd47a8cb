/**
 * What counting the REST budgets in Redis (REDIS_URL, limits/shared-rate.ts) costs the hot
 * POST route, relative within one run: our server with local budgets vs the same server with
 * the budgets shared through Redis, in alternating rounds on fresh processes, medians kept.
 * `BENCH_REDIS_URL=redis://… npx tsx bench/shared-limits.ts [seconds] [rounds]` after
 * `npm run build:server`. Limits stay opened up, so both measure speed, not refusals.
 */
import { drive, type RestFigures } from './rest.ts';
import { alternate, medianRun, secondsFor } from './rounds.ts';
import { startBenchServer } from './servers.ts';

const redisUrl = process.env.BENCH_REDIS_URL;
if (!redisUrl) throw new Error('set BENCH_REDIS_URL (e.g. source .ci/redis.sh && start_redis)');
const seconds = Number(process.argv[2] ?? 5);
const rounds = Number(process.argv[3] ?? 3);
const route = 'POST /rooms/{id}/messages';

async function round(name: string, env: Record<string, string>, n: number): Promise<RestFigures> {
  const server = await startBenchServer(name, 'server-vchat.ts', undefined, { BENCH_REDIS_URL: '', ...env });
  try {
    await drive(server, route, secondsFor(0, seconds));
    return await drive(server, route, seconds, n);
  } finally {
    await server.close();
  }
}

const runs = await alternate(
  rounds,
  (n) => round('vchat local limits', {}, n),
  (n) => round('vchat shared limits', { BENCH_REDIS_URL: redisUrl }, n),
  false,
);
for (const [i, r] of runs.baseline.entries())
  console.log(
    `round ${i + 1}: local ${r.req_per_s} req/s ${r.server_cpu_us_per_req} µs/req; shared ${runs.ours[i]?.req_per_s} req/s ${runs.ours[i]?.server_cpu_us_per_req} µs/req`,
  );
const local = medianRun(runs.baseline, (r) => r.req_per_s);
const shared = medianRun(runs.ours, (r) => r.req_per_s);
if (!local || !shared) throw new Error('no runs');
for (const [name, r] of [
  ['local', local],
  ['shared (Redis)', shared],
] as const)
  console.log(
    `${name}: ${r.req_per_s} req/s, p99 ${r.p99_ms} ms, ${r.server_cpu_us_per_req} µs CPU/req, non2xx ${r.non2xx}`,
  );
console.log(`shared/local throughput: ${(shared.req_per_s / local.req_per_s).toFixed(2)}×`);
