/** Scale-out test helpers: a cuttable TCP proxy in front of Redis, polling, child servers. */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';

export const REDIS_URL = process.env.VCHAT_TEST_REDIS_URL;
export const DATABASE_URL = process.env.VCHAT_TEST_DATABASE_URL;

/** A fresh key/channel namespace, so runs sharing one Redis never see each other. */
export function uniquePrefix(): string {
  return `vchat-test-${randomBytes(4).toString('hex')}`;
}

export interface Proxy {
  /** redis://127.0.0.1:<proxy port> */
  url: string;
  /** Simulate a Redis outage: drop every connection and refuse new ones. */
  cut(): Promise<void>;
  /** Redis is back: accept again on the same port. */
  restore(): Promise<void>;
  /** Simulate a hung Redis: connections stay open but no byte moves either way. */
  freeze(): void;
  thaw(): void;
  close(): Promise<void>;
}

/** A TCP proxy to `target` (redis://host:port) on a fixed local port that can be cut and restored. */
export async function redisProxy(target: string): Promise<Proxy> {
  const { hostname, port } = new URL(target);
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  let listenPort = 0;
  const listen = (): Promise<void> =>
    new Promise((resolve, reject) => {
      server = createServer((client) => {
        const upstream = connect(Number(port), hostname);
        for (const s of [client, upstream]) {
          sockets.add(s);
          s.on('error', () => undefined);
          s.on('close', () => {
            sockets.delete(s);
            client.destroy();
            upstream.destroy();
          });
        }
        client.pipe(upstream);
        upstream.pipe(client);
      });
      server.once('error', reject);
      server.listen(listenPort, '127.0.0.1', () => {
        listenPort = (server!.address() as { port: number }).port;
        resolve();
      });
    });
  const stop = (): Promise<void> =>
    new Promise((resolve) => {
      for (const s of sockets) s.destroy();
      if (!server) return resolve();
      server.close(() => resolve());
      server = undefined;
    });
  await listen();
  return {
    url: `redis://127.0.0.1:${listenPort}`,
    cut: stop,
    restore: listen,
    close: stop,
    freeze: () => sockets.forEach((s) => s.pause()),
    thaw: () => sockets.forEach((s) => s.resume()),
  };
}

/** Poll `check` until it returns a truthy value (a state reached through the network, not a timer). */
export async function waitUntil<T>(what: string, check: () => Promise<T> | T, timeoutMs = 10_000, everyMs = 50): Promise<NonNullable<T>> {
  const until = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v) return v as NonNullable<T>;
      last = v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last: ${String(last instanceof Error ? last.message : JSON.stringify(last))}`);
    await delay(everyMs);
  }
}

export interface Child {
  url: string;
  wsUrl: string;
  proc: ChildProcess;
  /** Every stdout line parsed as JSON (the server's log). */
  logs: Array<Record<string, unknown>>;
  exited: Promise<number | null>;
  /** SIGTERM and wait for the exit (SIGKILL after `ms`). */
  stop(ms?: number): Promise<void>;
}

/** `node --import tsx src/server/main.ts` on 127.0.0.1:0; resolves once its `listening` log line names the url. */
export function spawnServer(env: Record<string, string>, startTimeoutMs = 20_000): Promise<Child> {
  const proc = spawn(process.execPath, ['--import', 'tsx', 'src/server/main.ts'], {
    cwd: new URL('../..', import.meta.url).pathname,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: Array<Record<string, unknown>> = [];
  let stderr = '';
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error(`server did not start within ${startTimeoutMs} ms; stderr: ${stderr}`));
    }, startTimeoutMs);
    let buf = '';
    proc.stdout!.on('data', (chunk: Buffer) => {
      buf += chunk.toString('utf8');
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        let entry: Record<string, unknown>;
        try {
          entry = JSON.parse(line) as Record<string, unknown>;
        } catch {
          continue;
        }
        logs.push(entry);
        if (entry.msg === 'listening' && typeof entry.url === 'string') {
          clearTimeout(timer);
          const url = entry.url.replace('localhost', '127.0.0.1');
          resolve({
            url,
            wsUrl: url.replace(/^http/, 'ws'),
            proc,
            logs,
            exited,
            async stop(ms = 10_000) {
              if (proc.exitCode !== null || proc.signalCode !== null) return;
              const kill = setTimeout(() => proc.kill('SIGKILL'), ms);
              proc.kill('SIGTERM');
              await exited;
              clearTimeout(kill);
            },
          });
        }
      }
    });
    proc.stderr!.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString('utf8')).slice(-4000);
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code} before listening; stderr: ${stderr}`));
    });
  });
}
