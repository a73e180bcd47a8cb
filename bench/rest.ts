/** REST section: autocannon against GET /health and POST /rooms/{id}/messages, ours vs bare node:http. */
import { randomUUID } from 'node:crypto';
import autocannon from 'autocannon';
import { httpRequest } from '../src/cli/client/http.ts';
import { alternate, secondsFor } from './rounds.ts';
import type { BenchServer } from './servers.ts';

export const ORIGIN = 'http://localhost:3000';

export interface RestFigures {
  route: string;
  server: string;
  /** Which of the alternating rounds this run was (1-based). */
  round: number;
  req_per_s: number;
  p99_ms: number;
  non2xx: number;
  errors: number;
  /** The server process's CPU time (user + system) per completed request, µs. */
  server_cpu_us_per_req: number;
}

/**
 * A room and a user on our server, for the POST route. The baseline accepts any ids: it gets
 * random UUIDs, so both servers read and echo ids of the same length.
 */
async function fixtures(server: BenchServer): Promise<{ roomId: string; userId: string }> {
  const post = async (url: string, json: unknown): Promise<string> => {
    const res = await httpRequest({ base: server.url, url, method: 'POST', json, origin: ORIGIN });
    return (res.json as { id?: string }).id ?? randomUUID();
  };
  const roomId = await post('/rooms', { name: 'bench' });
  const userId = await post('/users', { username: 'bench' });
  await joinRoom(server, roomId, userId);
  return { roomId, userId };
}

export type RestRoute = 'GET /health' | 'POST /rooms/{id}/messages';

/** The request autocannon repeats for `route` (for POST, after making its room, user and join). */
export async function routeRequest(
  server: BenchServer,
  route: RestRoute,
): Promise<{ url: string; method?: 'POST'; headers: Record<string, string>; body?: string }> {
  if (route === 'GET /health') return { url: `${server.url}/health`, headers: { origin: ORIGIN } };
  const { roomId, userId } = await fixtures(server);
  return {
    url: `${server.url}/rooms/${roomId}/messages`,
    method: 'POST',
    headers: { origin: ORIGIN, 'content-type': 'application/json' },
    body: JSON.stringify({ user_id: userId, content: 'bench message of a typical length, about sixty-four chars' }),
  };
}

/** Drive one route for `seconds` with 32 keep-alive connections. */
export async function drive(server: BenchServer, route: RestRoute, seconds: number, round = 1): Promise<RestFigures> {
  const opts = await routeRequest(server, route);
  const cpuBefore = await server.cpu();
  const r = await autocannon({ ...opts, connections: 32, pipelining: 1, duration: seconds });
  const cpu = (await server.cpu()) - cpuBefore;
  return {
    route,
    server: server.name,
    round,
    req_per_s: Math.round(r.requests.average),
    p99_ms: r.latency.p99,
    non2xx: r.non2xx,
    errors: r.errors + r.timeouts,
    server_cpu_us_per_req: r.requests.total > 0 ? Math.round((cpu / r.requests.total) * 10) / 10 : 0,
  };
}

/** Starts a fresh server process (and the caller closes it). */
export type StartServer = () => Promise<BenchServer>;

/**
 * One round on a fresh process: start it, warm it up (a discarded run of half the length),
 * measure, close. A process keeps whatever speed it settles at for its whole life (the same
 * code measured 32 to 41 µs of CPU per POST from one process to the next, see
 * docs/performance.md), so rounds on one process would repeat one draw of that.
 */
async function freshRound(start: StartServer, route: RestRoute, seconds: number, round: number): Promise<RestFigures> {
  const server = await start();
  try {
    await drive(server, route, secondsFor(0, seconds));
    return await drive(server, route, seconds, round);
  } finally {
    await server.close();
  }
}

/** Both routes on both servers in the same run, `rounds` alternating rounds each, each round on fresh processes; every run. */
export async function benchRest(
  ours: StartServer,
  baseline: StartServer,
  seconds: number,
  rounds: number,
): Promise<RestFigures[]> {
  const out: RestFigures[] = [];
  for (const route of ['GET /health', 'POST /rooms/{id}/messages'] as const) {
    const runs = await alternate(
      rounds,
      (round) => freshRound(baseline, route, seconds, round),
      (round) => freshRound(ours, route, seconds, round),
      false,
    );
    out.push(...runs.baseline, ...runs.ours);
  }
  return out;
}

/** POST `/rooms/{roomId}/join` for `userId` on our server (every bench fixture's one join call). */
export async function joinRoom(server: BenchServer, roomId: string, userId: string): Promise<void> {
  await httpRequest({
    base: server.url,
    url: `/rooms/${roomId}/join`,
    method: 'POST',
    json: { user_id: userId },
    origin: ORIGIN,
  });
}
