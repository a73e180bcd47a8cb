/**
 * REST request metrics, fed from the one place every response head is written (respond.ts):
 * latency by method, route template and status, and rate-limit refusals by budget. A route
 * template comes from the router (`/rooms/:id`); a path no route matches is `(unmatched)`,
 * so a scan of random URLs adds no label values.
 */
import type { Ctx, ResponseObserver } from '../http/context.ts';
import type { HistogramChild } from './histogram.ts';
import type { RateLimitName, ServerMetrics } from './metrics.ts';

/** The route label of a path no route matches. */
export const UNMATCHED_ROUTE = '(unmatched)';

export class RequestMetrics implements ResponseObserver {
  /** route -> method -> status -> child: three map lookups per response, no string built. */
  private readonly children = new Map<string, Map<string, Map<number, HistogramChild>>>();

  /** `template(path)`: the pattern of the route matching `path` (any method), if one does. */
  constructor(
    private readonly metrics: ServerMetrics,
    private readonly template: (path: string) => string | undefined,
  ) {}

  /** ResponseObserver: time since ctx.startMs. */
  responded(ctx: Ctx, status: number): void {
    // The router sets ctx.route; requests answered before routing (preflight, 404, the general 429) look it up here.
    const route = ctx.route ?? this.template(ctx.path) ?? UNMATCHED_ROUTE;
    this.child(route, ctx.method, status).observe((performance.now() - ctx.startMs) / 1000);
  }

  /** ResponseObserver: a limit refusal (limits/refusal.ts names the budget). */
  limited(limit: string): void {
    this.metrics.rateLimitHit(limit as RateLimitName);
  }

  private child(route: string, method: string, status: number): HistogramChild {
    let byMethod = this.children.get(route);
    if (!byMethod) this.children.set(route, (byMethod = new Map<string, Map<number, HistogramChild>>()));
    let byStatus = byMethod.get(method);
    if (!byStatus) byMethod.set(method, (byStatus = new Map<number, HistogramChild>()));
    let child = byStatus.get(status);
    if (!child) byStatus.set(status, (child = this.metrics.httpDuration.child(method, route, String(status))));
    return child;
  }
}
