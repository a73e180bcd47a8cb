/**
 * WebSocket sections, all driven by the `vchat load` engine (runLoad) with one forked
 * client worker, so the client gets one core and the server the other:
 * - saturation: closed loop (each client sends its next message when its own echo
 *   returns), delivered messages/s for rooms of 2, 10, 100 members;
 * - p99 at half of that saturation rate, open loop;
 * - scaling: fixed per-client rate over 100 -> 1k -> 5k clients.
 */
import { parseLoadOptions } from '../src/cli/load/options.ts';
import type { LoadResult } from '../src/cli/load/result.ts';
import { runLoad } from '../src/cli/load/run.ts';
import { ORIGIN } from './rest.ts';
import { alternate, medianRun, secondsFor } from './rounds.ts';
import type { BenchServer } from './servers.ts';

export interface WsRun {
  server: string;
  /** Which of the alternating rounds this run was (1-based). */
  round: number;
  clients: number;
  room_size: number;
  mode: string;
  sent: number;
  delivered_per_s: number;
  p50_ms: number;
  p99_ms: number;
  lost: number;
  duplicated: number;
  errors: number;
  connect_failed: number;
  /** The server process's CPU time per chat message sent (setup included), µs. */
  server_cpu_us_per_msg: number;
}

/** One load run; the figures the bench tables need. */
export async function loadRun(
  server: BenchServer,
  o: {
    clients: number;
    roomSize: number;
    seconds: number;
    rate?: number;
    inflight?: number;
    workers?: number;
    ramp?: string;
    round?: number;
  },
): Promise<WsRun> {
  const options = parseLoadOptions({
    api: server.url,
    origin: ORIGIN,
    clients: String(o.clients),
    rooms: String(Math.max(1, Math.round(o.clients / o.roomSize))),
    ramp: o.ramp ?? '1s',
    duration: `${o.seconds}s`,
    rate: String(o.rate ?? 0),
    inflight: String(o.inflight ?? 0),
    workers: String(o.workers ?? 1),
    drain: '5s',
    setupConcurrency: '32',
    yes: true,
  });
  const cpuBefore = await server.cpu();
  const r: LoadResult = await runLoad(options);
  const cpu = (await server.cpu()) - cpuBefore;
  return {
    server: server.name,
    round: o.round ?? 1,
    clients: o.clients,
    room_size: o.roomSize,
    mode: o.inflight ? `closed loop, ${o.inflight} in flight/client` : `${o.rate} msgs/s`,
    sent: r.messages.sent,
    delivered_per_s: r.messages.delivered_per_s,
    p50_ms: r.latency.p50_ms,
    p99_ms: r.latency.p99_ms,
    lost: r.messages.lost,
    duplicated: r.messages.duplicated,
    errors: r.errors_total,
    connect_failed: r.connect.failed,
    server_cpu_us_per_msg: r.messages.sent > 0 ? Math.round((cpu / r.messages.sent) * 10) / 10 : 0,
  };
}

export interface WsCompare {
  room_size: number;
  /** Every saturation run, both servers, all rounds. */
  saturation: WsRun[];
  /** Every half-rate run: each server at half of its own median saturation rate. */
  half: WsRun[];
}

/**
 * Saturation, then p99 at half of it, for one room size: `rounds` alternating rounds of each
 * (see rounds.ts). The half rate is half of each server's median saturated send rate.
 */
export async function benchRoomSize(
  ours: BenchServer,
  baseline: BenchServer,
  roomSize: number,
  clients: number,
  seconds: number,
  rounds: number,
): Promise<WsCompare> {
  const saturate = (server: BenchServer) => (round: number) =>
    loadRun(server, { clients, roomSize, seconds: secondsFor(round, seconds), inflight: 1, round });
  const sat = await alternate(rounds, saturate(baseline), saturate(ours));
  const halfRate = (runs: WsRun[]): number =>
    Math.max(1, Math.round((medianRun(runs, (r) => r.delivered_per_s)?.sent ?? 0) / seconds / 2));
  const [baseRate, ourRate] = [halfRate(sat.baseline), halfRate(sat.ours)];
  const half = await alternate(
    rounds,
    (round) => loadRun(baseline, { clients, roomSize, seconds, rate: baseRate, round }),
    (round) => loadRun(ours, { clients, roomSize, seconds, rate: ourRate, round }),
    false, // the servers are warm from the saturation runs
  );
  return { room_size: roomSize, saturation: [...sat.baseline, ...sat.ours], half: [...half.baseline, ...half.ours] };
}
