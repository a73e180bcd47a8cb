/** A WebSocket test client: frames are queued and awaited, never slept for. */
import WebSocket from 'ws';
import { ORIGIN } from './server.ts';

export interface Closed {
  code: number;
  reason: string;
}

export interface TestSocket {
  ws: WebSocket;
  /** Every frame received so far, parsed. */
  frames: any[];
  /** Resolves with the next frame (including already-received unread ones) matching `pred`. */
  next(pred?: (f: any) => boolean, timeoutMs?: number): Promise<any>;
  send(frame: unknown): void;
  closed: Promise<Closed>;
  close(): Promise<Closed>;
}

export interface OpenOptions {
  origin?: string | null;
  headers?: Record<string, string>;
  /** Source address (a 127.0.0.x) for tests of per-IP budgets. */
  localAddress?: string;
}

/** Open a socket and wait for the handshake. Rejects with {status, body} on a refused upgrade. */
export function openSocket(url: string, opts: OpenOptions = {}): Promise<TestSocket> {
  const headers: Record<string, string> = { ...opts.headers };
  const ws = new WebSocket(url, {
    headers,
    origin: opts.origin === null ? undefined : (opts.origin ?? ORIGIN),
    perMessageDeflate: false,
    ...(opts.localAddress ? { localAddress: opts.localAddress } : {}),
  });
  const frames: any[] = [];
  const waiters: Array<{ pred: (f: any) => boolean; resolve: (f: any) => void }> = [];
  ws.on('message', (data) => {
    const frame = JSON.parse(String(data));
    frames.push(frame);
    for (let i = 0; i < waiters.length; i++) {
      const w = waiters[i]!;
      if (w.pred(frame)) {
        waiters.splice(i, 1);
        w.resolve(frame);
        return;
      }
    }
  });
  const closed = new Promise<Closed>((resolve) =>
    ws.on('close', (code, reason) => resolve({ code, reason: String(reason) })),
  );
  const consumed = new Set<number>();
  const socket: TestSocket = {
    ws,
    frames,
    next(pred = () => true, timeoutMs = 5000) {
      for (let i = 0; i < frames.length; i++) {
        if (!consumed.has(i) && pred(frames[i])) {
          consumed.add(i);
          return Promise.resolve(frames[i]);
        }
      }
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`no matching frame within ${timeoutMs} ms; got ${JSON.stringify(frames.slice(-5))}`)),
          timeoutMs,
        );
        const waiter = {
          pred,
          resolve: (f: any) => {
            clearTimeout(timer);
            consumed.add(frames.indexOf(f));
            resolve(f);
          },
        };
        waiters.push(waiter);
      });
    },
    send(frame) {
      ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
    },
    closed,
    close() {
      if (ws.readyState === WebSocket.OPEN || ws.readyState === WebSocket.CONNECTING) ws.close(1000);
      return closed;
    },
  };
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(socket));
    ws.once('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () =>
        reject(
          Object.assign(new Error(`upgrade refused: ${res.statusCode}`), {
            status: res.statusCode,
            body,
            headers: res.headers,
          }),
        ),
      );
    });
    ws.once('error', (err) => reject(err));
  });
}
