/** Scale-out test helpers: a cuttable TCP proxy in front of Redis, polling, child servers. */
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

/** A real server process (shared with the other process-level tests). */
export { spawnServer, type ServerProcess as Child } from '../helpers/process.ts';
