/** The result document of `vchat soak` (also what `--json` prints). */
import type { Counts } from '../stats/counts.ts';
import type { SanityCheck } from '../load/gate.ts';
import type { DeliveryCounts, TimelinePoint } from '../load/result.ts';
import type { CurvePoint, LatencySummary } from '../stats/histogram.ts';

/** One /health sample; `ok:false` when the request failed or the figures are missing. */
export interface HealthSample {
  ok: boolean;
  status: number;
  rss_bytes: number | null;
  heap_used_bytes: number | null;
  active_connections: number | null;
  error?: string;
}

export interface SoakInterval {
  index: number;
  /** Seconds since the soak began, at the end of this interval. */
  at_s: number;
  open_clients: number;
  reconnects: { attempted: number; failed: number; failures: Counts; latency: LatencySummary };
  sent: number;
  expected: number;
  delivered: number;
  lost: number;
  duplicated: number;
  latency: LatencySummary;
  /** Errors of every kind since the soak began. */
  errors_total: number;
  health: HealthSample;
}

export interface SoakCheck {
  name: 'max_rss_growth' | 'max_loss' | 'max_reconnect_failures' | 'max_p99_ms' | 'max_p99_growth';
  limit: number;
  actual: number;
  ok: boolean;
  detail: string;
}

/** Shape identifier of the `--json` document; bumped on incompatible changes. */
export const SOAK_SCHEMA = 'vchat.soak/1';

export interface SoakResult {
  schema: typeof SOAK_SCHEMA;
  tool: 'vchat soak';
  /** `header_names`: the names of the `--header`s sent (never their values). */
  target: { api: string; origin: string | null; header_names: string[] };
  config: {
    clients: number;
    rooms: number;
    rate_per_s: number;
    duration_ms: number;
    interval_ms: number;
    reconnect_per_interval: number;
  };
  started_at: string;
  elapsed_ms: number;
  intervals: SoakInterval[];
  totals: DeliveryCounts & {
    reconnects: number;
    reconnect_failures: number;
    latency: LatencySummary;
  };
  /** Every delivery's latency as a percentile curve (HDR), for the report. */
  latency_curve: CurvePoint[];
  /** One point per interval, for the report. */
  timeline: TimelinePoint[];
  drift: {
    rss_first_bytes: number | null;
    rss_last_bytes: number | null;
    rss_max_bytes: number | null;
    heap_first_bytes: number | null;
    heap_last_bytes: number | null;
    connections_first: number | null;
    connections_last: number | null;
    p99_first_ms: number;
    p99_last_ms: number;
  };
  errors: Counts;
  checks: SoakCheck[];
  /** The checks that keep the gate from passing on nothing (load/gate.ts). */
  sanity: SanityCheck[];
  ok: boolean;
  /** The process exit code: 0 every check held, 1 one failed. */
  exit_code: 0 | 1;
}
