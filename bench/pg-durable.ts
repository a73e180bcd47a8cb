/**
 * A throwaway Postgres with its DEFAULT durable settings (fsync on, synchronous_commit on,
 * full_page_writes on) for the durable-store bench: .ci/postgres.sh runs its server with fsync
 * off, which would flatter every commit. Data directory on disk under the OS temp dir, 127.0.0.1
 * only, trust auth, removed on stop. BENCH_DURABLE_DATABASE_URL instead names a server of your own.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface DurablePostgres {
  /** A database URL on the server (the bench creates fresh databases from it). */
  url: string;
  /** The server's `fsync` and `synchronous_commit` as it reports them. */
  settings: string;
  /**
   * CPU time (user + system) the server's processes have used so far, µs: the postmaster, its
   * live children and the children it has reaped. 0 for BENCH_DURABLE_DATABASE_URL (not ours to read).
   */
  cpuMicros(): number;
  stop(): void;
}

/**
 * Linux: the fields of /proc/<pid>/stat after the command name (which may hold spaces), so [1]
 * is the parent pid and [11]..[14] utime, stime, cutime, cstime; undefined once the process is gone.
 */
function statFields(pid: number | string): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

/** USER_HZ: Linux reports process times in 1/100 s on every architecture Node supports. */
const CLOCK_TICKS = 100;

/** User + system time in `f` (statFields), plus that of the reaped children when `reaped`, µs. */
function cpuMicros(f: string[], reaped: boolean): number {
  const ticks = Number(f[11]) + Number(f[12]) + (reaped ? Number(f[13]) + Number(f[14]) : 0);
  return (ticks * 1_000_000) / CLOCK_TICKS;
}

/** The postmaster's CPU, its reaped children's, and that of all its live children (by parent pid). */
function clusterCpuMicros(postmaster: number): number {
  const own = statFields(postmaster);
  let total = own ? cpuMicros(own, true) : 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const f = statFields(entry);
    if (f && Number(f[1]) === postmaster) total += cpuMicros(f, false);
  }
  return total;
}

/** The newest installed Debian postgresql bin dir, or undefined. */
function binDir(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root).filter((v) => existsSync(join(root, v, 'bin', 'pg_ctl')));
  versions.sort((a, b) => Number(a) - Number(b));
  const newest = versions[versions.length - 1];
  return newest ? join(root, newest, 'bin') : undefined;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
    s.once('error', reject);
  });
}

/** Why a durable Postgres cannot be started here, or undefined when it can. */
export function durablePostgresMissing(): string | undefined {
  if (process.env.BENCH_DURABLE_DATABASE_URL) return undefined;
  return binDir()
    ? undefined
    : 'no postgresql binaries under /usr/lib/postgresql (apt-get install postgresql) and no BENCH_DURABLE_DATABASE_URL';
}

/** Start one (or use BENCH_DURABLE_DATABASE_URL). */
export async function startDurablePostgres(): Promise<DurablePostgres> {
  const given = process.env.BENCH_DURABLE_DATABASE_URL;
  if (given)
    return {
      url: given,
      settings: 'as configured on BENCH_DURABLE_DATABASE_URL',
      cpuMicros: () => 0,
      stop: () => undefined,
    };
  const bin = binDir();
  if (!bin) throw new Error(durablePostgresMissing());
  const asOwner = (cmd: string, args: string[]): string[] =>
    process.getuid?.() === 0 ? ['runuser', '-u', 'postgres', '--', join(bin, cmd), ...args] : [join(bin, cmd), ...args];
  const run = (cmd: string, args: string[]): void => {
    const [file, ...rest] = asOwner(cmd, args);
    execFileSync(file as string, rest, { stdio: ['ignore', 'ignore', 'pipe'] });
  };
  const dir = mkdtempSync(join(tmpdir(), 'vchat-bench-pg-'));
  if (process.getuid?.() === 0) {
    const id = (flag: string): number => Number(execFileSync('id', [flag, 'postgres']).toString().trim());
    chownSync(dir, id('-u'), id('-g'));
  }
  const port = await freePort();
  const data = join(dir, 'data');
  run('initdb', ['-D', data, '-U', 'vchat', '--auth=trust', '-E', 'UTF8']);
  // Only what a bench needs beyond the defaults: a local port and socket dir, enough connections.
  const options = `-p ${port} -c listen_addresses=127.0.0.1 -k ${dir} -c max_connections=200`;
  run('pg_ctl', ['-D', data, '-l', join(dir, 'server.log'), '-w', '-t', '60', 'start', '-o', options]);
  run('createdb', ['-h', '127.0.0.1', '-p', String(port), '-U', 'vchat', 'vchat_bench']);
  const [psql, ...args] = asOwner('psql', [
    '-h',
    '127.0.0.1',
    '-p',
    String(port),
    '-U',
    'vchat',
    '-d',
    'vchat_bench',
    '-Atc',
    "SELECT string_agg(name || '=' || setting, ', ' ORDER BY name) FROM pg_settings WHERE name IN ('fsync', 'synchronous_commit', 'full_page_writes')",
  ]);
  const settings = spawnSync(psql as string, args)
    .stdout.toString()
    .trim();
  return {
    url: `postgres://vchat@127.0.0.1:${port}/vchat_bench`,
    settings,
    cpuMicros: () => {
      // postmaster.pid's first line is the postmaster's pid.
      const pid = Number(readFileSync(join(data, 'postmaster.pid'), 'utf8').split('\n')[0]);
      return clusterCpuMicros(pid);
    },
    stop: () => {
      try {
        run('pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop']);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
