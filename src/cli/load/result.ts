/** The result document of `vchat load` (also what `--json` prints). */
import type { Counts } from '../stats/counts.ts';
import type { LatencySummary } from '../stats/histogram.ts';

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

export interface LoadResult {
  tool: 'vchat load';
  target: { api: string; origin: string | null };
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
  /** End-to-end delivery latency (send -> arrival at each other member), ms. */
  latency: LatencySummary;
  rest: RestSummary | null;
  errors: Counts;
  errors_total: number;
  thresholds: ThresholdCheck[];
  ok: boolean;
}
