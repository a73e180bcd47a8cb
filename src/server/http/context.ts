/** Per-request state handed to every route handler. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RequestAuth } from '../auth/guard.ts';

export interface Ctx {
  req: IncomingMessage;
  res: ServerResponse;
  /** Short id that ties a request to its log lines. */
  requestId: string;
  method: string;
  /** The raw path, without the query string. */
  path: string;
  /** The parsed URL (built on first use: most requests never need the query). */
  readonly url: URL;
  /** The Origin header, if any. */
  origin: string | undefined;
  /** CORS headers for this request (empty when the origin is not allowed). */
  cors: Record<string, string>;
  /** Client IP (after TRUST_PROXY handling). */
  ip: string;
  /** Path parameters from the router. */
  params: Record<string, string>;
  /** Shared with the app: set when shutdown starts. */
  lifecycle: { readonly closing: boolean };
  /** Who the request acts as; set by the auth guard (auth/guard.ts) before the route runs. */
  auth?: RequestAuth;
}
