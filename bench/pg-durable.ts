/**
 * A throwaway Postgres with its DEFAULT durable settings (fsync on, synchronous_commit on,
 * full_page_writes on) for the durable-store bench: .ci/postgres.sh runs its server with fsync
 * off, which would flatter every commit. Data directory on disk under the OS temp dir, 127.0.0.1
 * only, trust auth, removed on stop. BENCH_DURABLE_DATABASE_URL instead names a server of your own.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface DurablePostgres {
  /** A database URL on the server (the bench creates fresh databases from it). */
  url: string;
  /** The server's `fsync` and `synchronous_commit` as it reports them. */
  settings: string;
  stop(): void;
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
  if (given) return { url: given, settings: 'as configured on BENCH_DURABLE_DATABASE_URL', stop: () => undefined };
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
    stop: () => {
      try {
        run('pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop']);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
