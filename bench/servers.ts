/** Fork a bench server (our app or a baseline) as a child process and talk to it over IPC. */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { BatchesReply, CpuReply, MemReply } from './ipc.ts';

export interface BenchServer {
  name: string;
  url: string;
  /** The child's process id. */
  pid: number;
  /** RSS and heap after a full GC in the server process. */
  mem(): Promise<{ rss: number; heapUsed: number }>;
  /** CPU time (user + system) the server process has used so far, µs. */
  cpu(): Promise<number>;
  /** Group-commit batch sizes the server's store has written so far (size -> batches); empty for the memory store. */
  batches(): Promise<Record<string, number>>;
  close(): Promise<void>;
}

const ROOT = fileURLToPath(new URL('../', import.meta.url));

/** A program the server's node runs under (valgrind): `command ...args node ...`. */
export interface Wrapper {
  command: string;
  args: string[];
}

/**
 * Start `bench/<file>` with --expose-gc; resolves once it listens. `cpuProfDir`: also write a
 * --cpu-prof there. `env`: added to the child's environment (e.g. BENCH_STORE=postgres).
 * `under`: run node under that program (bench/instructions.ts: callgrind); `pid` is then its pid.
 */
export function startBenchServer(
  name: string,
  file: string,
  cpuProfDir?: string,
  env?: Record<string, string>,
  under?: Wrapper,
): Promise<BenchServer> {
  const nodeArgs = [
    '--import',
    'tsx',
    '--expose-gc',
    ...(cpuProfDir ? ['--cpu-prof', '--cpu-prof-dir', cpuProfDir] : []),
  ];
  const child: ChildProcess = fork(fileURLToPath(new URL(`./${file}`, import.meta.url)), [], {
    cwd: ROOT,
    ...(under
      ? { execPath: under.command, execArgv: [...under.args, process.execPath, ...nodeArgs] }
      : { execArgv: nodeArgs }),
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    ...(env ? { env: { ...process.env, ...env } } : {}),
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} did not start within 90 s`)), 90_000);
    child.once('exit', (code) => reject(new Error(`${name} exited with ${code} before listening`)));
    child.once('message', (msg: { type: string; port: number }) => {
      clearTimeout(timer);
      resolve({
        name,
        url: `http://127.0.0.1:${msg.port}`,
        pid: child.pid ?? 0,
        mem: () => ask<MemReply>(child, 'mem').then((m) => ({ rss: m.rss, heapUsed: m.heapUsed })),
        cpu: () => ask<CpuReply>(child, 'cpu').then((m) => m.micros),
        batches: () => ask<BatchesReply>(child, 'batches').then((m) => m.sizes),
        close: () =>
          new Promise((res) => {
            if (child.exitCode !== null) {
              res();
              return;
            }
            child.removeAllListeners('exit');
            child.once('exit', () => res());
            child.disconnect();
            // Long enough for a Postgres-backed server to close its pool and drop its database.
            setTimeout(() => child.kill('SIGKILL'), 10_000).unref();
          }),
      });
    });
  });
}

/** Send `{type}` to the child and resolve with its first reply of the same type. */
function ask<T extends { type: string }>(child: ChildProcess, type: T['type']): Promise<T> {
  return new Promise((resolve) => {
    const on = (m: T): void => {
      if (m.type !== type) return;
      child.off('message', on);
      resolve(m);
    };
    child.on('message', on);
    child.send({ type });
  });
}
