/** A SoakResult as the HTML report's ReportDoc: settings, headline figures, verdict, charts' data. */
import { formatDurationMs } from '../load/duration.ts';
import { countsLine, latencyLine } from '../load/report.ts';
import type { ReportDoc } from '../ui/report-html.ts';
import type { SoakResult } from './result.ts';

const mb = (b: number | null): string => (b === null ? '-' : `${(b / 1e6).toFixed(1)} MB`);

/** The report document of one soak. */
export function soakReportDoc(r: SoakResult): ReportDoc {
  const c = r.config;
  const t = r.totals;
  const d = r.drift;
  return {
    tool: 'vchat soak',
    api: r.target.api,
    startedAt: r.started_at,
    ok: r.ok,
    failures: [
      ...r.checks.filter((k) => !k.ok).map((k) => k.detail),
      ...r.sanity.filter((s) => !s.ok).map((s) => `${s.detail}${s.hint ? ` (hint: ${s.hint})` : ''}`),
    ],
    settings: [
      ['origin', r.target.origin ?? '(none)'],
      ['extra headers', r.target.header_names.join(', ') || '(none)'],
      ['clients / rooms', `${c.clients} in ${c.rooms} rooms`],
      ['rate', `${c.rate_per_s} msgs/s (latency from each message's due time)`],
      ['duration / interval', `${formatDurationMs(c.duration_ms)} / ${formatDurationMs(c.interval_ms)}`],
      ['reconnects per interval', String(c.reconnect_per_interval)],
      ...r.checks.map((k): [string, string] => [`check ${k.name}`, `${k.detail} ${k.ok ? 'ok' : 'FAILED'}`]),
    ],
    summary: [
      [
        'messages',
        `sent ${t.sent}, expected ${t.expected}, delivered ${t.delivered}, lost ${t.lost}, duplicated ${t.duplicated}`,
      ],
      ['latency', latencyLine(t.latency)],
      ['reconnects', `${t.reconnects - t.reconnect_failures}/${t.reconnects} ok`],
      ['server RSS', `${mb(d.rss_first_bytes)} -> ${mb(d.rss_last_bytes)} (max ${mb(d.rss_max_bytes)})`],
      ['errors', Object.keys(r.errors).length ? countsLine(r.errors) : 'none'],
    ],
    timeline: r.timeline,
    curve: r.latency_curve,
    span: 'interval',
  };
}
