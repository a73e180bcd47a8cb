/** Writing responses and reading bodies. Every response carries the request's CORS headers (see finishHeaders). */
import { ErrorCode, type ErrorBody } from '../../shared/protocol.ts';
import { HttpError } from './errors.ts';
import type { Ctx } from './context.ts';

/** Send a JSON body. HEAD requests get the headers only (node:http drops the body). */
export function sendJson(ctx: Ctx, status: number, body: unknown, headers?: Record<string, string>): void {
  const { res } = ctx;
  if (res.headersSent || res.destroyed) return;
  const payload = JSON.stringify(body);
  // A flat [name, value, …] list (node:http takes it as is, without walking an object),
  // built as one literal: push() with many arguments is a builtin call on every response.
  const list = [
    'Vary',
    'Origin',
    'Content-Type',
    'application/json; charset=utf-8',
    'Content-Length',
    String(Buffer.byteLength(payload)),
  ];
  finishHeaders(ctx, status, list, headers);
  res.writeHead(status, list);
  res.end(payload);
}

/** Send bytes of the given media type (thumbnails); the caller's headers say how to cache them. */
export function sendBytes(
  ctx: Ctx,
  status: number,
  body: Buffer,
  contentType: string,
  headers?: Record<string, string>,
): void {
  const { res } = ctx;
  if (res.headersSent || res.destroyed) return;
  const list = ['Vary', 'Origin', 'Content-Type', contentType, 'Content-Length', String(body.length)];
  finishHeaders(ctx, status, list, headers);
  res.writeHead(status, list);
  res.end(body);
}

/** 304 Not Modified: the validators and caching headers only, no body and no Content-Length. */
export function sendNotModified(ctx: Ctx, headers: Record<string, string>): void {
  if (ctx.res.headersSent) return;
  const list = ['Vary', 'Origin'];
  finishHeaders(ctx, 304, list, headers);
  ctx.res.writeHead(304, list);
  ctx.res.end();
}

export function sendEmpty(ctx: Ctx, status: number, headers?: Record<string, string>): void {
  if (ctx.res.headersSent) return;
  const list = ['Vary', 'Origin', 'Content-Length', '0'];
  finishHeaders(ctx, status, list, headers);
  ctx.res.writeHead(status, list);
  ctx.res.end();
}

/**
 * Every response carries Vary: Origin and, for an allowed origin, the allow-origin pair.
 * The other headers go where they have an effect (each one costs node:http two regular
 * expressions and a few string joins per response, ~1,500 instructions; docs/performance.md):
 * - errors carry `X-Request-Id`, the id their log line has (successes are not logged);
 * - reads and errors carry `Cache-Control: no-store` and `nosniff`. A 2xx answer to a POST
 *   or PUT needs neither: no cache may store it without explicit freshness (RFC 9110
 *   §9.3.3), and a browser only reaches it through fetch (a form post is refused 415, an
 *   error, which carries both). The routes that return a secret (sign-up, login) add
 *   `no-store` themselves.
 * Then the caller's extra headers.
 */
function finishHeaders(ctx: Ctx, status: number, list: string[], headers: Record<string, string> | undefined): void {
  // During shutdown a keep-alive connection is closed right after its response instead of
  // idling until keepAliveTimeout (which held shutdown for 6 s after the last request).
  if (ctx.lifecycle.closing) ctx.res.shouldKeepAlive = false;
  if (ctx.observer !== undefined) ctx.observer.responded(ctx, status);
  if (ctx.corsOrigin !== undefined)
    list.push('Access-Control-Allow-Origin', ctx.corsOrigin, 'Access-Control-Allow-Credentials', 'true');
  if (status >= 400) list.push('X-Request-Id', ctx.requestId);
  if (status >= 400 || ctx.method === 'GET' || ctx.method === 'HEAD') {
    // A cacheable read (a thumbnail) names its own Cache-Control.
    if (status >= 400 || headers === undefined || headers['Cache-Control'] === undefined)
      list.push('Cache-Control', 'no-store');
    list.push('X-Content-Type-Options', 'nosniff');
  }
  if (headers) for (const name in headers) list.push(name, headers[name] as string);
}

/** The one place that turns an HttpError into `{detail, code[, errors]}`. */
export function sendError(ctx: Ctx, err: HttpError): void {
  if (err.extra.limit !== undefined && ctx.observer !== undefined) ctx.observer.limited(err.extra.limit);
  const body: ErrorBody = { detail: err.detail, code: err.code };
  if (err.extra.errors) body.errors = err.extra.errors;
  sendJson(ctx, err.status, body, err.extra.headers);
}

