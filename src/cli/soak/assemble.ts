/** Turning a finished soak's intervals and totals into the SoakResult document (no I/O). */
import { plannedDeliveries, sanityChecks } from '../load/gate.ts';
import type { TimelinePoint } from '../load/result.ts';
import { mergeCounts, total } from '../stats/counts.ts';
import { percentileCurve, summarize } from '../stats/histogram.ts';
import { checkSoak } from './checks.ts';
import type { SoakOptions } from './options.ts';
import { SOAK_SCHEMA, type SoakInterval, type SoakResult } from './result.ts';
import type { SoakSession } from './session.ts';

/** Drift of the /health figures and the interval p99 from first to last. */
function drift(intervals: SoakInterval[]): SoakResult['drift'] {
  const samples = intervals.map((x) => x.health).filter((h) => h.rss_bytes !== null);
  const first = samples[0];
  const last = samples[samples.length - 1];
  return {
    rss_first_bytes: first?.rss_bytes ?? null,
    rss_last_bytes: last?.rss_bytes ?? null,
    rss_max_bytes: samples.length ? Math.max(...samples.map((h) => h.rss_bytes as number)) : null,
    heap_first_bytes: first?.heap_used_bytes ?? null,
    heap_last_bytes: last?.heap_used_bytes ?? null,
    connections_first: first?.active_connections ?? null,
    connections_last: last?.active_connections ?? null,
    p99_first_ms: intervals[0]?.latency.p99_ms ?? 0,
    p99_last_ms: intervals[intervals.length - 1]?.latency.p99_ms ?? 0,
  };
}

/** One chart point per interval. */
function timeline(intervals: SoakInterval[], intervalMs: number): TimelinePoint[] {
  let sent = 0;
  let delivered = 0;
  return intervals.map((x) => {
    sent += x.sent;
    delivered += x.delivered;
    return {
      t_s: x.at_s,
      sent,
      delivered,
      delivered_per_s: Math.round((x.delivered / intervalMs) * 1000),
      p50_ms: x.latency.p50_ms,
      p99_ms: x.latency.p99_ms,
      max_ms: x.latency.max_ms,
      errors: x.errors_total,
      reconnects: x.reconnects.attempted,
    };
  });
}

/** Build the result: totals, drift, checks and sanity; `ok` and `exit_code` from both. */
export function assembleSoakResult(
  options: SoakOptions,
  s: SoakSession,
  x: {
    startedAt: Date;
    elapsedMs: number;
    intervals: SoakInterval[];
    connectFailures: Record<string, number>;
    attempted: number;
  },
): SoakResult {
  const { duplicated, outOfOrder } = s.anomalies();
  const reconnects = x.intervals.reduce((n, i) => n + i.reconnects.attempted, 0);
  const reconnectFailures = x.intervals.reduce((n, i) => n + i.reconnects.failed, 0);
  const result: SoakResult = {
    schema: SOAK_SCHEMA,
    tool: 'vchat soak',
    target: { api: options.api, origin: options.origin, header_names: Object.keys(options.headers) },
    config: {
      clients: options.clients,
      rooms: options.rooms,
      rate_per_s: options.ratePerS,
      duration_ms: options.durationMs,
      interval_ms: options.intervalMs,
      reconnect_per_interval: options.reconnectPerInterval,
    },
    started_at: x.startedAt.toISOString(),
    elapsed_ms: Math.round(x.elapsedMs),
    intervals: x.intervals,
    totals: {
      sent: s.sent,
      expected: s.expected,
      delivered: s.book.delivered,
      lost: Math.max(0, s.expected - s.book.delivered),
      duplicated,
      out_of_order: outOfOrder,
      reconnects,
      reconnect_failures: reconnectFailures,
      latency: summarize(s.total),
    },
    latency_curve: percentileCurve(s.total),
    timeline: timeline(x.intervals, options.intervalMs),
    drift: drift(x.intervals),
    errors: mergeCounts([s.errors]),
    checks: [],
    sanity: sanityChecks({
      attempted: x.attempted,
      connected: x.attempted - total(x.connectFailures),
      connectFailures: x.connectFailures,
      origin: options.origin,
      sent: s.sent,
      planned: plannedDeliveries(options.clients, options.rooms, options.ratePerS, s.sendMs),
      expected: s.expected,
      delivered: s.book.delivered,
      ...(options.intervalMs <= options.drainMs ? { nothingPlannedHint: intervalHint(options) } : {}),
    }),
    ok: true,
    exit_code: 0,
  };
  result.checks = checkSoak(result, options);
  result.ok = result.checks.every((c) => c.ok) && result.sanity.every((c) => c.ok);
  result.exit_code = result.ok ? 0 : 1;
  return result;
}

/** The hint for a soak whose intervals leave no time to send. */
export function intervalHint(options: Pick<SoakOptions, 'intervalMs' | 'drainMs'>): string {
  return `--interval (${options.intervalMs} ms) is not longer than --drain (${options.drainMs} ms), so no interval has time to send: use a longer --interval or a shorter --drain`;
}
