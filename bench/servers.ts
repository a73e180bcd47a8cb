/** Fork a bench server (our app or a baseline) as a child process and talk to it over IPC. */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { MemReply } from './ipc.ts';

export interface BenchServer {
  name: string;
  url: string;
  /** RSS and heap after a full GC in the server process. */
  mem(): Promise<{ rss: number; heapUsed: number }>;
  close(): Promise<void>;
}

const ROOT = fileURLToPath(new URL('../', import.meta.url));

/**
 * Start `bench/<file>` with --expose-gc; resolves once it listens. `cpuProfDir`: also write a
 * --cpu-prof there. `env`: added to the child's environment (e.g. BENCH_STORE=postgres).
 */
export function startBenchServer(name: string, file: string, cpuProfDir?: string, env?: Record<string, string>): Promise<BenchServer> {
  const child: ChildProcess = fork(fileURLToPath(new URL(`./${file}`, import.meta.url)), [], {
    cwd: ROOT,
    execArgv: ['--import', 'tsx', '--expose-gc', ...(cpuProfDir ? ['--cpu-prof', '--cpu-prof-dir', cpuProfDir] : [])],
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    ...(env ? { env: { ...process.env, ...env } } : {}),
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} did not start within 20 s`)), 20_000);
    child.once('exit', (code) => reject(new Error(`${name} exited with ${code} before listening`)));
    child.once('message', (msg: { type: string; port: number }) => {
      clearTimeout(timer);
      resolve({
        name,
        url: `http://127.0.0.1:${msg.port}`,
        mem: () =>
          new Promise((res) => {
            const on = (m: MemReply): void => {
              if (m.type !== 'mem') return;
              child.off('message', on);
              res({ rss: m.rss, heapUsed: m.heapUsed });
            };
            child.on('message', on);
            child.send({ type: 'mem' });
          }),
        close: () =>
          new Promise((res) => {
            if (child.exitCode !== null) return res();
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