/**
 * Read a JSON object body: 415 without application/json, 413 past `maxBytes`,
 * 400 invalid_json when it does not parse or is not an object.
 */
export function readJsonObject(ctx: Ctx, maxBytes: number): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => onJsonObject(ctx, maxBytes, resolve, reject));
}

/** What onJsonObject hands the body to: done when it returns, or when its promise settles. */
export type BodyHandler = (body: Record<string, unknown>) => Promise<void> | void;

/**
 * readJsonObject without a promise, for the hot `POST /rooms/{id}/messages`: `onBody` runs
 * from the body's 'end' event, so with the in-memory store the whole request completes with
 * no promise at all (~3,000 instructions fewer than awaiting the body; docs/performance.md).
 * Every body error, and whatever `onBody` throws or rejects with, goes to `onError`.
 */
export function onJsonObject(ctx: Ctx, maxBytes: number, onBody: BodyHandler, onError: (err: unknown) => void): void {
  const { req } = ctx;
  if (!isJsonType(req.headers['content-type'])) {
    req.resume();
    onError(
      new HttpError(415, ErrorCode.UnsupportedMediaType, 'Send the body as JSON with Content-Type: application/json'),
    );
    return;
  }
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) onError(tooLarge(ctx, maxBytes));
  else readBody(ctx, maxBytes, onBody, onError);
}

/** Hand a parsed body on; a throw or a rejection from `onBody` goes to `onError`. */
function deliver(body: Record<string, unknown>, onBody: BodyHandler, onError: (err: unknown) => void): void {
  try {
    const pending = onBody(body);
    if (pending) pending.then(undefined, onError);
  } catch (err) {
    onError(err);
  }
}

/** The body text as a JSON object, or the 400 that explains why it is not one. */
function parseJsonObject(body: string): Record<string, unknown> | HttpError {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return new HttpError(400, ErrorCode.InvalidJson, 'The request body is not valid JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    return new HttpError(400, ErrorCode.InvalidJson, 'The request body must be a JSON object');
  }
  return parsed as Record<string, unknown>;
}

/** `application/json`, with any parameters (`; charset=utf-8`) and in any case. */
function isJsonType(header: string | undefined): boolean {
  if (header === 'application/json') return true;
  return header !== undefined && header.split(';')[0]?.trim().toLowerCase() === 'application/json';
}

/** 413, and close the connection afterwards: the rest of the body is never read. */
function tooLarge(ctx: Ctx, maxBytes: number): HttpError {
  ctx.res.shouldKeepAlive = false;
  return new HttpError(413, ErrorCode.PayloadTooLarge, `The request body is larger than ${maxBytes} bytes`, {
    headers: { Connection: 'close' },
  });
}

/**
 * The whole body, at most `maxBytes` (413 past it), parsed as a JSON object for `onBody`. Plain
 * 'data'/'end' listeners: the async iterator costs several promises per chunk on the hot POST
 * path. Whichever listener fires first settles the body; the others then do nothing.
 */
function readBody(ctx: Ctx, maxBytes: number, onBody: BodyHandler, onError: (err: unknown) => void): void {
  const { req } = ctx;
  const chunks: Buffer[] = [];
  let size = 0;
  let settled = false;
  req.on('data', (chunk: Buffer) => {
    if (settled) return;
    size += chunk.length;
    if (size > maxBytes) {
      settled = true;
      req.resume();
      onError(tooLarge(ctx, maxBytes));
      return;
    }
    chunks.push(chunk);
  });
  req.on('end', () => {
    if (settled) return;
    settled = true;
    const parsed = parseJsonObject(
      chunks.length === 1 ? (chunks[0] as Buffer).toString('utf8') : Buffer.concat(chunks, size).toString('utf8'),
    );
    if (parsed instanceof HttpError) onError(parsed);
    else deliver(parsed, onBody, onError);
  });
  // The client went away mid-body: its fault, not a 500 worth an error log. 'close' follows
  // every abort; a request emits 'error' only to listeners of its own, so none is added.
  req.on('close', () => {
    if (settled) return;
    settled = true;
    onError(bodyCutShort());
  });
}

function bodyCutShort(): HttpError {
  return new HttpError(400, ErrorCode.InvalidJson, 'The request body ended before its Content-Length');
}
