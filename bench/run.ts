/**
 * `npm run bench` (`tsx bench/run.ts [--quick] [--only rest,ws,...]`): on loopback, our server
 * (in-memory store, limits opened up) against the two baselines in the same run. REST via
 * autocannon, WebSocket via the `vchat load` engine. With a Postgres URL it also drives our
 * server on the Postgres store, and with Postgres + Redis it runs the scale-out bench
 * (bench/scale.ts); without them those sections say SKIPPED with the reason. Prints a table
 * on stdout and writes bench/results/latest.json (or only-<sections>.json for an --only run).
 * Every server is a child process; every run stops by itself.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, totalmem } from 'node:os';
import { benchDurable, MONGO_BENCH_SKIP } from './durable.ts';
import { benchGrowth } from './growth.ts';
import { benchMemory, type MemFigures } from './memory.ts';
import { durablePostgresMissing, startDurablePostgres } from './pg-durable.ts';
import { BENCH_PG_URL, BENCH_REDIS_URL } from './pg.ts';
import { benchRest, drive } from './rest.ts';
import { runScaleBench, SCENARIOS } from './scale.ts';
import { startBenchServer, type BenchServer } from './servers.ts';
import { renderTables, SECTIONS, type BenchReport, type Section } from './table.ts';
import { benchRoomSize, loadRun, type WsCompare, type WsRun } from './ws.ts';

const USAGE = `usage: npm run bench -- [--quick] [--rounds N] [--only ${SECTIONS.join(',')}]
  --rounds N  alternating rounds of baseline and vchat per comparison, after a discarded
              warm-up; REST rounds each start fresh server processes; the tables show the
              median run of each (default 3, 1 with --quick)`;

function parseArgs(argv: string[]): { quick: boolean; rounds: number | undefined; only: Section[] | undefined } {
  let quick = false;
  let rounds: number | undefined;
  let only: Section[] | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--quick') quick = true;
    else if (a === '--rounds' || a.startsWith('--rounds=')) {
      const value = a === '--rounds' ? argv[++i] : a.slice('--rounds='.length);
      rounds = Number(value);
      if (!Number.isInteger(rounds) || rounds < 1 || rounds > 20)
        throw new Error(`--rounds takes a whole number from 1 to 20 (got ${value ?? 'nothing'})\n${USAGE}`);
    } else if (a === '--only' || a.startsWith('--only=')) {
      const list = a === '--only' ? argv[++i] : a.slice('--only='.length);
      if (!list) throw new Error(`--only needs a comma list of sections\n${USAGE}`);
      const names = list
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
      const bad = names.filter((n) => !(SECTIONS as readonly string[]).includes(n));
      if (bad.length > 0 || names.length === 0)
        throw new Error(`unknown section ${bad.join(', ') || '(none)'}; sections: ${SECTIONS.join(', ')}\n${USAGE}`);
      only = SECTIONS.filter((s) => names.includes(s));
    } else if (a === '--help' || a === '-h') {
      process.stdout.write(`${USAGE}\n`);
      process.exit(0);
    } else throw new Error(`unknown argument ${a}\n${USAGE}`);
  }
  return { quick, rounds, only };
}

let args: ReturnType<typeof parseArgs>;
try {
  args = parseArgs(process.argv.slice(2));
} catch (err) {
  process.stderr.write(`${(err as Error).message}\n`);
  process.exit(2);
}
const { quick, only } = args;
const rounds = args.rounds ?? (quick ? 1 : 3);
const sections: Section[] = only ?? [...SECTIONS];
/** Seconds per measured run. */
const S = quick ? 2 : 4;
const log = (s: string): void => void process.stderr.write(`[bench ${Math.round(performance.now() / 1000)}s] ${s}\n`);
const load = (): number[] => loadavg().map((x) => Math.round(x * 100) / 100);

/** Our server always gets an explicit store, so a BENCH_STORE in the caller's env cannot leak into the memory rows. */
const MEMORY = { BENCH_STORE: 'memory' };

function startServer(name: string, file: string, env?: Record<string, string>): Promise<BenchServer> {
  return startBenchServer(name, file, undefined, file === 'server-vchat.ts' ? { ...MEMORY, ...env } : env);
}

