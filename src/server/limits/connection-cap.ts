/**
 * Open TCP connections (plain HTTP and WebSocket alike) per client address and in total
 * (issue 15 finding 4): 20,000 idle connections from a few addresses must not use up the
 * process's file handles while everyone else is refused.
 *
 * The total is node's own `server.maxConnections` (connections past it are closed at once).
 * The per-address cap counts `socket.remoteAddress`, so it is only applied without
 * TRUST_PROXY: behind a proxy (Railway) every connection comes from the proxy, and a cap on
 * the proxy's address would cap everyone together. There the request-level budgets (rates,
 * body bytes, creation, WebSocket connections) apply per forwarded client IP instead, and
 * the total and the timeouts bound what the proxy can hold open.
 */
import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import { ErrorCode } from '../../shared/protocol.ts';
import { rawAnswer, writeRawAnswer } from '../http/raw-answer.ts';

/** What a refused connection is told before it is closed (no CORS: nothing of the request is read yet). */
const REFUSAL = rawAnswer(
  429,
  { detail: 'Too many open connections from your address; close some and retry', code: ErrorCode.TooManyConnections },
  { 'Retry-After': '5' },
);

export interface ConnectionCapOptions {
  /** Most open connections from one remote address. */
  maxPerIp: number;
  /** Most open connections in total (server.maxConnections). */
  maxTotal: number;
  /** Behind a proxy: no per-address cap (see above). */
  trustProxy: boolean;
}

/** Apply both caps to `server`. Returns the live count for one address (tests, logs). */
export function capConnections(server: Server, options: ConnectionCapOptions): { openFrom(ip: string): number } {
  server.maxConnections = options.maxTotal;
  const open = new Map<string, number>();
  if (!options.trustProxy) {
    server.on('connection', (socket: Socket) => {
      const ip = socket.remoteAddress ?? 'unknown';
      const n = (open.get(ip) ?? 0) + 1;
      if (n > options.maxPerIp) {
        writeRawAnswer(socket, REFUSAL);
        return;
      }
      open.set(ip, n);
      socket.once('close', () => {
        const left = (open.get(ip) ?? 1) - 1;
        if (left <= 0) open.delete(ip);
        else open.set(ip, left);
      });
    });
  }
  return { openFrom: (ip) => open.get(ip) ?? 0 };
}
