/** Turning the merged worker reports of a load run into the LoadResult document (no I/O). */
import { mergeCounts, total, type Counts } from '../stats/counts.ts';
import { mergeHistograms, percentileCurve, summarize } from '../stats/histogram.ts';
import { plannedDeliveries, sanityChecks } from './gate.ts';
import type { LoadOptions } from './options.ts';
import type { WorkerConnected, WorkerResult, WorkerSent } from './protocol.ts';
import { LOAD_SCHEMA, type LoadResult, type RestSummary, type TimelinePoint } from './result.ts';
import type { RestStats, SetupResult } from './setup.ts';
import type { DeliveryTotals } from './tally.ts';
import { checkThresholds } from './thresholds.ts';

/** REST figures of one phase; `skipped` (the mix's own back-pressure) is not a request. */
export function restSummary(stats: RestStats): RestSummary {
  return {
    requests: total(stats.statuses) - (stats.statuses.skipped ?? 0),
    statuses: stats.statuses,
    latency: summarize(stats.hist),
  };
}

/** Everything a finished run produced. */
export interface RunFacts {
  startedAt: Date;
  elapsedMs: number;
  setup: SetupResult;
  connected: WorkerConnected[];
  sent: WorkerSent[];
  results: WorkerResult[];
  messages: DeliveryTotals;
  rest: RestStats;
  timeline: TimelinePoint[];
}

/** Errors of every kind, by label: worker errors, connect failures, REST mix failures, setup failures. */
function allErrors(f: RunFacts): Counts {
  const errors: Counts = mergeCounts([...f.results.map((r) => r.errors), ...f.connected.map((c) => c.failures)]);
  for (const [status, n] of Object.entries(f.rest.statuses))
    if (status === '0' || status.startsWith('error') || Number(status) >= 400) errors[`rest_${status}`] = n;
  for (const [why, n] of Object.entries(f.setup.failures)) errors[`setup_${why}`] = n;
  return errors;
}

/** Build the result: figures, thresholds and the sanity checks; `ok` and `exit_code` from both. */
export function assembleLoadResult(options: LoadOptions, f: RunFacts): LoadResult {
  const connectedCount = f.connected.reduce((n, c) => n + c.connected.length, 0);
  const connectFailures = mergeCounts(f.connected.map((c) => c.failures));
  const errors = allErrors(f);
  const sendWindowMs = Math.max(1, ...f.sent.map((s) => s.windowMs));
  const lastArrivalMs = Math.max(sendWindowMs, ...f.results.map((r) => r.lastArrivalMs));
  const latency = mergeHistograms(f.results.map((r) => r.latencyHist));
  const m = f.messages;
  const result: LoadResult = {
    schema: LOAD_SCHEMA,
    tool: 'vchat load',
    target: { api: options.api, origin: options.origin, header_names: Object.keys(options.headers) },
    config: {
      clients: options.clients,
      rooms: options.rooms,
      ramp_ms: options.rampMs,
      rate_per_s: options.ratePerS,
      duration_ms: options.durationMs,
      http_rate_per_s: options.httpRatePerS,
      workers: options.workers,
      inflight: options.inflight,
      message_chars: options.messageChars,
    },
    started_at: f.startedAt.toISOString(),
    elapsed_ms: Math.round(f.elapsedMs),
    setup: {
      ms: Math.round(f.setup.ms),
      rooms: f.setup.roomIds.length,
      clients_ready: f.setup.clients.length,
      failures: f.setup.failures,
      rest: restSummary(f.setup.stats),
    },
    connect: {
      attempted: f.setup.clients.length,
      connected: connectedCount,
      failed: f.setup.clients.length - connectedCount,
      failures: connectFailures,
      latency: summarize(mergeHistograms(f.connected.map((c) => c.connectHist))),
    },
    messages: {
      ...m,
      sent_per_s: Math.round((m.sent / sendWindowMs) * 1000),
      delivered_per_s: Math.round((m.delivered / lastArrivalMs) * 1000),
    },
    latency: summarize(latency),
    latency_curve: percentileCurve(latency),
    timeline: f.timeline,
    rest: options.httpRatePerS > 0 ? restSummary(f.rest) : null,
    errors,
    errors_total: total(errors),
    thresholds: [],
    sanity: sanityChecks({
      attempted: f.setup.clients.length,
      connected: connectedCount,
      connectFailures,
      origin: options.origin,
      sent: m.sent,
      planned:
        options.inflight > 0
          ? null
          : plannedDeliveries(options.clients, options.rooms, options.ratePerS, options.durationMs),
      expected: m.expected,
      delivered: m.delivered,
    }),
    ok: true,
    exit_code: 0,
  };
  result.thresholds = checkThresholds(result, options.thresholds);
  result.ok = result.thresholds.every((t) => t.ok) && result.sanity.every((c) => c.ok);
  result.exit_code = result.ok ? 0 : 1;
  return result;
}
