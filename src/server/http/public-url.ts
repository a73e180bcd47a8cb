/**
 * This API's public origin, for URLs a browser on another origin will follow (thumbnail_url
 * in an <img src> on the Vercel frontend: a bare path would resolve against the frontend).
 */
import type { Config } from '../config.ts';
import type { Ctx } from './context.ts';

/** A Host value we are willing to echo into a URL: a DNS name or IP literal and an optional port. */
const HOST_RE = /^(?:[a-z0-9-]+(?:\.[a-z0-9-]+)*|\[[0-9a-f:.]+\])(?::\d{1,5})?$/i;

/**
 * PUBLIC_URL when set. Otherwise the request's own: `Host` (and the socket's TLS state), or,
 * with TRUST_PROXY, the last `X-Forwarded-Proto` / `X-Forwarded-Host` hop the proxy added.
 * A Host that is not a plain host[:port] falls back to the address the request arrived on.
 */
export function publicOrigin(ctx: Ctx, config: Config): string {
  if (config.publicUrl !== null) return config.publicUrl;
  const { req } = ctx;
  let proto = 'encrypted' in req.socket && req.socket.encrypted ? 'https' : 'http';
  let host = req.headers.host;
  if (config.trustProxy) {
    const fwdProto = lastHop(req.headers['x-forwarded-proto']);
    if (fwdProto === 'https' || fwdProto === 'http') proto = fwdProto;
    host = lastHop(req.headers['x-forwarded-host']) ?? host;
  }
  if (host === undefined || !HOST_RE.test(host)) {
    const address = req.socket.localAddress ?? '127.0.0.1';
    host = `${address.includes(':') ? `[${address}]` : address}:${req.socket.localPort ?? 80}`;
  }
  return `${proto}://${host.toLowerCase()}`;
}

function lastHop(header: string | string[] | undefined): string | undefined {
  const value = Array.isArray(header) ? header[header.length - 1] : header;
  if (!value) return undefined;
  const hops = value.split(',');
  return hops[hops.length - 1]?.trim().toLowerCase() || undefined;
}
