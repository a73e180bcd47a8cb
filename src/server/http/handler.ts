/**
 * The request pipeline: context -> CORS preflight -> rate limit -> route -> errors.
 * Every response, errors included, carries the CORS headers of an allowed origin.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ErrorCode } from '../../shared/protocol.ts';
import type { Config } from '../config.ts';
import type { Logger } from '../log.ts';
import { clientIp } from './client-ip.ts';
import { Ctx } from './context.ts';
import { echoOrigin, preflightHeaders } from './cors.ts';
import { HttpError } from './errors.ts';
import { failRequest } from './fail.ts';
import type { BodyBudget } from '../limits/body-budget.ts';
import type { RequestLimiter } from '../limits/shared-rate.ts';
import type { KeyedLimiter } from '../limits/token-bucket.ts';
import { limitRefused } from '../limits/refusal.ts';
import type { ResponseObserver } from './context.ts';
import { sendEmpty } from './respond.ts';
import type { Router } from './router.ts';

export interface HandlerDeps {
  config: Config;
  router: Router;
  log: Logger;
  /** REST reads / writes per client IP: a KeyedLimiter, or with REDIS_URL one shared by all instances. */
  readLimiter: RequestLimiter;
  writeLimiter: RequestLimiter;
  /** Request-body bytes in flight per client IP and in total. */
  bodies: BodyBudget;
  /** GET /health per client IP: its own generous bucket, so monitors never share the read budget. */
  healthLimiter: KeyedLimiter;
  /** Set by App.close(); responses written after it close their connection. */
  lifecycle: { readonly closing: boolean };
  /** GET /metrics is on: every response is timed and counted. */
  observer?: ResponseObserver | undefined;
}

export function createRequestHandler(deps: HandlerDeps): (req: IncomingMessage, res: ServerResponse) => void {
  const { config, log } = deps;
  return function handleRequest(req, res) {
    const origin = req.headers.origin;
    const ctx = new Ctx(
      req,
      res,
      origin,
      echoOrigin(origin, config.origins),
      clientIp(req, config.trustProxy),
      deps.lifecycle,
    );
    if (deps.observer !== undefined) {
      ctx.observer = deps.observer;
      ctx.startMs = performance.now();
    }
    // Not an async function: a route's own promise is the only one per request, and
    // synchronous routes and errors (preflight, 404, 429) never allocate one.
    try {
      const pending = handle(ctx, deps);
      if (pending) pending.catch((err: unknown) => failRequest(ctx, log, err));
    } catch (err) {
      failRequest(ctx, log, err);
    }
  };
}

function handle(ctx: Ctx, deps: HandlerDeps): Promise<void> | void {
  const { router } = deps;
  // Preflight on any path. It never counts toward rate limits.
  if (ctx.method === 'OPTIONS' && ctx.req.headers['access-control-request-method']) {
    ctx.req.resume();
    if (ctx.corsOrigin === undefined) {
      throw new HttpError(403, ErrorCode.OriginNotAllowed, `Origin ${ctx.origin ?? '(none)'} is not allowed`);
    }
    const requested = ctx.req.headers['access-control-request-headers'];
    sendEmpty(ctx, 204, preflightHeaders(typeof requested === 'string' ? requested : undefined));
    return;
  }

  const isRead = ctx.method === 'GET' || ctx.method === 'HEAD';
  const limiter = ctx.path === '/health' ? deps.healthLimiter : isRead ? deps.readLimiter : deps.writeLimiter;
  const waitMs = limiter.take(ctx.ip);
  if (waitMs > 0) {
    ctx.req.resume();
    throw limitRefused(ctx.path === '/health' ? 'health' : isRead ? 'read' : 'write', waitMs);
  }
  if (!isRead) {
    const refused = deps.bodies.admit(ctx);
    if (refused) throw refused;
  }

  const { handler, params, pattern } = router.resolve(ctx.method, ctx.path);
  ctx.params = params;
  ctx.route = pattern;
  return handler(ctx);
}
