/** Per-request state handed to every route handler. */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

/** Told about every response head written (GET /metrics); absent when metrics are off. */
export interface ResponseObserver {
  responded(ctx: Ctx, status: number): void;
  /** A 429 from the named budget (limits/refusal.ts LimitKind). */
  limited(limit: string): void;
}

/**
 * Request ids: a random per-process prefix and a counter. Random bytes for every request
 * showed up in CPU profiles of the request path (docs/performance.md, "Numbers behind code comments").
 */
const ID_PREFIX = randomBytes(4).toString('hex');
let idCounter = 0;

/**
 * A class rather than an object literal, so all contexts share one shape and the lazy `url`
 * is a prototype getter (a getter in a literal makes V8 define an accessor on every request,
 * a slow runtime path). Fields are `declare`d and assigned in the constructor: plain stores,
 * not the define-property semantics of class field initializers.
 */
export class Ctx {
  declare readonly req: IncomingMessage;
  declare readonly res: ServerResponse;
  declare readonly method: string;
  /** The raw path, without the query string. */
  declare readonly path: string;
  /** The Origin header, if any. */
  declare readonly origin: string | undefined;
  /** The Origin to echo in Access-Control-Allow-Origin; undefined when it is not allowed. */
  declare readonly corsOrigin: string | undefined;
  /** Client IP (after TRUST_PROXY handling). */
  declare readonly ip: string;
  /** Shared with the app: set when shutdown starts. */
  declare readonly lifecycle: { readonly closing: boolean };
  /** Path parameters from the router. */
  declare params: Record<string, string>;
  /** The matched route's pattern (`/rooms/:id`), set by the pipeline after routing; a metrics label. */
  declare route: string | undefined;
  /** Set by the pipeline when metrics are on, with the request's start time (performance.now()). */
  declare observer: ResponseObserver | undefined;
  declare startMs: number;
  declare private parsedUrl: URL | undefined;
  declare private id: string | undefined;

  constructor(
    req: IncomingMessage,
    res: ServerResponse,
    origin: string | undefined,
    corsOrigin: string | undefined,
    ip: string,
    lifecycle: { readonly closing: boolean },
  ) {
    const raw = req.url ?? '/';
    const q = raw.indexOf('?');
    this.req = req;
    this.res = res;
    // llhttp only accepts upper-case method names, so no toUpperCase() per request.
    this.method = req.method ?? 'GET';
    this.path = q === -1 ? raw : raw.slice(0, q);
    this.origin = origin;
    this.corsOrigin = corsOrigin;
    this.ip = ip;
    this.lifecycle = lifecycle;
    this.params = {};
    this.route = undefined;
    this.observer = undefined;
    this.startMs = 0;
    this.parsedUrl = undefined;
    this.id = undefined;
  }

  /** Short id that ties an error response to its log line (made on first use: successes never need one). */
  get requestId(): string {
    if (this.id === undefined) this.id = `${ID_PREFIX}-${(++idCounter).toString(36)}`;
    return this.id;
  }

  /** The parsed URL (built on first use: most requests never need the query). */
  get url(): URL {
    if (!this.parsedUrl) {
      try {
        this.parsedUrl = new URL(this.req.url ?? '/', 'http://localhost');
      } catch {
        this.parsedUrl = new URL('http://localhost/');
      }
    }
    return this.parsedUrl;
  }
}
