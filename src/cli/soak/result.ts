/** The result document of `vchat soak` (also what `--json` prints). */
import type { Counts } from '../stats/counts.ts';
import type { DeliveryCounts } from '../load/result.ts';
import type { LatencySummary } from '../stats/histogram.ts';

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
  health: HealthSample;
}

export interface SoakCheck {
  name: 'max_rss_growth' | 'max_loss' | 'max_reconnect_failures' | 'max_p99_ms' | 'max_p99_growth';
  limit: number;
  actual: number;
  ok: boolean;
  detail: string;
}

export interface SoakResult {
  tool: 'vchat soak';
  target: { api: string; origin: string | null };
  config: { clients: number; rooms: number; rate_per_s: number; duration_ms: number; interval_ms: number; reconnect_per_interval: number };
  started_at: string;
  elapsed_ms: number;
  intervals: SoakInterval[];
  totals: DeliveryCounts & {
    reconnects: number;
    reconnect_failures: number;
    latency: LatencySummary;
  };
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
  ok: boolean;
}
