/** A LoadResult as the HTML report's ReportDoc: settings, headline figures, verdict, charts' data. */
import type { ReportDoc } from '../ui/report-html.ts';
import { formatDurationMs } from './duration.ts';
import { countsLine, latencyLine } from './report.ts';
import type { LoadResult } from './result.ts';
import { describeFailures } from './thresholds.ts';

/** The report document of one load run. */
export function loadReportDoc(r: LoadResult): ReportDoc {
  const c = r.config;
  const m = r.messages;
  return {
    tool: 'vchat load',
    api: r.target.api,
    startedAt: r.started_at,
    ok: r.ok,
    failures: [
      ...describeFailures(r.thresholds),
      ...r.sanity.filter((s) => !s.ok).map((s) => `${s.detail}${s.hint ? ` (hint: ${s.hint})` : ''}`),
    ],
    settings: [
      ['origin', r.target.origin ?? '(none)'],
      ['extra headers', r.target.header_names.join(', ') || '(none)'],
      ['clients / rooms', `${c.clients} in ${c.rooms} rooms`],
      [
        'mode',
        c.inflight > 0
          ? `closed loop, ${c.inflight} in flight per client`
          : `open loop, ${c.rate_per_s} msgs/s (latency from each message's due time)`,
      ],
      ['duration / ramp', `${formatDurationMs(c.duration_ms)} / ${formatDurationMs(c.ramp_ms)}`],
      ['REST mix', c.http_rate_per_s ? `${c.http_rate_per_s} req/s` : 'off'],
      ['workers', String(c.workers || 'in-process')],
      ['message size', `${c.message_chars} chars`],
      ...r.thresholds.map((t): [string, string] => [
        `threshold ${t.name}`,
        `${t.actual} (limit ${t.limit}) ${t.ok ? 'ok' : 'FAILED'}`,
      ]),
    ],
    summary: [
      [
        'connected',
        `${r.connect.connected}/${r.connect.attempted}${r.connect.failed ? ` (${countsLine(r.connect.failures)})` : ''}`,
      ],
      [
        'messages',
        `sent ${m.sent}, expected ${m.expected}, delivered ${m.delivered}, lost ${m.lost}, duplicated ${m.duplicated}, out of order ${m.out_of_order}`,
      ],
      ['throughput', `sent ${m.sent_per_s}/s, delivered ${m.delivered_per_s}/s`],
      ['latency', latencyLine(r.latency)],
      ['errors', r.errors_total ? countsLine(r.errors) : 'none'],
    ],
    timeline: r.timeline,
    curve: r.latency_curve,
    span: 'second',
  };
}
