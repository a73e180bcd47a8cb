/**
 * What `vchat top` shows, computed from two scrapes of GET /metrics (rates are the counters'
 * growth between them), and how it is drawn.
 */
import { has, histogramQuantile, total, type Sample } from './exposition.ts';

/** One refresh of the view; also the `--once --json` document. */
export interface TopView {
  /** When the newer scrape was taken (ISO 8601). */
  at: string;
  /** Seconds between the two scrapes the rates come from. */
  interval_s: number;
  connections: number;
  active_rooms: number;
  /** Rooms and users stored (null when the store does not report them). */
  rooms: number | null;
  users: number | null;
  online_users: number;
  messages_per_s: number;
  deliveries_per_s: number;
  rest_requests_per_s: number;
  /** p99 of store calls made between the scrapes, all operations (null: none were made). */
  store_p99_ms: number | null;
  store_up: boolean;
  event_loop_p99_ms: number | null;
  rss_bytes: number | null;
  heap_used_bytes: number | null;
  /** Per second between the scrapes. */
  errors: {
    http_5xx_per_s: number;
    messages_rejected_per_s: number;
    connections_refused_per_s: number;
    rate_limited_per_s: number;
    slow_reader_drops_per_s: number;
  };
}

/** The view from an earlier and a later scrape taken `intervalS` seconds apart. */
export function computeView(before: Sample[], after: Sample[], intervalS: number, at: Date): TopView {
  const rate = (name: string, match: Record<string, string> = {}): number =>
    Math.max(0, total(after, name, match) - total(before, name, match)) / intervalS;
  const optional = (name: string): number | null => (has(after, name) ? total(after, name) : null);
  const p99s = (name: string): number | null => {
    const q = histogramQuantile(0.99, after, name, before);
    return q === null ? null : round(q * 1000, 2);
  };
  const loopP99 = optional('nodejs_eventloop_lag_p99_seconds');
  let http5xx = 0;
  for (const s of after) {
    if (s.name !== 'vchat_http_request_duration_seconds_count' || !(s.labels.status ?? '').startsWith('5')) continue;
    const earlier = before.find(
      (b) =>
        b.name === s.name &&
        b.labels.method === s.labels.method &&
        b.labels.route === s.labels.route &&
        b.labels.status === s.labels.status,
    );
    http5xx += Math.max(0, s.value - (earlier?.value ?? 0));
  }
  return {
    at: at.toISOString(),
    interval_s: round(intervalS, 3),
    connections: total(after, 'vchat_ws_connections'),
    active_rooms: total(after, 'vchat_active_rooms'),
    rooms: optional('vchat_rooms'),
    users: optional('vchat_users'),
    online_users: total(after, 'vchat_online_users'),
    messages_per_s: round(rate('vchat_chat_messages_accepted_total'), 1),
    deliveries_per_s: round(rate('vchat_deliveries_total'), 1),
    rest_requests_per_s: round(rate('vchat_http_request_duration_seconds_count'), 1),
    store_p99_ms: p99s('vchat_store_operation_duration_seconds'),
    store_up: total(after, 'vchat_store_up') === 1,
    event_loop_p99_ms: loopP99 === null ? null : round(loopP99 * 1000, 2),
    rss_bytes: optional('process_resident_memory_bytes'),
    heap_used_bytes: optional('nodejs_heap_size_used_bytes'),
    errors: {
      http_5xx_per_s: round(http5xx / intervalS, 1),
      messages_rejected_per_s: round(rate('vchat_chat_messages_rejected_total'), 1),
      connections_refused_per_s: round(rate('vchat_ws_connections_refused_total'), 1),
      rate_limited_per_s: round(rate('vchat_rate_limit_hits_total'), 1),
      slow_reader_drops_per_s: round(rate('vchat_slow_reader_drops_total'), 1),
    },
  };
}

/** The screen: a title line and label/value rows, as plain text lines (no escape codes). */
export function renderView(api: string, view: TopView): string[] {
  const e = view.errors;
  const row = (label: string, value: string): string => `  ${label.padEnd(22)}${value}`;
  return [
    `vchat top - ${api}   ${view.at.slice(11, 19)} UTC   (q to quit)`,
    '',
    row('connections', `${view.connections}`),
    row('rooms active/stored', `${view.active_rooms} / ${view.rooms ?? '-'}`),
    row('users online/stored', `${view.online_users} / ${view.users ?? '-'}`),
    row('messages/s', `${view.messages_per_s}`),
    row('deliveries/s', `${view.deliveries_per_s}`),
    row('REST requests/s', `${view.rest_requests_per_s}`),
    row(
      'store p99',
      `${view.store_p99_ms === null ? '-' : `${view.store_p99_ms} ms`}${view.store_up ? '' : '   STORE DOWN'}`,
    ),
    row('event loop p99', view.event_loop_p99_ms === null ? '-' : `${view.event_loop_p99_ms} ms`),
    row('memory rss/heap', `${mb(view.rss_bytes)} / ${mb(view.heap_used_bytes)}`),
    row(
      'errors/s',
      `5xx ${e.http_5xx_per_s}  rejected ${e.messages_rejected_per_s}  refused ${e.connections_refused_per_s}  rate-limited ${e.rate_limited_per_s}  slow ${e.slow_reader_drops_per_s}`,
    ),
  ];
}

function mb(bytes: number | null): string {
  return bytes === null ? '-' : `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

function round(n: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}
