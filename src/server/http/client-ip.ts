/** The client address used for rate and connection limits. */
import type { IncomingMessage } from 'node:http';

/**
 * With `trustProxy`, the last X-Forwarded-For hop: the one our proxy (Railway's edge)
 * appended. Earlier hops are client-supplied and can be forged, so they are never used.
 */
export function clientIp(req: IncomingMessage, trustProxy: boolean): string {
  if (trustProxy) {
    const header = req.headers['x-forwarded-for'];
    const value = Array.isArray(header) ? header[header.length - 1] : header;
    if (value) {
      const hops = value.split(',');
      const last = hops[hops.length - 1]?.trim();
      if (last) return last;
    }
  }
  return req.socket.remoteAddress ?? 'unknown';
}
