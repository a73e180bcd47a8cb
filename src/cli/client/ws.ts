/**
 * A WebSocket client over `ws` for checking servers: connect with an explicit Origin and
 * learn either "101, here is the socket" or "refused with HTTP <status> and <body>"; record
 * every frame; await frames with `waitFor(predicate, timeoutMs)` instead of sleeping; learn
 * the close code and reason. Shared by `vchat verify`, `vchat load` and `vchat soak`.
 */
import WebSocket from 'ws';
import { describeNetError } from './net-error.ts';

/** A received text frame: its text, the parsed JSON (undefined if not JSON) and when it came. */
export interface ReceivedFrame {
  text: string;
  json: unknown;
  /** performance.now() at arrival. */
  atMs: number;
}

/** How a socket closed. `code` 1006 means no close frame (the connection dropped). */
export interface CloseInfo {
  code: number;
  reason: string;
}

/** Connection options. */
export interface WsConnectOptions {
  /** Full ws:// or wss:// URL including path and query. */
  url: string;
  /** `Origin` header; omitted when null/undefined. */
  origin?: string | null;
  headers?: Record<string, string>;
  /** Deadline for the opening handshake, in milliseconds. */
  timeoutMs?: number;
  /** Keep at most this many received frames in `frames` (oldest dropped); default unlimited. */
  maxKeptFrames?: number;
}

/** The handshake result: an open socket, or why there is none. */
export type WsConnectResult =
  | { ok: true; status: 101; socket: WsClient; ms: number }
  | {
      ok: false;
      /** HTTP status of a refused upgrade; undefined for network errors and timeouts. */
      status?: number;
      /** Body of the refused upgrade (often JSON like `{"detail": …}`). */
      body?: string;
      headers?: Record<string, string>;
      /** Network-level failure in one line (refused, DNS, TLS, timeout). */
      error?: string;
      ms: number;
    };

/** Thrown by `waitFor` when time runs out or the socket closes first. */
export class WaitError extends Error {
  override name = 'WaitError';
  constructor(
    message: string,
    /** 'timeout' or 'closed'. */
    readonly reason: 'timeout' | 'closed',
    /** Set when the socket closed while waiting. */
    readonly close?: CloseInfo,
  ) {
    super(message);
  }
}

type Waiter = {
  pred: (f: ReceivedFrame) => boolean;
  resolve: (f: ReceivedFrame) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
};

/** An open socket with a frame log. Frames are never consumed: `waitFor` scans the log, then waits. */
export class WsClient {
  /** Every text frame received so far (bounded by maxKeptFrames). */
  readonly frames: ReceivedFrame[] = [];
  /** Resolves once when the socket closes. */
  readonly closed: Promise<CloseInfo>;
  /** Set once the socket has closed. */
  closeInfo: CloseInfo | undefined;
  private readonly waiters = new Set<Waiter>();
  private readonly listeners = new Set<(f: ReceivedFrame) => void>();

