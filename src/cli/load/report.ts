/** Plain-text renderer for a LoadResult (stdout) and the live progress line (stderr, TTY only). */
import type { Counts } from '../stats/counts.ts';
import type { LatencySummary } from '../stats/histogram.ts';
import { formatDurationMs } from './duration.ts';
import type { LoadResult, RestSummary } from './result.ts';
import { failureSummary, sanityLines } from './gate-report.ts';
import type { LiveProgress } from './live.ts';

const f = (n: number): string => (n >= 100 ? n.toFixed(0) : n >= 10 ? n.toFixed(1) : n.toFixed(2));

/** `p50 0.54  p90 0.77  p99 2.90  p99.9 4.39  max 4.39 ms`. */
export function latencyLine(l: LatencySummary): string {
  if (l.count === 0) return 'no samples';
  return `p50 ${f(l.p50_ms)}  p90 ${f(l.p90_ms)}  p99 ${f(l.p99_ms)}  p99.9 ${f(l.p99_9_ms)}  max ${f(l.max_ms)} ms  (n=${l.count})`;
}

/** `200×27 201×13`, or `none`. */
export function countsLine(c: Counts): string {
  const entries = Object.entries(c).sort(([a], [b]) => a.localeCompare(b));
  return entries.length ? entries.map(([k, v]) => `${k}×${v}`).join('  ') : 'none';
}

const restLine = (r: RestSummary): string =>
  `${r.requests} requests  ${countsLine(r.statuses)}  ${latencyLine(r.latency)}`;

/** The human report. */
export function renderLoadReport(r: LoadResult): string {
  const c = r.config;
  const m = r.messages;
  const load = c.inflight > 0 ? `closed loop, ${c.inflight} in flight per client` : `${c.rate_per_s} msgs/s`;
  const lines = [
    `vchat load  ${r.target.api}${r.target.origin ? `  (Origin ${r.target.origin})` : ''}`,
    `  ${c.clients} clients in ${c.rooms} rooms, ${c.workers || 'in-process'} worker(s), ${load} for ${formatDurationMs(c.duration_ms)} (ramp ${formatDurationMs(c.ramp_ms)})` +
      (c.http_rate_per_s ? `, REST ${c.http_rate_per_s} req/s` : ''),
    '',
    `setup      ${r.setup.clients_ready}/${c.clients} clients in ${r.setup.rooms} rooms, ${formatDurationMs(r.setup.ms)}; ${restLine(r.setup.rest)}`,
    `connect    ${r.connect.connected}/${r.connect.attempted} connected${r.connect.failed ? `, ${r.connect.failed} failed (${countsLine(r.connect.failures)})` : ''}; ${latencyLine(r.connect.latency)}`,
    `messages   sent ${m.sent}  expected ${m.expected}  delivered ${m.delivered}  lost ${m.lost}  duplicated ${m.duplicated}  out-of-order ${m.out_of_order}`,
    `throughput sent ${m.sent_per_s}/s  delivered ${m.delivered_per_s}/s`,
    `latency    ${latencyLine(r.latency)}`,
  ];
  if (r.rest) lines.push(`rest       ${restLine(r.rest)}`);
  lines.push(`errors     ${r.errors_total ? `${r.errors_total}: ${countsLine(r.errors)}` : 'none'}`);
  for (const s of m.senders_with_issues.slice(0, 5)) {
    lines.push(
      `  sender ${s.sender} (${s.user_id}): sent ${s.sent}, expected ${s.expected}, delivered ${s.delivered}, lost ${s.lost}, dup ${s.duplicated}, out-of-order ${s.out_of_order}`,
    );
  }
  for (const t of r.thresholds)
    lines.push(`threshold  ${t.name} ${t.actual} (limit ${t.limit}) ${t.ok ? 'ok' : 'FAILED'}`);
  lines.push(...sanityLines(r.sanity));
  lines.push(
    '',
    r.ok
      ? r.thresholds.length
        ? 'PASS: every threshold held'
        : 'PASS: measured (no thresholds given)'
      : `FAIL: ${failureSummary(r.thresholds, r.sanity)}`,
  );
  return `${lines.join('\n')}\n`;
}

/** One progress line, rewritten in place on a TTY. */
export function progressLine(p: LiveProgress): string {
  return `${p.phase.padEnd(9)} ${formatDurationMs(p.elapsedMs).padStart(6)}  sent ${p.sent}  delivered ${p.delivered} (${p.deliveredPerS}/s)  p99 ${f(p.p99Ms)} ms  errors ${p.errors}`;
}
