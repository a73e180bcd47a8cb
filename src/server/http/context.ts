/** Per-request state handed to every route handler. */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RequestAuth } from '../auth/guard.ts';

/** Request ids: a random per-process prefix and a counter (random bytes per request cost 4% of CPU). */
const ID_PREFIX = randomBytes(4).toString('hex');
let idCounter = 0;

/**
 * A class rather than an object literal: every field is set in the constructor, so all
 * contexts share one shape, and the lazy `url` is a prototype getter (a getter in a literal
 * makes V8 define an accessor on every request, a slow runtime path).
 */
export class Ctx {
  /** Short id that ties a request to its log lines. */
  readonly requestId = `${ID_PREFIX}-${(++idCounter).toString(36)}`;
  readonly method: string;
  /** The raw path, without the query string. */
  readonly path: string;
  /** The Origin header, if any. */
  readonly origin: string | undefined;
  /** Path parameters from the router. */
  params: Record<string, string> = {};
  /** Who the request acts as; set by the auth guard (auth/guard.ts) before the route runs. */
  auth: RequestAuth | undefined = undefined;
  private parsedUrl: URL | undefined = undefined;

  constructor(
    readonly req: IncomingMessage,
    readonly res: ServerResponse,
    /** The Origin to echo in Access-Control-Allow-Origin; undefined when it is not allowed. */
    readonly corsOrigin: string | undefined,
    /** Client IP (after TRUST_PROXY handling). */
    readonly ip: string,
    /** Shared with the app: set when shutdown starts. */
    readonly lifecycle: { readonly closing: boolean },
  ) {
    const origin = req.headers.origin;
    this.origin = typeof origin === 'string' ? origin : undefined;
    this.method = (req.method ?? 'GET').toUpperCase();
    const raw = req.url ?? '/';
    const q = raw.indexOf('?');
    this.path = q === -1 ? raw : raw.slice(0, q);
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
