/**
 * Request-body bytes in flight, per client IP and in total (issue 15 finding 2): each request
 * with a body reserves its declared size (a chunked body: the largest allowed) before a byte
 * is read, and gives it back when its response is done or the connection goes. So half-sent
 * 1 MiB POSTs from one address can pin at most its budget, not hundreds of MB.
 */
import type { Ctx } from '../http/context.ts';
import type { HttpError } from '../http/errors.ts';
import { limitRefused, serverBusy } from './refusal.ts';

/** How long a refused uploader is told to wait: a stalled upload holds its share up to REQUEST_TIMEOUT_MS. */
const RETRY_AFTER_S = 5;

export class BodyBudget {
  private readonly byIp = new Map<string, number>();
  private total = 0;

  constructor(
    /** Most body bytes being read at once from one client IP. */
    private readonly maxBytesPerIp: number,
    /** Most body bytes being read at once from everyone. */
    private readonly maxBytesTotal: number,
    /** The largest body a request may have (MAX_BODY_BYTES): what a chunked body reserves. */
    private readonly maxBodyBytes: number,
  ) {}

  /** Bytes reserved now, in total (tests, /health). */
  get inFlightBytes(): number {
    return this.total;
  }

  /**
   * Reserve the body of `ctx`'s request, released when its response closes. Undefined when
   * admitted (or there is no body); else the error to answer, and the connection is closed
   * after it so the unread body is never read.
   */
  admit(ctx: Ctx): HttpError | undefined {
    const { req } = ctx;
    const length = req.headers['content-length'];
    let bytes: number;
    if (length !== undefined) {
      bytes = Math.min(Number(length) || 0, this.maxBodyBytes + 1);
      if (bytes === 0) return undefined;
    } else if (req.headers['transfer-encoding'] !== undefined) {
      bytes = this.maxBodyBytes;
    } else return undefined;
    const ip = ctx.ip;
    const mine = this.byIp.get(ip) ?? 0;
    if (mine + bytes > this.maxBytesPerIp && mine > 0)
      return this.refuse(ctx, limitRefused('body_bytes', RETRY_AFTER_S * 1000));
    if (this.total + bytes > this.maxBytesTotal && this.total > 0) return this.refuse(ctx, serverBusy(RETRY_AFTER_S));
    this.byIp.set(ip, mine + bytes);
    this.total += bytes;
    ctx.res.once('close', () => this.release(ip, bytes));
    return undefined;
  }

  private release(ip: string, bytes: number): void {
    this.total -= bytes;
    const left = (this.byIp.get(ip) ?? bytes) - bytes;
    if (left <= 0) this.byIp.delete(ip);
    else this.byIp.set(ip, left);
  }

  private refuse(ctx: Ctx, err: HttpError): HttpError {
    ctx.res.shouldKeepAlive = false;
    err.extra.headers = { ...err.extra.headers, Connection: 'close' };
    return err;
  }
}
