/**
 * Where our server's CPU goes on the three hot paths the bench measures:
 *   npx tsx bench/profile.ts [health|post|ws10 ...] [--seconds N] [--store memory|postgres]
 * Starts bench/server-vchat.ts under `node --cpu-prof` once per path, drives it like the bench
 * does (autocannon for REST; the `vchat load` engine in a closed loop, rooms of 10, 200 clients
 * for WebSocket, 100 with Postgres as in the durable section), then prints the top functions by
 * self time. `--store postgres` runs the server on a throwaway Postgres with its default durable
 * settings (bench/pg-durable.ts) and also splits the machine's CPU over the run between the
 * server, Postgres, the load client (this process) and idle: on two shared cores, which of them
 * is the bound decides where work pays.
 * Profiles are kept in bench/results/profiles/<path>/ (gitignored: *.cpuprofile).
 */
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { startDurablePostgres, type DurablePostgres } from './pg-durable.ts';
import { drive } from './rest.ts';
import { startBenchServer } from './servers.ts';
import { loadRun } from './ws.ts';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

/**
 * Self-time shares by function (name + file; tsx-compiled sources carry no useful line
 * numbers), highest first, plus the share of all samples spent in src/ (our server's own JS).
 */
export function selfTimes(file: string, top = 15): { src: number; rows: Array<{ share: number; fn: string }> } {
  const prof = JSON.parse(readFileSync(file, 'utf8')) as { nodes: ProfileNode[]; samples: number[] };
  const byId = new Map(prof.nodes.map((n) => [n.id, n]));
  const counts = new Map<string, number>();
  for (const id of prof.samples) {
    const n = byId.get(id);
    if (!n) continue;
    const { functionName, url } = n.callFrame;
    const where = url ? ` ${url.replace(/^.*\/(src|bench|node_modules)\//, '$1/')}` : '';
    const key = `${functionName || '(anonymous)'}${where}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  const total = prof.samples.length || 1;
  const pct = (n: number): number => Math.round((n / total) * 1000) / 10;
  const src = [...counts.entries()].filter(([k]) => k.includes(' src/')).reduce((a, [, n]) => a + n, 0);
  const rows = [...counts.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([fn, n]) => ({ share: pct(n), fn }));
  return { src: pct(src), rows };
}

const PATHS = ['health', 'post', 'ws10'] as const;

/** Where the machine's CPU went over one run, µs per request or message. */
interface CpuSplit {
  server: number;
  postgres: number;
  client: number;
  idle: number;
}

function cpuSplit(count: number, wallUs: number, serverUs: number, postgresUs: number, clientUs: number): CpuSplit {
  const per = (us: number): number => Math.round(us / Math.max(1, count));
  const idle = Math.max(0, cpus().length * wallUs - serverUs - postgresUs - clientUs);
  return { server: per(serverUs), postgres: per(postgresUs), client: per(clientUs), idle: per(idle) };
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    options: { seconds: { type: 'string', default: '5' }, store: { type: 'string', default: 'memory' } },
    allowPositionals: true,
  });
  const seconds = Number(values.seconds);
  const storeName = values.store;
  if (storeName !== 'memory' && storeName !== 'postgres') throw new Error('--store is memory or postgres');
  const paths = positionals.length > 0 ? positionals : [...PATHS];
  const pg: DurablePostgres | undefined = storeName === 'postgres' ? await startDurablePostgres() : undefined;
  try {
    for (const p of paths) await profileOne(p, seconds, pg);
  } finally {
    pg?.stop();
  }
}

async function profileOne(p: string, seconds: number, pg: DurablePostgres | undefined): Promise<void> {
  if (!(PATHS as readonly string[]).includes(p)) throw new Error(`unknown path ${p}; use ${PATHS.join(', ')}`);
  const dir = fileURLToPath(new URL(`./results/profiles/${p}${pg ? '-postgres' : ''}/`, import.meta.url));
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const env: Record<string, string> = pg
    ? { BENCH_STORE: 'postgres', BENCH_DATABASE_URL: pg.url }
    : { BENCH_STORE: 'memory' };
  const server = await startBenchServer('vchat', 'server-vchat.ts', dir, env);
  let figure: string;
  let split: CpuSplit | undefined;
  try {
    const before = { server: await server.cpu(), postgres: pg?.cpuMicros() ?? 0, client: process.cpuUsage() };
    const t0 = performance.now();
    let count: number;
    if (p === 'health' || p === 'post') {
      const r = await drive(server, p === 'health' ? 'GET /health' : 'POST /rooms/{id}/messages', seconds);
      figure = `${r.req_per_s} req/s, p99 ${r.p99_ms} ms`;
      count = r.req_per_s * seconds;
    } else {
      const r = await loadRun(server, { clients: pg ? 100 : 200, roomSize: 10, seconds, inflight: 1 });
      figure = `${r.delivered_per_s} delivered/s, ${r.sent} sent, p50 ${r.p50_ms} ms, p99 ${r.p99_ms} ms`;
      count = r.sent;
    }
    const wallUs = (performance.now() - t0) * 1000;
    const client = process.cpuUsage(before.client);
    split = cpuSplit(
      count,
      wallUs,
      (await server.cpu()) - before.server,
      (pg?.cpuMicros() ?? 0) - before.postgres,
      client.user + client.system,
    );
  } finally {
    await server.close();
  }
  const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
  const unit = p === 'ws10' ? 'message sent' : 'request';
  process.stdout.write(`\n${p}${pg ? ' (Postgres, fsync on)' : ''}: ${figure}\n`);
  process.stdout.write(
    `  CPU µs per ${unit} (setup and drain included): server ${split.server}, Postgres ${split.postgres}, ` +
      `load client ${split.client}, idle ${split.idle}\n`,
  );
  process.stdout.write(`  top self time (${dir}${file ?? '?'})\n`);
  if (!file) return;
  const { src, rows } = selfTimes(dir + file);
  for (const { share, fn } of rows) process.stdout.write(`  ${String(share).padStart(5)}%  ${fn}\n`);
  process.stdout.write(`  all of src/ (our server's own JS, self time): ${src}%\n`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await main();
