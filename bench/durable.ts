/**
 * `durable` section: the production path against the in-memory one in the same run. Our server
 * on the memory store, then on the Postgres store over a Postgres with its default durable
 * settings (fsync on; bench/pg-durable.ts), for
 * - WebSocket chat, 100 clients in rooms of 10: closed loop (saturation), then both servers at
 *   half of Postgres's saturation rate;
 * - POST /rooms/{id}/messages, one hot room and 50 rooms: autocannon saturation, then both at
 *   half of Postgres's saturated rate;
 * and the group-commit batch sizes the Postgres server wrote. MongoDB rows are SKIPPED here
 * (no MongoDB on this machine; its store tests run in GitHub Actions).
 */
import { randomUUID } from 'node:crypto';
import autocannon from 'autocannon';
import { httpRequest } from '../src/cli/client/http.ts';
import { joinRoom, ORIGIN } from './rest.ts';
import { alternate, medianRun } from './rounds.ts';
import type { BenchServer } from './servers.ts';
import { loadRun, type WsRun } from './ws.ts';

export interface DurableRestRun {
  server: string;
  round: number;
  rooms: number;
  /** `saturation` (32 connections, no rate) or the fixed total rate in requests/s. */
  mode: string;
  req_per_s: number;
  p50_ms: number;
  p99_ms: number;
  non2xx: number;
  errors: number;
}

export interface DurableReport {
  skipped?: string;
  error?: string;
  /** The Postgres server's fsync / synchronous_commit / full_page_writes. */
  postgres_settings?: string;
  ws_saturation: WsRun[];
  ws_half: WsRun[];
  rest: DurableRestRun[];
  /** Group-commit batch sizes (size -> batches) the Postgres server wrote over the whole section. */
  batch_sizes: Record<string, number>;
  mongo_skipped: string;
}

/** Why the MongoDB rows are not run here. */
export const MONGO_BENCH_SKIP =
  'no MongoDB server on this machine (the MongoDB store tests run in GitHub Actions with mongo:7)';

/** POST `json` to our server and return the `id` of what it created (throws when there is none). */
export async function createdId(server: BenchServer, url: string, json: unknown): Promise<string> {
  const res = await httpRequest({ base: server.url, url, method: 'POST', json, origin: ORIGIN });
  const id = (res.json as { id?: string }).id;
  if (!id) throw new Error(`${url} answered ${res.status}`);
  return id;
}

/** `rooms` rooms and one user who joined them all. */
async function restFixtures(server: BenchServer, rooms: number): Promise<{ roomIds: string[]; userId: string }> {
  const post = (url: string, json: unknown): Promise<string> => createdId(server, url, json);
  const userId = await post('/users', { username: 'bench' });
  const roomIds: string[] = [];
  for (let i = 0; i < rooms; i++) {
    const roomId = await post('/rooms', { name: `bench ${i}` });
    await joinRoom(server, roomId, userId);
    roomIds.push(roomId);
  }
  return { roomIds, userId };
}

/** POST messages over `rooms` rooms for `seconds`: saturated (32 connections) or at `rate` requests/s in total. */
export async function postMessages(
  server: BenchServer,
  rooms: number,
  seconds: number,
  round: number,
  rate?: number,
): Promise<DurableRestRun> {
  const { roomIds, userId } = await restFixtures(server, rooms);
  const body = (): string =>
    JSON.stringify({
      user_id: userId,
      content: 'bench message of a typical length, about sixty-four chars',
      client_msg_id: randomUUID(),
    });
  const r = await autocannon({
    url: server.url,
    connections: 32,
    pipelining: 1,
    duration: seconds,
    ...(rate ? { overallRate: rate } : {}),
    // Each connection walks the rooms in turn; a fresh client_msg_id per request, as a real client sends.
    requests: roomIds.map((id) => ({
      method: 'POST' as const,
      path: `/rooms/${id}/messages`,
      headers: { origin: ORIGIN, 'content-type': 'application/json' },
      setupRequest: (req: Record<string, unknown>) => ({ ...req, body: body() }),
    })),
  });
  return {
    server: server.name,
    round,
    rooms,
    mode: rate ? `${rate} req/s` : 'saturation',
    req_per_s: Math.round(r.requests.average),
    p50_ms: r.latency.p50,
    p99_ms: r.latency.p99,
    non2xx: r.non2xx,
    errors: r.errors + r.timeouts,
  };
}

/**
 * The whole section. `memory()` and `postgres()` start a fresh server process each (the caller's
 * bench/servers.ts helpers); every server is closed before this returns.
 */
export async function benchDurable(
  memory: () => Promise<BenchServer>,
  postgres: () => Promise<BenchServer>,
  seconds: number,
  rounds: number,
  log: (s: string) => void,
): Promise<Omit<DurableReport, 'postgres_settings'>> {
  const mem = await memory();
  const pg = await postgres();
  try {
    log('durable: WebSocket, 100 clients in rooms of 10, closed loop, memory vs Postgres (fsync on)');
    const saturate = (server: BenchServer) => (round: number) =>
      loadRun(server, { clients: 100, roomSize: 10, seconds, inflight: 1, round });
    const sat = await alternate(rounds, saturate(mem), saturate(pg));
    const pgRate = Math.max(1, Math.round((medianRun(sat.ours, (r) => r.delivered_per_s)?.sent ?? 0) / seconds / 2));
    log(`durable: WebSocket at half of Postgres's saturation (${pgRate} msgs/s), both stores`);
    const half = await alternate(
      rounds,
      (round) => loadRun(mem, { clients: 100, roomSize: 10, seconds, rate: pgRate, round }),
      (round) => loadRun(pg, { clients: 100, roomSize: 10, seconds, rate: pgRate, round }),
      false,
    );
    const rest: DurableRestRun[] = [];
    for (const rooms of [1, 50]) {
      log(`durable: POST /rooms/{id}/messages over ${rooms} room(s), saturation then half of Postgres's rate`);
      const restSat = await alternate(
        rounds,
        (round) => postMessages(mem, rooms, seconds, round),
        (round) => postMessages(pg, rooms, seconds, round),
      );
      const rate = Math.max(1, Math.round((medianRun(restSat.ours, (r) => r.req_per_s)?.req_per_s ?? 0) / 2));
      const restHalf = await alternate(
        rounds,
        (round) => postMessages(mem, rooms, seconds, round, rate),
        (round) => postMessages(pg, rooms, seconds, round, rate),
        false,
      );
      rest.push(...restSat.baseline, ...restSat.ours, ...restHalf.baseline, ...restHalf.ours);
    }
    return {
      ws_saturation: [...sat.baseline, ...sat.ours],
      ws_half: [...half.baseline, ...half.ours],
      rest,
      batch_sizes: await pg.batches(),
      mongo_skipped: MONGO_BENCH_SKIP,
    };
  } finally {
    await mem.close();
    await pg.close();
  }
}
