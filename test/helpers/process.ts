/**
 * The real entry point as a child process: `node --import tsx src/server/main.ts` on
 * 127.0.0.1:0 with a minimal environment (no storage or Redis variables leak in from the
 * caller's), its JSON log lines collected and awaitable. Used by the shutdown and scale-out
 * tests and by bench/scale.ts.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** Rate limits opened up, so a test's own traffic is never throttled (limit tests set their own). */
export const OPEN_LIMITS_ENV: Record<string, string> = {
  RATE_LIMIT_WRITE_PER_S: '100000',
  RATE_LIMIT_WRITE_BURST: '100000',
  RATE_LIMIT_READ_PER_S: '100000',
  RATE_LIMIT_READ_BURST: '100000',
  WS_MESSAGE_RATE_PER_S: '100000',
  WS_MESSAGE_RATE_BURST: '100000',
  ROOMS_PER_HOUR: '100000',
  USERS_PER_HOUR: '100000',
  MAX_TCP_CONNECTIONS_PER_IP: '100000',
  WS_BYTE_RATE_PER_S: '100000000',
  WS_BYTE_RATE_BURST: '100000000',
  WS_UPGRADE_RATE_PER_S: '100000',
  WS_UPGRADE_RATE_BURST: '100000',
  WS_ABUSE_CLOSES_PER_MIN: '100000',
  WS_ABUSE_CLOSES_BURST: '100000',
  HEALTH_RATE_PER_S: '100000',
  HEALTH_RATE_BURST: '100000',
};

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** performance.now() when the process exited. */
  atMs: number;
}

export interface ServerProcess {
  /** Base URL from the `listening` log line, with 127.0.0.1 for localhost. */
  url: string;
  wsUrl: string;
  proc: ChildProcess;
  /** Every stdout line, parsed as JSON (non-JSON lines as `{msg: text}`). */
  logs: Array<Record<string, any>>;
  /** The first log line (already seen or still to come) matching `pred`. */
  line(pred: (l: Record<string, any>) => boolean, timeoutMs?: number): Promise<Record<string, any>>;
  exited: Promise<Exit>;
  /** SIGTERM and wait for the exit (SIGKILL after `ms`). */
  stop(ms?: number): Promise<void>;
}

/** Node arguments starting the server from source, through tsx (the default). */
export const SOURCE_ENTRY = ['--import', 'tsx', 'src/server/main.ts'];
/** Node arguments starting the built server, as `npm start` does (needs `npm run build:server` first). */
export const BUILT_ENTRY = ['dist/server/main.js'];

/**
 * Spawn the server with `env` on top of PATH, HOME, HOST=127.0.0.1, PORT=0, LOG_LEVEL=info; resolves once it listens.
 * `entryArgs`: the Node arguments naming the entry point (SOURCE_ENTRY or BUILT_ENTRY).
 */
export async function spawnServer(
  env: Record<string, string> = {},
  startTimeoutMs = 20_000,
  entryArgs: string[] = SOURCE_ENTRY,
): Promise<ServerProcess> {
  const proc = spawn(process.execPath, entryArgs, {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      HOST: '127.0.0.1',
      PORT: '0',
      LOG_LEVEL: 'info',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: Array<Record<string, any>> = [];
  const waiters = new Set<() => void>();
  let stderr = '';
  proc.stderr.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString('utf8')).slice(-4000);
  });
  createInterface({ input: proc.stdout }).on('line', (text) => {
    try {
      logs.push(JSON.parse(text) as Record<string, any>);
    } catch {
      logs.push({ msg: text });
    }
    for (const wake of [...waiters]) wake();
  });
  const exited = new Promise<Exit>((resolve) =>
    proc.once('exit', (code, signal) => resolve({ code, signal, atMs: performance.now() })),
  );

  const line: ServerProcess['line'] = (pred, timeoutMs = 15_000) =>
    new Promise((resolve, reject) => {
      const check = (): void => {
        const found = logs.find(pred);
        if (!found) return;
        waiters.delete(check);
        clearTimeout(timer);
        resolve(found);
      };
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(
          new Error(
            `no such log line within ${timeoutMs} ms; stderr: ${stderr.slice(0, 500)}; last: ${JSON.stringify(logs.slice(-3))}`,
          ),
        );
      }, timeoutMs);
      waiters.add(check);
      check();
    });

  const listening = await Promise.race([
    line((l) => l.msg === 'listening' && typeof l.url === 'string', startTimeoutMs),
    exited.then((exit) =>
      Promise.reject(new Error(`server exited with ${exit.code} before listening; stderr: ${stderr}`)),
    ),
  ]).catch((err: unknown) => {
    proc.kill('SIGKILL');
    throw err;
  });
  const url = String(listening.url).replace('localhost', '127.0.0.1');
  return {
    url,
    wsUrl: url.replace(/^http/, 'ws'),
    proc,
    logs,
    line,
    exited,
    async stop(ms = 10_000) {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      const kill = setTimeout(() => proc.kill('SIGKILL'), ms);
      proc.kill('SIGTERM');
      await exited;
      clearTimeout(kill);
    },
  };
}
