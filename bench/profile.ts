/**
 * Where our server's CPU goes on the three hot paths the bench measures:
 *   npx tsx bench/profile.ts [health|post|ws10 ...] [--seconds N]
 * Starts bench/server-vchat.ts (memory store) under `node --cpu-prof` once per path, drives
 * it like the bench does (autocannon for REST; the `vchat load` engine in a closed loop, rooms
 * of 10, 200 clients for WebSocket), then prints the top functions by self time.
 * Profiles are kept in bench/results/profiles/<path>/ (gitignored: *.cpuprofile).
 */
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
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

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const si = argv.indexOf('--seconds');
  const seconds = si >= 0 ? Number(argv[si + 1]) : 5;
  const asked = argv.filter((a, i) => !a.startsWith('--') && argv[i - 1] !== '--seconds');
  const paths = asked.length > 0 ? asked : [...PATHS];
  for (const p of paths) {
    if (!(PATHS as readonly string[]).includes(p)) throw new Error(`unknown path ${p}; use ${PATHS.join(', ')}`);
    const dir = fileURLToPath(new URL(`./results/profiles/${p}/`, import.meta.url));
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    const server = await startBenchServer('vchat', 'server-vchat.ts', dir, { BENCH_STORE: 'memory' });
    let figure: string;
    try {
      if (p === 'health') figure = `${(await drive(server, 'GET /health', seconds)).req_per_s} req/s`;
      else if (p === 'post') figure = `${(await drive(server, 'POST /rooms/{id}/messages', seconds)).req_per_s} req/s`;
      else
        figure = `${(await loadRun(server, { clients: 200, roomSize: 10, seconds, inflight: 1 })).delivered_per_s} delivered/s`;
    } finally {
      await server.close();
    }
    const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
    process.stdout.write(`\n${p}: ${figure}; top self time (${dir}${file ?? '?'})\n`);
    if (!file) continue;
    const { src, rows } = selfTimes(dir + file);
    for (const { share, fn } of rows) process.stdout.write(`  ${String(share).padStart(5)}%  ${fn}\n`);
    process.stdout.write(`  all of src/ (our server's own JS, self time): ${src}%\n`);
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await main();
