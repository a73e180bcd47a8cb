/**
 * A small JSON HTTP client over undici.request: sends an explicit Origin header (fetch
 * would forbid it), bounds every request with a timeout, always consumes the body, and
 * reports status, lower-cased headers, the raw text, the parsed JSON and the time taken.
 * Shared by `vchat verify`, `vchat load` and `vchat soak`.
 */
import { Agent, request, type Dispatcher } from 'undici';

/** One request. `url` is absolute, or a path joined to `base`. */
export interface HttpRequest {
  method?: 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'OPTIONS';
  /** Absolute URL, or a path (starting with `/`) resolved against `base`. */
  url: string;
  /** Base URL (may carry a path prefix, e.g. `https://host/api`). */
  base?: string;
  /** `Origin` header to send; omitted when null/undefined. */
  origin?: string | null;
  /** Extra request headers. */
  headers?: Record<string, string>;
  /** Sent as JSON with `Content-Type: application/json`. */
  json?: unknown;
  /** Raw body; used when `json` is undefined. */
  body?: string | Buffer;
  /** Whole-request deadline (connect + headers + body), in milliseconds. */
  timeoutMs?: number;
  /** undici dispatcher (connection pool); defaults to undici's global one. */
  dispatcher?: Dispatcher;
}

/** What came back. `json` is undefined when the body is empty or not JSON. */
export interface HttpResponse {
  status: number;
  /** Header names lower-cased; repeated headers joined with ", ". */
  headers: Record<string, string>;
  text: string;
  json: unknown;
  /** Milliseconds from sending the request to the end of the body. */
  ms: number;
  /** The absolute URL that was requested. */
  url: string;
}

/** `Authorization: Bearer <token>` as a header object. */
export function bearerHeaders(token: string): Record<string, string> {
  return { authorization: `Bearer ${token}` };
}

/** Resolve `path` against `base`, keeping any path prefix of the base (`/api` + `/rooms`). */
export function joinUrl(base: string, path: string): string {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(path)) return path;
  return base.replace(/\/+$/, '') + (path.startsWith('/') ? path : `/${path}`);
}

/** Flatten undici's header record to lower-case name -> single string. */
export function flattenHeaders(raw: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(raw)) {
    if (value === undefined) continue;
    out[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

/** Parse JSON text, or undefined when it is empty or not JSON. */
export function parseJson(text: string): unknown {
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Send one request and read the whole body. Network errors and timeouts throw (see net-error.ts). */
export async function httpRequest(req: HttpRequest): Promise<HttpResponse> {
  const url = req.base ? joinUrl(req.base, req.url) : req.url;
  const headers: Record<string, string> = { accept: 'application/json', ...req.headers };
  if (req.origin) headers.origin = req.origin;
  let body: string | Buffer | undefined = req.body;
  if (req.json !== undefined) {
    body = JSON.stringify(req.json);
    headers['content-type'] ??= 'application/json';
  }
  const started = performance.now();
  const res = await request(url, {
    method: req.method ?? 'GET',
    headers,
    body: body ?? null,
    signal: req.timeoutMs ? AbortSignal.timeout(req.timeoutMs) : undefined,
    dispatcher: req.dispatcher,
  });
  // Always consume the body: an unread body pins the pooled connection (undici docs).
  const text = await res.body.text();
  return {
    status: res.statusCode,
    headers: flattenHeaders(res.headers),
    text,
    json: parseJson(text),
    ms: performance.now() - started,
    url,
  };
}

/** A connection pool of its own, so a command can close every socket it opened when done. */
export function createPool(options: { connections?: number; keepAliveTimeoutMs?: number } = {}): Agent {
  return new Agent({ connections: options.connections ?? null, keepAliveTimeout: options.keepAliveTimeoutMs ?? 4000 });
}
