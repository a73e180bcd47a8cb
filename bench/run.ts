/**
 * `npm run bench` (`tsx bench/run.ts [--quick]`): on loopback, our server (in-memory store,
 * limits opened up) against the two baselines in the same run. REST via autocannon,
 * WebSocket via the `vchat load` engine. Prints a table on stdout, writes
 * bench/results/latest.json. Every server is a forked child; every run stops by itself.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, totalmem } from 'node:os';
import { benchMemory, type MemFigures } from './memory.ts';
import { benchRest, type RestFigures } from './rest.ts';
import { startBenchServer, type BenchServer } from './servers.ts';
import { renderTables, type BenchReport } from './table.ts';
import { benchRoomSize, loadRun, type WsCompare, type WsRun } from './ws.ts';

const quick = process.argv.includes('--quick');
/** Seconds per measured run. */
const S = quick ? 2 : 4;
const log = (s: string): void => void process.stderr.write(`[bench ${Math.round(performance.now() / 1000)}s] ${s}\n`);

async function withServer<T>(name: string, file: string, fn: (s: BenchServer) => Promise<T>): Promise<T> {
  const server = await startBenchServer(name, file);
  try {
    return await fn(server);
  } finally {
    await server.close();
  }
}

async function main(): Promise<void> {
  const started = new Date();
  const report: BenchReport = {
    started_at: started.toISOString(),
    quick,
    machine: { cores: availableParallelism(), cpu: cpus()[0]?.model ?? 'unknown', memory_gb: Math.round(totalmem() / 1e9), node: process.version, note: 'client and server share the same cores (loopback)' },
    rest: [],
    ws: [],
    memory: [],
    scaling: [],
    elapsed_s: 0,
  };

  log('REST: GET /health and POST /rooms/{id}/messages, vchat vs bare node:http');
  report.rest = await withServer('vchat', 'server-vchat.ts', (ours) => withServer('node:http', 'baseline-http.ts', (base) => benchRest(ours, base, S)));

  const sizes: Array<[number, number]> = quick ? [[2, 100], [10, 100], [100, 100]] : [[2, 200], [10, 200], [100, 200]];
  for (const [roomSize, clients] of sizes) {
    log(`WebSocket: rooms of ${roomSize}, ${clients} clients, saturation then half rate`);
    const cmp: WsCompare = await withServer('vchat', 'server-vchat.ts', (ours) => withServer('ws', 'baseline-ws.ts', (base) => benchRoomSize(ours, base, roomSize, clients, S)));
    report.ws.push(cmp);
  }

  for (const [sockets, workers] of (quick ? [[1000, 1]] : [[1000, 1], [10_000, 2]]) as Array<[number, number]>) {
    log(`memory: ${sockets} idle sockets`);
    const m: MemFigures = await withServer('vchat', 'server-vchat.ts', (ours) => benchMemory(ours, sockets, workers, quick ? 2 : 3));
    report.memory.push(m);
  }

  const scale = quick ? [100, 1000] : [100, 1000, 5000];
  await withServer('vchat', 'server-vchat.ts', async (ours) => {
    for (const clients of scale) {
      log(`scaling: ${clients} clients in rooms of 10, 1 msg/s each`);
      const run: WsRun = await loadRun(ours, { clients, roomSize: 10, seconds: S, rate: clients, workers: clients > 1000 ? 2 : 1, ramp: `${Math.max(1, Math.round(clients / 2000))}s` });
      report.scaling.push(run);
    }
  });

  report.elapsed_s = Math.round((Date.now() - started.getTime()) / 1000);
  process.stdout.write(renderTables(report));
  const dir = new URL('./results/', import.meta.url);
  mkdirSync(dir, { recursive: true });
  writeFileSync(new URL('latest.json', dir), `${JSON.stringify(report, null, 2)}\n`);
  log(`wrote bench/results/latest.json (${report.elapsed_s}s)`);
}

await main();
