/**
 * A TCP proxy on a fixed local port that can be cut (the database or Redis "goes away"),
 * restored, or frozen (a hung server: connections stay open, no byte moves). Only the test's
 * own connections go through it, so other tests sharing the service are unaffected. Also the
 * polling helper for states reached through the network.
 */
import { connect, createServer, type Server, type Socket } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';

export interface TcpProxy {
  /** The local port; put it in the database URL instead of the real one. */
  port: number;
  /** Drop every connection and refuse new ones. */
  cut(): Promise<void>;
  /** Accept again on the same port. */
  restore(): Promise<void>;
  /** Hang: keep every connection open but move no bytes either way. */
  freeze(): void;
  thaw(): void;
  close(): Promise<void>;
}

/** Start a proxy to host:port. Only this test's connections go through it, so other tests sharing the database are unaffected. */
export async function tcpProxy(host: string, port: number): Promise<TcpProxy> {
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  let listenPort = 0;
  const listen = (): Promise<void> =>
    new Promise((resolve, reject) => {
      const s = createServer((client) => {
        const upstream = connect(port, host);
        for (const sock of [client, upstream]) {
          sockets.add(sock);
          sock.on('error', () => undefined);
          sock.on('close', () => {
            sockets.delete(sock);
            client.destroy();
            upstream.destroy();
          });
        }
        client.pipe(upstream);
        upstream.pipe(client);
      });
      s.once('error', reject);
      s.listen(listenPort, '127.0.0.1', () => {
        listenPort = (s.address() as { port: number }).port;
        server = s;
        resolve();
      });
    });
  const stop = (): Promise<void> =>
    new Promise((resolve) => {
      for (const sock of sockets) sock.destroy();
      const s = server;
      server = undefined;
      if (!s) {
        resolve();
        return;
      }
      s.close(() => resolve());
    });
  await listen();
  return {
    port: listenPort,
    cut: stop,
    restore: listen,
    close: stop,
    freeze: () => sockets.forEach((sock) => sock.pause()),
    thaw: () => sockets.forEach((sock) => sock.resume()),
  };
}

/** `url` with its host and port replaced by the proxy's. */
export function viaProxy(url: string, proxy: TcpProxy): string {
  const u = new URL(url);
  u.hostname = '127.0.0.1';
  u.port = String(proxy.port);
  return u.toString();
}

/** Poll `check` until it returns a truthy value (a state reached through the network, not a timer); errors count as not yet. */
export async function waitUntil<T>(
  what: string,
  check: () => Promise<T> | T,
  timeoutMs = 10_000,
  everyMs = 50,
): Promise<NonNullable<T>> {
  const until = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v) return v;
      last = v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > until)
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what}; last: ${last instanceof Error ? last.message : JSON.stringify(last)}`,
      );
    await delay(everyMs);
  }
}

/** `waitUntil` for a boolean check, with the store tests' longer default timeout. */
export async function eventually(check: () => Promise<boolean>, timeoutMs = 15_000, everyMs = 100): Promise<void> {
  await waitUntil('condition', check, timeoutMs, everyMs);
}