  constructor(
    /** The underlying `ws` socket (for bufferedAmount, ping, etc.). */
    readonly raw: WebSocket,
    private readonly maxKeptFrames = Number.POSITIVE_INFINITY,
  ) {
    raw.on('message', (data, isBinary) => {
      if (isBinary) return;
      const text = String(data);
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        json = undefined;
      }
      const frame: ReceivedFrame = { text, json, atMs: performance.now() };
      this.frames.push(frame);
      if (this.frames.length > this.maxKeptFrames) this.frames.shift();
      for (const fn of this.listeners) fn(frame);
      for (const w of [...this.waiters]) {
        if (w.pred(frame)) this.settle(w, () => w.resolve(frame));
      }
    });
    this.closed = new Promise((resolve) => {
      raw.on('close', (code, reason) => {
        this.closeInfo = { code, reason: String(reason) };
        for (const w of [...this.waiters]) {
          this.settle(w, () =>
            w.reject(
              new WaitError(
                `socket closed (${code}${reason.length ? ` ${String(reason)}` : ''}) before a matching frame arrived`,
                'closed',
                this.closeInfo,
              ),
            ),
          );
        }
        resolve(this.closeInfo);
      });
    });
    // An error listener on every socket (ws README): errors end in 'close' anyway.
    raw.on('error', () => {});
  }

  /** True while the socket can send. */
  get isOpen(): boolean {
    return this.raw.readyState === WebSocket.OPEN;
  }

  /** Send a JSON value (or a string as-is) as one text frame. */
  send(frame: unknown): void {
    this.raw.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  }

  /** Call `fn` for every frame from now on; returns an unsubscribe function. */
  onFrame(fn: (f: ReceivedFrame) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** The first frame (already received or future) matching `pred`; rejects with WaitError on timeout or close. */
  waitFor(pred: (f: ReceivedFrame) => boolean, timeoutMs: number): Promise<ReceivedFrame> {
    const seen = this.frames.find(pred);
    if (seen) return Promise.resolve(seen);
    if (this.closeInfo) {
      const { code, reason } = this.closeInfo;
      return Promise.reject(
        new WaitError(
          `socket closed (${code}${reason ? ` ${reason}` : ''}) before a matching frame arrived`,
          'closed',
          this.closeInfo,
        ),
      );
    }
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        pred,
        resolve,
        reject,
        timer: setTimeout(
          () => this.settle(waiter, () => reject(new WaitError(`no matching frame within ${timeoutMs} ms`, 'timeout'))),
          timeoutMs,
        ),
      };
      this.waiters.add(waiter);
    });
  }

  /** The close info, or undefined if the socket is still open after `timeoutMs`. */
  async waitForClose(timeoutMs: number): Promise<CloseInfo | undefined> {
    if (this.closeInfo) return this.closeInfo;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<undefined>((resolve) => (timer = setTimeout(resolve, timeoutMs, undefined)));
    try {
      return await Promise.race([this.closed, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Close politely (default 1000) and wait for the close, terminating after `timeoutMs`. */
  async close(code = 1000, reason = '', timeoutMs = 2000): Promise<CloseInfo> {
    if (this.closeInfo) return this.closeInfo;
    if (this.raw.readyState === WebSocket.OPEN) this.raw.close(code, reason);
    const info = await this.waitForClose(timeoutMs);
    if (info) return info;
    this.raw.terminate();
    return this.closed;
  }

  private settle(w: Waiter, fn: () => void): void {
    if (!this.waiters.delete(w)) return;
    clearTimeout(w.timer);
    fn();
  }
}

/** Convert an http(s) URL to ws(s), keeping host and path prefix: `https://h/api` -> `wss://h/api`. */
export function toWsUrl(httpUrl: string): string {
  return httpUrl.replace(/^http(s?):\/\//i, (_m, s: string) => `ws${s}://`);
}

/** Open a WebSocket and report the handshake outcome; never throws for network or HTTP failures. */
export function wsConnect(options: WsConnectOptions): Promise<WsConnectResult> {
  const started = performance.now();
  const elapsed = () => performance.now() - started;
  return new Promise((resolve) => {
    let raw: WebSocket;
    try {
      raw = new WebSocket(options.url, {
        origin: options.origin ?? undefined,
        headers: options.headers,
        perMessageDeflate: false,
        handshakeTimeout: options.timeoutMs,
      });
    } catch (err) {
      resolve({ ok: false, error: describeNetError(err), ms: elapsed() });
      return;
    }
    // Wrap at once so frames sent right after the handshake are recorded.
    const client = new WsClient(raw, options.maxKeptFrames);
    let done = false;
    const finish = (result: WsConnectResult) => {
      if (done) return;
      done = true;
      resolve(result);
    };
    raw.once('open', () => finish({ ok: true, status: 101, socket: client, ms: elapsed() }));
    raw.once('unexpected-response', (req, res) => {
      const chunks: Buffer[] = [];
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(res.headers))
        if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(', ') : v;
      const end = () => {
        finish({
          ok: false,
          status: res.statusCode,
          body: Buffer.concat(chunks).toString('utf8').slice(0, 2000),
          headers,
          ms: elapsed(),
        });
        req.destroy();
      };
      res.on('data', (c: Buffer) => chunks.push(c));
      res.once('end', end);
      res.once('error', end);
      res.once('close', end);
    });
    raw.once('error', (err) =>
      finish({
        ok: false,
        error: /timeout/i.test(err.message) ? 'opening handshake timed out' : describeNetError(err),
        ms: elapsed(),
      }),
    );
    raw.once('close', (code) => finish({ ok: false, error: `closed during the handshake (${code})`, ms: elapsed() }));
  });
}
