/**
 * Memory per idle connection: server RSS and heap (after a full GC in the server) once the
 * REST setup is done and no socket is open, then with N idle sockets held open by
 * `vchat load` (rate 0: no messages). Run on a fresh server process each time.
 */
import { parseLoadOptions } from '../src/cli/load/options.ts';
import { runLoad } from '../src/cli/load/run.ts';
import { ORIGIN } from './rest.ts';
import type { BenchServer } from './servers.ts';

export interface MemFigures {
  server: string;
  sockets: number;
  connected: number;
  rss_per_socket_bytes: number;
  heap_per_socket_bytes: number;
  rss_before_bytes: number;
  rss_with_sockets_bytes: number;
}

/**
 * Open `sockets` idle connections and sample the server while they are open: the load run's
 * send phase (rate 0) holds them for `holdS` seconds; the sample is taken half way through.
 */
export async function benchMemory(
  server: BenchServer,
  sockets: number,
  workers: number,
  holdS: number,
): Promise<MemFigures> {
  // "Before" is taken after the REST setup (users, rooms, joins exist) and before any socket opens.
  let before: Promise<{ rss: number; heapUsed: number }> = server.mem();
  const options = parseLoadOptions({
    api: server.url,
    origin: ORIGIN,
    clients: String(sockets),
    rooms: String(Math.max(1, Math.round(sockets / 10))),
    ramp: `${Math.max(1, Math.round(sockets / 2000))}s`,
    duration: `${holdS}s`,
    rate: '0',
    workers: String(workers),
    setupConcurrency: '64',
    connectTimeout: '30s',
    yes: true,
  });
  let sampled: Promise<{ rss: number; heapUsed: number }> | undefined;
  const run = runLoad(options, {
    onPhase: (phase) => {
      if (phase === 'connecting') before = server.mem();
      if (phase === 'sending') sampled = new Promise((r) => setTimeout(r, (holdS * 1000) / 2)).then(() => server.mem());
    },
  });
  const result = await run;
  const during = await (sampled ?? server.mem());
  const start = await before;
  const n = Math.max(1, result.connect.connected);
  return {
    server: server.name,
    sockets,
    connected: result.connect.connected,
    rss_per_socket_bytes: Math.round((during.rss - start.rss) / n),
    heap_per_socket_bytes: Math.round((during.heapUsed - start.heapUsed) / n),
    rss_before_bytes: start.rss,
    rss_with_sockets_bytes: during.rss,
  };
}
