/** Writing responses and reading bodies. Every response carries the request's CORS headers. */
import { ErrorCode } from '../../shared/protocol.ts';
import { HttpError } from './errors.ts';
import type { Ctx } from './context.ts';

/** Send a JSON body. HEAD requests get the headers only (node:http drops the body). */
export function sendJson(ctx: Ctx, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const { res } = ctx;
  if (res.headersSent || res.destroyed) return;
  const payload = JSON.stringify(body);
  res.writeHead(status, {
    ...ctx.cors,
    Vary: 'Origin',
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(payload),
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
    ...headers,
  });
  res.end(payload);
}

export function sendEmpty(ctx: Ctx, status: number, headers: Record<string, string>): void {
  if (ctx.res.headersSent) return;
  ctx.res.writeHead(status, { Vary: 'Origin', 'Content-Length': '0', ...headers });
  ctx.res.end();
}

/** The one place that turns an HttpError into `{detail, code[, errors]}`. */
export function sendError(ctx: Ctx, err: HttpError): void {
  const body: Record<string, unknown> = { detail: err.detail, code: err.code };
  if (err.extra.errors) body.errors = err.extra.errors;
  sendJson(ctx, err.status, body, err.extra.headers);
}

/**
 * Read a JSON object body: 415 without application/json, 413 past `maxBytes`,
 * 400 invalid_json when it does not parse or is not an object.
 */
export async function readJsonObject(ctx: Ctx, maxBytes: number): Promise<Record<string, unknown>> {
  const { req } = ctx;
  const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
  if (type !== 'application/json') {
    req.resume();
    throw new HttpError(415, ErrorCode.UnsupportedMediaType, 'Send the body as JSON with Content-Type: application/json');
  }
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) throw tooLarge(ctx, maxBytes);
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of req as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > maxBytes) throw tooLarge(ctx, maxBytes);
      chunks.push(chunk);
    }
  } catch (err) {
    if (err instanceof HttpError) throw err;
    // The client went away mid-body ("aborted"): its fault, not a 500 worth an error log.
    throw new HttpError(400, ErrorCode.InvalidJson, 'The request body ended before its Content-Length');
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.concat(chunks, size).toString('utf8'));
  } catch {
    throw new HttpError(400, ErrorCode.InvalidJson, 'The request body is not valid JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new HttpError(400, ErrorCode.InvalidJson, 'The request body must be a JSON object');
  }
  return parsed as Record<string, unknown>;
}

/** 413, and close the connection afterwards: the rest of the body is never read. */
function tooLarge(ctx: Ctx, maxBytes: number): HttpError {
  ctx.res.shouldKeepAlive = false;
  return new HttpError(413, ErrorCode.PayloadTooLarge, `The request body is larger than ${maxBytes} bytes`, {
    headers: { Connection: 'close' },
  });
}
