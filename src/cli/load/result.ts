/** The result document of `vchat load` (also what `--json` prints). */
import type { Counts } from '../stats/counts.ts';
import type { CurvePoint, LatencySummary } from '../stats/histogram.ts';
import type { SanityCheck } from './gate.ts';

/** REST figures for one phase. */
export interface RestSummary {
  requests: number;
  statuses: Counts;
  latency: LatencySummary;
}

/** Delivery counts: messages sent, deliveries expected (other members), delivered, and what went wrong. */
export interface DeliveryCounts {
  sent: number;
  expected: number;
  delivered: number;
  lost: number;
  duplicated: number;
  out_of_order: number;
}

/** A sender with lost, duplicated or out-of-order deliveries. */
export interface SenderIssue extends DeliveryCounts {
  sender: number;
  user_id: string;
  room_id: string;
}

export interface ThresholdCheck {
  name: 'max_p99_ms' | 'max_loss' | 'max_errors';
  limit: number;
  actual: number;
  ok: boolean;
}

/** One second (load) or one interval (soak) of a run, for the report's charts. */
export interface TimelinePoint {
  /** Seconds since sending began (load) or since the soak began (soak), at the end of the span. */
  t_s: number;
  /** Messages sent and distinct deliveries so far. */
  sent: number;
  delivered: number;
  /** Deliveries per second over the span. */
  delivered_per_s: number;
  /** Delivery latency of the span, ms. */
  p50_ms: number;
  p99_ms: number;
  max_ms: number;
  /** Errors so far (all kinds). */
  errors: number;
  /** Reconnects in the span (soak; 0 for load). */
  reconnects: number;
}

/** Shape identifier of the `--json` document; bumped on incompatible changes. */
export const LOAD_SCHEMA = 'vchat.load/1';

export interface LoadResult {
  schema: typeof LOAD_SCHEMA;
  tool: 'vchat load';
  /** `header_names`: the names of the `--header`s sent (never their values, which may be secrets). */
  target: { api: string; origin: string | null; header_names: string[] };
  config: {
    clients: number;
    rooms: number;
    ramp_ms: number;
    rate_per_s: number;
    duration_ms: number;
    http_rate_per_s: number;
    workers: number;
    inflight: number;
    message_chars: number;
  };
  started_at: string;
  elapsed_ms: number;
  setup: { ms: number; rooms: number; clients_ready: number; failures: Counts; rest: RestSummary };
  connect: { attempted: number; connected: number; failed: number; failures: Counts; latency: LatencySummary };
  messages: DeliveryCounts & {
    /** Achieved send rate over the send window, messages/s. */
    sent_per_s: number;
    /** Deliveries per second from the start of sending to the last arrival. */
    delivered_per_s: number;
    /** Senders with problems, worst first (at most 20). */
    senders_with_issues: SenderIssue[];
  };
  /** End-to-end delivery latency (due time of the send -> arrival at each other member), ms. */
  latency: LatencySummary;
  /** The same latency as a percentile curve (HDR), for the report. */
  latency_curve: CurvePoint[];
  /** Once a second while sending and draining. */
  timeline: TimelinePoint[];
  rest: RestSummary | null;
  errors: Counts;
  errors_total: number;
  thresholds: ThresholdCheck[];
  /** The checks that keep the gate from passing on nothing (gate.ts); they apply to every run. */
  sanity: SanityCheck[];
  ok: boolean;
  /** The process exit code: 0 every check held, 1 one failed. */
  exit_code: 0 | 1;
}
