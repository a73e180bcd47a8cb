/**
 * User-space instructions per request, ours vs the bare node:http route, under callgrind:
 *   npm run bench:instructions -- [health|post ...] [--processes N] [--warm N] [--count N]
 * Wall-clock figures on this shared two-core machine move ±10% from run to run; instruction
 * counts repeat within about ±1% (docs/performance.md, "Measuring on this machine: three
 * traps"), so a change worth a few per cent is measured here, not with `npm run bench`.
 *
 * Each server runs under `valgrind --tool=callgrind --instr-atstart=no --separate-threads=yes`,
 * takes `--warm` requests (8 keep-alive connections, so V8 has optimized what it will), then
 * counts the main (JavaScript) thread's instructions over `--count` more. V8's compiler and GC
 * helper threads are left out: they land in some windows and not in others. The ratio is
 * bare / ours, the same way round as the bench's throughput ratio. Writes
 * bench/results/instructions.json.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { routeRequest, type RestRoute } from './rest.ts';
import { startBenchServer } from './servers.ts';

const ROUTES: Record<string, RestRoute> = { health: 'GET /health', post: 'POST /rooms/{id}/messages' };
const SERVERS = [
  { name: 'node:http', file: 'baseline-http.ts' },
  { name: 'vchat', file: 'server-vchat.ts' },
] as const;

interface Row {
  route: RestRoute;
  server: string;
  process: number;
  requests: number;
  main_thread_instructions_per_req: number;
}

/** A `--name N` option's value, or `fallback` when it is not given. */
function wholeNumber(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} needs a positive whole number`);
  return n;
}

/** One process of one server: warm it, count `count` requests, return main-thread instructions per request. */
async function countOne(
  file: string,
  route: RestRoute,
  warm: number,
  count: number,
): Promise<Row['main_thread_instructions_per_req']> {
  const out = mkdtempSync(join(tmpdir(), 'vchat-callgrind-'));
  try {
    const server = await startBenchServer(file, file, undefined, undefined, {
      command: 'valgrind',
      args: ['--tool=callgrind', '--instr-atstart=no', '--separate-threads=yes', `--callgrind-out-file=${out}/cg`],
    });
    const request = await routeRequest(server, route);
    const run = (amount: number) => autocannon({ ...request, connections: 8, pipelining: 1, amount, timeout: 60 });
    await run(warm);
    const control = (on: boolean): void => {
      execFileSync('callgrind_control', [`--instr=${on ? 'on' : 'off'}`, String(server.pid)], { stdio: 'ignore' });
    };
    control(true);
    const measured = await run(count);
    control(false);
    await server.close();
    if (measured['2xx'] !== measured.requests.total || measured.requests.total === 0)
      throw new Error(`${file}: ${measured.requests.total} requests, ${measured['2xx']} of them 2xx`);
    // --separate-threads writes one file per thread; the main thread's ends in -01.
    const main = readdirSync(out).find((f) => f.endsWith('-01'));
    const totals = main ? /^totals: (\d+)/m.exec(readFileSync(join(out, main), 'utf8')) : null;
    if (!totals) throw new Error(`${file}: no callgrind totals for the main thread in ${out}`);
    return Math.round(Number(totals[1]) / measured.requests.total);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    options: { processes: { type: 'string' }, warm: { type: 'string' }, count: { type: 'string' } },
    allowPositionals: true,
  });
  const processes = wholeNumber(values.processes, 'processes', 2);
  const warm = wholeNumber(values.warm, 'warm', 20_000);
  const count = wholeNumber(values.count, 'count', 4_000);
  const routes = (positionals.length > 0 ? positionals : Object.keys(ROUTES)).map((r) => {
    const route = ROUTES[r];
    if (!route) throw new Error(`unknown route ${r}; use ${Object.keys(ROUTES).join(', ')}`);
    return route;
  });
  const rows: Row[] = [];
  for (const route of routes) {
    for (let p = 1; p <= processes; p++) {
      for (const s of SERVERS) {
        const perReq = await countOne(s.file, route, warm, count);
        rows.push({ route, server: s.name, process: p, requests: count, main_thread_instructions_per_req: perReq });
        process.stderr.write(`${route} ${s.name} process ${p}: ${perReq} instructions/request\n`);
      }
    }
  }
  const lines = [
    `Main-thread instructions per request under callgrind (${warm} warm-up requests, then ${count} counted; ` +
      `${processes} processes each)`,
    '| route | node:http | vchat | ratio (node:http / vchat) |',
    '|---|---|---|---|',
  ];
  for (const route of routes) {
    const of = (server: string): number[] =>
      rows.filter((r) => r.route === route && r.server === server).map((r) => r.main_thread_instructions_per_req);
    const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
    const [bare, ours] = [of('node:http'), of('vchat')];
    const k = (xs: number[]): string => xs.map((x) => `${(x / 1000).toFixed(1)}k`).join(' / ');
    lines.push(`| ${route} | ${k(bare)} | ${k(ours)} | ${(mean(bare) / mean(ours)).toFixed(2)}× |`);
  }
  process.stdout.write(`${lines.join('\n')}\n`);
  const dir = fileURLToPath(new URL('./results/', import.meta.url));
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'instructions.json'), `${JSON.stringify({ warm, count, processes, rows }, null, 2)}\n`);
}

await main();
