/** Plain-text renderer for a SoakResult, and the one-line-per-interval progress. */
import { formatDurationMs } from '../load/duration.ts';
import { failureSummary, sanityLines } from '../load/gate-report.ts';
import { countsLine, latencyLine } from '../load/report.ts';
import type { SoakInterval, SoakResult } from './result.ts';

const mb = (b: number | null): string => (b === null ? '-' : `${(b / 1e6).toFixed(1)}MB`);

/** `#3/10 12.0s open 20 reconnect 5/5 sent 50 lost 0 p99 1.2 ms rss 61.2MB heap 12.1MB conns 20`. */
export function intervalLine(x: SoakInterval, of: number): string {
  const h = x.health;
  return (
    `#${x.index}/${of} ${x.at_s}s  open ${x.open_clients}  reconnect ${x.reconnects.attempted - x.reconnects.failed}/${x.reconnects.attempted}  ` +
    `sent ${x.sent}  delivered ${x.delivered}/${x.expected}  lost ${x.lost}  dup ${x.duplicated}  p99 ${x.latency.p99_ms} ms  ` +
    (h.ok
      ? `rss ${mb(h.rss_bytes)}  heap ${mb(h.heap_used_bytes)}  conns ${h.active_connections ?? '-'}`
      : `health FAILED (${h.error ?? h.status})`)
  );
}

/** The human report. */
export function renderSoakReport(r: SoakResult): string {
  const c = r.config;
  const t = r.totals;
  const d = r.drift;
  const lines = [
    `vchat soak  ${r.target.api}${r.target.origin ? `  (Origin ${r.target.origin})` : ''}`,
    `  ${c.clients} clients in ${c.rooms} rooms, ${c.rate_per_s} msgs/s, ${formatDurationMs(c.duration_ms)} in ${formatDurationMs(c.interval_ms)} intervals, ${c.reconnect_per_interval} reconnects per interval`,
    '',
    ...r.intervals.map((x) => intervalLine(x, r.intervals.length)),
    '',
    `messages   sent ${t.sent}  expected ${t.expected}  delivered ${t.delivered}  lost ${t.lost}  duplicated ${t.duplicated}  out-of-order ${t.out_of_order}`,
    `latency    ${latencyLine(t.latency)}`,
    `reconnects ${t.reconnects - t.reconnect_failures}/${t.reconnects} ok`,
    `drift      rss ${mb(d.rss_first_bytes)} -> ${mb(d.rss_last_bytes)} (max ${mb(d.rss_max_bytes)})  heap ${mb(d.heap_first_bytes)} -> ${mb(d.heap_last_bytes)}  ` +
      `connections ${d.connections_first ?? '-'} -> ${d.connections_last ?? '-'}  p99 ${d.p99_first_ms} -> ${d.p99_last_ms} ms`,
    `errors     ${Object.keys(r.errors).length ? countsLine(r.errors) : 'none'}`,
    ...r.checks.map((k) => `check      ${k.name}: ${k.detail} ${k.ok ? 'ok' : 'FAILED'}`),
    ...sanityLines(r.sanity),
    '',
    r.ok
      ? 'PASS'
      : `FAIL: ${failureSummary(
          [],
          r.sanity,
          r.checks.filter((k) => !k.ok).map((k) => k.detail),
        )}`,
  ];
  return `${lines.join('\n')}\n`;
}
