/**
 * GET /metrics: off unless METRICS_TOKEN or METRICS_PORT is set. With METRICS_PORT it is
 * served on a listener of its own (and nowhere else); with METRICS_TOKEN it needs
 * `Authorization: Bearer <token>`, compared in constant time.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { ErrorCode } from '../../shared/protocol.ts';
import type { Logger } from '../log.ts';
import type { ServerMetrics } from './metrics.ts';

export const METRICS_PATH = '/metrics';

/** Answers GET/HEAD /metrics; anything else on a dedicated listener is a 404. */
export function metricsListener(metrics: ServerMetrics, token: string | null, log: Logger): RequestListener {
  const expected = token === null ? null : digest(token);
  return (req, res) => {
    req.resume();
    if (pathOf(req) !== METRICS_PATH) {
      sendJson(res, 404, { detail: `Only ${METRICS_PATH} is served here`, code: ErrorCode.NotFound });
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      sendJson(res, 405, { detail: 'Use GET', code: ErrorCode.MethodNotAllowed }, { Allow: 'GET, HEAD' });
      return;
    }
    if (expected !== null) {
      const header = req.headers.authorization;
      const presented =
        typeof header === 'string' && /^Bearer\s+/i.test(header) ? header.replace(/^Bearer\s+/i, '').trim() : undefined;
      if (presented === undefined) {
        sendJson(
          res,
          401,
          { detail: 'Send the metrics token: Authorization: Bearer <METRICS_TOKEN>', code: ErrorCode.AuthRequired },
          { 'WWW-Authenticate': 'Bearer realm="metrics"' },
        );
        return;
      }
      if (!timingSafeEqual(digest(presented), expected)) {
        sendJson(
          res,
          401,
          { detail: 'That is not the metrics token (METRICS_TOKEN)', code: ErrorCode.InvalidToken },
          { 'WWW-Authenticate': 'Bearer realm="metrics", error="invalid_token"' },
        );
        return;
      }
    }
    metrics.registry.metrics().then(
      (text) => {
        res.writeHead(200, {
          'Content-Type': metrics.registry.contentType,
          'Cache-Control': 'no-store',
          'Content-Length': Buffer.byteLength(text),
        });
        res.end(req.method === 'HEAD' ? undefined : text);
      },
      (err: unknown) => {
        log.error('metrics collection failed', { err });
        sendJson(res, 500, {
          detail: 'The metrics could not be collected; it has been logged',
          code: ErrorCode.InternalError,
        });
      },
    );
  };
}

/** The app's request handler with /metrics answered in front of it (METRICS_TOKEN on the main port). */
export function withMetricsRoute(metricsOnly: RequestListener, app: RequestListener): RequestListener {
  return (req, res) => {
    if (pathOf(req) === METRICS_PATH) metricsOnly(req, res);
    else app(req, res);
  };
}

/** Equal-length digests, so timingSafeEqual never throws and the length leaks nothing. */
function digest(s: string): Buffer {
  return createHash('sha256').update(s).digest();
}

function pathOf(req: IncomingMessage): string {
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  return q === -1 ? url : url.slice(0, q);
}

function sendJson(
  res: ServerResponse,
  status: number,
  body: { detail: string; code: string },
  headers: Record<string, string> = {},
): void {
  const payload = JSON.stringify(body);
  res.writeHead(status, {
    ...headers,
    'Content-Type': 'application/json; charset=utf-8',
    'Cache-Control': 'no-store',
    'Content-Length': Buffer.byteLength(payload),
  });
  res.end(payload);
}
