/**
 * `npm run bench:fastapi [-- --quick]`: the seed's FastAPI app (bench/fastapi_app.py under
 * Debian's uvicorn, one worker as in its Procfile) against vchat (in-memory, limits opened up),
 * same load, same run, on loopback: REST (autocannon, POST and GET of room messages) and WebSocket
 * chat (the `vchat load` engine: a fixed open-loop rate, then closed-loop saturation). Each pair
 * runs back to back, FastAPI first. Prints a markdown table and writes bench/results/fastapi.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import autocannon from 'autocannon';
import { httpRequest } from '../src/cli/client/http.ts';
import { parseLoadOptions } from '../src/cli/load/options.ts';
import { runLoad } from '../src/cli/load/run.ts';
import { paths } from '../src/shared/protocol.ts';
import { fastApiMissing, startFastApi } from './fastapi-server.ts';
import { ORIGIN } from './rest.ts';
import { startBenchServer } from './servers.ts';

const quick = process.argv.includes('--quick');
/** Seconds per measured run. */
const S = quick ? 3 : 8;
const log = (s: string): void => void process.stderr.write(`[bench:fastapi] ${s}\n`);

interface Target {
  name: string;
  url: string;
  close(): Promise<void>;
}

interface Row {
  test: string;
  server: string;
  /** Requests/s (REST) or deliveries/s (WebSocket). */
  per_s: number;
  p50_ms: number;
  p99_ms: number;
  /** Non-2xx answers (REST) or lost deliveries (WebSocket). */
  bad: number;
  errors: number;
}

/** A room and a joined user, through the public API (both servers accept the seed's bodies). */
async function room(t: Target): Promise<{ roomId: string; userId: string }> {
  const post = async (url: string, json: unknown): Promise<unknown> =>
    (await httpRequest({ base: t.url, url, method: 'POST', json, origin: ORIGIN })).json;
  const roomId = ((await post(paths.rooms(), { name: 'bench' })) as { id: string }).id;
  const userId = ((await post(paths.users(), { username: 'bench' })) as { id: string }).id;
  await post(paths.join(roomId), { user_id: userId, username: 'bench' });
  return { roomId, userId };
}

async function rest(t: Target, kind: 'POST' | 'GET'): Promise<Row> {
  const { roomId, userId } = await room(t);
  const body = JSON.stringify({
    user_id: userId,
    username: 'bench',
    content: 'bench message of a typical length, about sixty-four chars',
  });
  const opts: Parameters<typeof autocannon>[0] =
    kind === 'POST'
      ? {
          url: `${t.url}${paths.messages(roomId)}`,
          method: 'POST',
          headers: { origin: ORIGIN, 'content-type': 'application/json' },
          body,
        }
      : { url: `${t.url}${paths.messages(roomId)}?limit=20`, headers: { origin: ORIGIN } };
  if (kind === 'GET')
    for (let i = 0; i < 50; i++)
      await httpRequest({
        base: t.url,
        url: paths.messages(roomId),
        method: 'POST',
        body,
        headers: { 'content-type': 'application/json' },
        origin: ORIGIN,
      });
  const r = await autocannon({ ...opts, connections: 32, pipelining: 1, duration: S });
  return {
    test: `REST ${kind} /rooms/{id}/messages${kind === 'GET' ? '?limit=20' : ''} (32 connections)`,
    server: t.name,
    per_s: Math.round(r.requests.average),
    p50_ms: r.latency.p50,
    p99_ms: r.latency.p99,
    bad: r.non2xx,
    errors: r.errors,
  };
}

async function ws(t: Target, mode: { rate?: number; inflight?: number }): Promise<Row> {
  const options = parseLoadOptions({
    api: t.url,
    origin: ORIGIN,
    clients: '100',
    rooms: '10',
    ramp: '1s',
    duration: `${S}s`,
    rate: String(mode.rate ?? 0),
    inflight: String(mode.inflight ?? 0),
    workers: '1',
    drain: '5s',
    setupConcurrency: '16',
  });
  const r = await runLoad(options);
  const label = mode.inflight ? 'closed loop, 1 in flight per client (saturation)' : `${mode.rate} msgs/s open loop`;
  return {
    test: `WebSocket chat, 100 clients in rooms of 10, ${label}`,
    server: t.name,
    per_s: r.messages.delivered_per_s,
    p50_ms: r.latency.p50_ms,
    p99_ms: r.latency.p99_ms,
    bad: r.messages.lost,
    errors: r.errors_total,
  };
}

async function main(): Promise<number> {
  const missing = fastApiMissing();
  if (missing) {
    log(`SKIPPED: ${missing}`);
    return 0;
  }
  const fastapi = async (): Promise<Target> => ({ name: 'FastAPI (seed, uvicorn)', ...(await startFastApi([ORIGIN])) });
  const vchat = async (): Promise<Target> => {
    const s = await startBenchServer('vchat', 'server-vchat.ts', undefined, { BENCH_STORE: 'memory' });
    return { name: 'vchat', url: s.url, close: () => s.close() };
  };
  const rows: Row[] = [];
  const pair = async (what: string, run: (t: Target) => Promise<Row>): Promise<void> => {
    for (const start of [fastapi, vchat]) {
      const t = await start();
      try {
        log(`${what}: ${t.name}`);
        rows.push(await run(t));
      } finally {
        await t.close();
      }
    }
  };
  await pair('REST POST', (t) => rest(t, 'POST'));
  await pair('REST GET', (t) => rest(t, 'GET'));
  await pair('WebSocket 200 msgs/s', (t) => ws(t, { rate: 200 }));
  await pair('WebSocket saturation', (t) => ws(t, { inflight: 1 }));

  const lines = [
    `FastAPI (seed) vs vchat, ${S}s per run${quick ? ' (--quick)' : ''}, loopback, client and server on the same cores`,
    '',
    '| test | server | per s | p50 ms | p99 ms | non-2xx / lost | errors |',
    '|---|---|---:|---:|---:|---:|---:|',
    ...rows.map((r) => `| ${r.test} | ${r.server} | ${r.per_s} | ${r.p50_ms} | ${r.p99_ms} | ${r.bad} | ${r.errors} |`),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
  writeFileSync(
    new URL(`./results/fastapi${quick ? '-quick' : ''}.json`, import.meta.url),
    `${JSON.stringify({ started_at: new Date().toISOString(), quick, seconds: S, rows }, null, 2)}\n`,
  );
  return 0;
}

process.exitCode = await main();