async function withServer<T>(
  name: string,
  file: string,
  fn: (s: BenchServer) => Promise<T>,
  env?: Record<string, string>,
): Promise<T> {
  const server = await startServer(name, file, env);
  try {
    return await fn(server);
  } finally {
    await server.close();
  }
}

async function main(): Promise<number> {
  const started = new Date();
  const report: BenchReport = {
    started_at: started.toISOString(),
    quick,
    rounds,
    sections,
    machine: {
      cores: availableParallelism(),
      cpu: cpus()[0]?.model ?? 'unknown',
      memory_gb: Math.round(totalmem() / 1e9),
      node: process.version,
      note: 'client and server share the same cores (loopback)',
      loadavg_start: load(),
      loadavg_end: [],
    },
    rest: [],
    ws: [],
    memory: [],
    scaling: [],
    postgres: { rows: [] },
    scaleout: { rows: [] },
    elapsed_s: 0,
  };
  let failed = false;

  if (sections.includes('rest')) {
    log(`REST: GET /health and POST /rooms/{id}/messages, vchat vs bare node:http, ${rounds} round(s)`);
    report.rest = await benchRest(
      () => startServer('vchat', 'server-vchat.ts'),
      () => startServer('node:http', 'baseline-http.ts'),
      S,
      rounds,
    );
  }

  if (sections.includes('ws')) {
    const sizes: Array<[number, number]> = quick
      ? [
          [2, 100],
          [10, 100],
          [100, 100],
        ]
      : [
          [2, 200],
          [10, 200],
          [100, 200],
        ];
    for (const [roomSize, clients] of sizes) {
      log(`WebSocket: rooms of ${roomSize}, ${clients} clients, saturation then half rate, ${rounds} round(s)`);
      const cmp: WsCompare = await withServer('vchat', 'server-vchat.ts', (ours) =>
        withServer('ws', 'baseline-ws.ts', (base) => benchRoomSize(ours, base, roomSize, clients, S, rounds)),
      );
      report.ws.push(cmp);
    }
  }

  if (sections.includes('memory')) {
    for (const [sockets, workers] of (quick
      ? [[1000, 1]]
      : [
          [1000, 1],
          [10_000, 2],
        ]) as Array<[number, number]>) {
      log(`memory: ${sockets} idle sockets`);
      const m: MemFigures = await withServer('vchat', 'server-vchat.ts', (ours) =>
        benchMemory(ours, sockets, workers, quick ? 2 : 3),
      );
      report.memory.push(m);
    }
  }

  if (sections.includes('scaling')) {
    const scale = quick ? [100, 1000] : [100, 1000, 5000];
    await withServer('vchat', 'server-vchat.ts', async (ours) => {
      for (const clients of scale) {
        log(`scaling: ${clients} clients in rooms of 10, 1 msg/s each`);
        const run: WsRun = await loadRun(ours, {
          clients,
          roomSize: 10,
          seconds: S,
          rate: clients,
          workers: clients > 1000 ? 2 : 1,
          ramp: `${Math.max(1, Math.round(clients / 2000))}s`,
        });
        report.scaling.push(run);
      }
    });
  }

  if (sections.includes('postgres')) {
    if (!BENCH_PG_URL) {
      report.postgres.skipped =
        'needs BENCH_DATABASE_URL (or VCHAT_TEST_DATABASE_URL): a Postgres the bench may CREATE DATABASE on';
      log(`postgres: SKIPPED — ${report.postgres.skipped}`);
    } else {
      try {
        // Memory first, then Postgres, back to back, so the two rows share the machine's conditions.
        log(
          'postgres: POST /rooms/{id}/messages, vchat on the memory store then on the Postgres store (fresh database)',
        );
        report.postgres.rows.push(
          await withServer('vchat', 'server-vchat.ts', (s) => drive(s, 'POST /rooms/{id}/messages', S)),
        );
        const pgEnv = { BENCH_STORE: 'postgres', BENCH_DATABASE_URL: BENCH_PG_URL };
        report.postgres.rows.push(
          await withServer('vchat+postgres', 'server-vchat.ts', (s) => drive(s, 'POST /rooms/{id}/messages', S), pgEnv),
        );
      } catch (err) {
        failed = true;
        report.postgres.error = err instanceof Error ? err.message : String(err);
        log(`postgres: FAILED — ${report.postgres.error}`);
      }
    }
  }

  if (sections.includes('scaleout')) {
    const missing = [
      !BENCH_PG_URL && 'BENCH_DATABASE_URL (or VCHAT_TEST_DATABASE_URL)',
      !BENCH_REDIS_URL && 'BENCH_REDIS_URL (or VCHAT_TEST_REDIS_URL)',
    ].filter(Boolean);
    if (missing.length > 0) {
      report.scaleout.skipped = `needs ${missing.join(' and ')}`;
      log(`scale-out: SKIPPED — ${report.scaleout.skipped}`);
    } else {
      const num = (name: string, d: number): number => Number(process.env[name] ?? d);
      const options = {
        clients: num('BENCH_SCALE_CLIENTS', 40),
        ratePerClient: num('BENCH_SCALE_RATE', 5),
        seconds: num('BENCH_SCALE_SECONDS', quick ? 4 : 8),
      };
      report.scaleout.options = options;
      log(
        `scale-out: ${SCENARIOS.join(', ')} (${options.clients} clients in one room, ${options.ratePerClient} msgs/s each, ${options.seconds}s)`,
      );
      try {
        report.scaleout.rows = await runScaleBench({
          databaseUrl: BENCH_PG_URL!,
          redisUrl: BENCH_REDIS_URL!,
          ...options,
        });
      } catch (err) {
        failed = true;
        report.scaleout.error = err instanceof Error ? err.message : String(err);
        log(`scale-out: FAILED — ${report.scaleout.error}`);
      }
    }
  }

  if (sections.includes('durable') || sections.includes('growth')) {
    const missing = durablePostgresMissing();
    if (missing) {
      if (sections.includes('durable'))
        report.durable = {
          skipped: missing,
          ws_saturation: [],
          ws_half: [],
          rest: [],
          batch_sizes: {},
          mongo_skipped: MONGO_BENCH_SKIP,
        };
      if (sections.includes('growth')) report.growth = { skipped: missing, rows: [] };
      log(`durable/growth: SKIPPED — ${missing}`);
    } else {
      log('durable/growth: starting a Postgres with its default durable settings (fsync on)');
      const durable = await startDurablePostgres();
      try {
        const pgServer = (name: string, env: Record<string, string>) =>
          startServer(name, 'server-vchat.ts', { BENCH_STORE: 'postgres', ...env });
        if (sections.includes('durable')) {
          try {
            const d = await benchDurable(
              () => startServer('memory', 'server-vchat.ts'),
              () => pgServer('postgres', { BENCH_DATABASE_URL: durable.url }),
              S,
              rounds,
              log,
            );
            report.durable = { ...d, postgres_settings: durable.settings };
          } catch (err) {
            failed = true;
            report.durable = {
              error: err instanceof Error ? err.message : String(err),
              postgres_settings: durable.settings,
              ws_saturation: [],
              ws_half: [],
              rest: [],
              batch_sizes: {},
              mongo_skipped: MONGO_BENCH_SKIP,
            };
            log(`durable: FAILED — ${report.durable.error}`);
          }
        }
        if (sections.includes('growth')) {
          try {
            report.growth = await benchGrowth(
              durable.url,
              (url) => pgServer('postgres', { BENCH_DATABASE_URL: url, BENCH_DATABASE_AS_IS: '1' }),
              S,
              log,
            );
          } catch (err) {
            failed = true;
            report.growth = { error: err instanceof Error ? err.message : String(err), rows: [] };
            log(`growth: FAILED — ${report.growth.error}`);
          }
        }
      } finally {
        durable.stop();
      }
    }
  }

  report.machine.loadavg_end = load();
  report.elapsed_s = Math.round((Date.now() - started.getTime()) / 1000);
  process.stdout.write(renderTables(report));
  const dir = new URL('./results/', import.meta.url);
  mkdirSync(dir, { recursive: true });
  const file = only ? `only-${only.join('-')}.json` : 'latest.json';
  writeFileSync(new URL(file, dir), `${JSON.stringify(report, null, 2)}\n`);
  log(`wrote bench/results/${file} (${report.elapsed_s}s)`);
  return failed ? 1 : 0;
}

process.exitCode = await main();
