/**
 * `--report out.html` for `vchat load` and `vchat soak`: one self-contained HTML file (uPlot and
 * the data inlined, no network) with deliveries/s and p50/p99 over time, the latency percentile
 * curve, errors and reconnects over time, the run's settings and its verdict. The page marks
 * itself `data-rendered` with the number of charts drawn, so a test (or a person) can tell.
 */
import type { TimelinePoint } from '../load/result.ts';
import type { CurvePoint } from '../stats/histogram.ts';
import { uplotAssets } from './uplot-assets.ts';

/** What a report shows, whichever command produced it. */
export interface ReportDoc {
  /** `vchat load` or `vchat soak`. */
  tool: string;
  api: string;
  startedAt: string;
  ok: boolean;
  /** Each failed check in words (empty when ok). */
  failures: string[];
  /** The run's settings, as label/value rows. */
  settings: Array<[string, string]>;
  /** The headline figures, as label/value rows. */
  summary: Array<[string, string]>;
  timeline: TimelinePoint[];
  curve: CurvePoint[];
  /** What one timeline point spans ("second", "interval"). */
  span: string;
}

/** Text for HTML content and attributes. */
export function htmlEscape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** JSON safe inside a <script> element (no `</script>`, no U+2028/2029 surprises). */
function scriptJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

const rows = (pairs: Array<[string, string]>): string =>
  pairs.map(([k, v]) => `<tr><th>${htmlEscape(k)}</th><td>${htmlEscape(v)}</td></tr>`).join('');

/** The chart-drawing script: reads #data, draws four uPlot charts, then sets data-rendered. */
const DRAW = `
const d = JSON.parse(document.getElementById('data').textContent);
const t = d.timeline.map((p) => p.t_s);
const width = () => Math.min(900, document.body.clientWidth - 32);
const charts = [];
const linear = { scales: { x: { time: false } } };
const chart = (id, title, series, data, extra) => {
  const el = document.getElementById(id);
  if (data[0].length === 0) { el.textContent = title + ': no data'; return; }
  charts.push({ id, points: data[0].length, plot: new uPlot({ title, width: width(), height: 260, series, ...extra }, data, el) });
};
const perSpan = (key) => d.timeline.map((p, i) => p[key] - (i ? d.timeline[i - 1][key] : 0));
chart('deliveries', 'Deliveries per second', [{ label: 'time (s)' }, { label: 'deliveries/s', stroke: '#2563eb', width: 2 }], [t, d.timeline.map((p) => p.delivered_per_s)], linear);
chart('latency', 'Delivery latency per ' + d.span + ' (ms)', [{ label: 'time (s)' }, { label: 'p50', stroke: '#16a34a', width: 2 }, { label: 'p99', stroke: '#dc2626', width: 2 }, { label: 'max', stroke: '#9ca3af', dash: [4, 4] }],
  [t, d.timeline.map((p) => p.p50_ms), d.timeline.map((p) => p.p99_ms), d.timeline.map((p) => p.max_ms)], linear);
// Percentile curve on a "nines" axis: x = -log10(1 - p), so 90%, 99%, 99.9% are evenly spaced.
const lastNine = d.curve.length ? Math.max(...d.curve.filter((c) => c.percentile < 100).map((c) => -Math.log10(1 - c.percentile / 100))) + 0.5 : 0;
const nines = d.curve.map((c) => (c.percentile >= 100 ? lastNine : -Math.log10(1 - c.percentile / 100)));
const label = (x) => (100 * (1 - Math.pow(10, -x))).toFixed(Math.max(0, Math.ceil(x) - 2)) + '%';
chart('curve', 'Latency by percentile (HDR)', [{ label: 'percentile', value: (u, x) => (x == null ? '' : label(x)) }, { label: 'latency (ms)', stroke: '#7c3aed', width: 2, points: { show: true } }],
  [nines, d.curve.map((c) => c.ms)], { scales: { x: { time: false } }, axes: [{ values: (u, xs) => xs.map(label), splits: () => [0, 1, 2, 3, 4, 5].filter((x) => x <= lastNine) }, {}] });
chart('errors', 'Errors and reconnects per ' + d.span, [{ label: 'time (s)' }, { label: 'errors', stroke: '#dc2626', width: 2, fill: 'rgba(220,38,38,0.1)' }, { label: 'reconnects', stroke: '#0891b2', width: 2 }],
  [t, perSpan('errors'), d.timeline.map((p) => p.reconnects)], linear);
window.vchatCharts = charts.map((c) => ({ id: c.id, points: c.points }));
document.body.dataset.rendered = String(charts.length);
`;

/** The whole HTML document. */
export function renderHtmlReport(doc: ReportDoc): string {
  const { js, css } = uplotAssets();
  const verdict = doc.ok ? 'PASS' : 'FAIL';
  const data = { timeline: doc.timeline, curve: doc.curve, span: doc.span };
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${htmlEscape(`${doc.tool} ${verdict} ${doc.api}`)}</title>
<style>${css}
body{font:14px/1.45 system-ui,sans-serif;margin:16px;color:#111;max-width:960px}
h1{font-size:20px;margin:0 0 4px}.verdict{display:inline-block;padding:2px 10px;border-radius:4px;color:#fff;font-weight:700}
.PASS{background:#16a34a}.FAIL{background:#dc2626}table{border-collapse:collapse;margin:8px 0 16px}
th,td{text-align:left;padding:2px 12px 2px 0;vertical-align:top}th{color:#555;font-weight:500}
.chart{margin:12px 0 20px}ul.failures{color:#b91c1c}
</style></head>
<body>
<h1>${htmlEscape(doc.tool)} <span class="verdict ${verdict}">${verdict}</span></h1>
<div>${htmlEscape(doc.api)} &middot; started ${htmlEscape(doc.startedAt)}</div>
${doc.failures.length ? `<ul class="failures">${doc.failures.map((f) => `<li>${htmlEscape(f)}</li>`).join('')}</ul>` : ''}
<h2>Figures</h2><table>${rows(doc.summary)}</table>
<div class="chart" id="deliveries"></div>
<div class="chart" id="latency"></div>
<div class="chart" id="curve"></div>
<div class="chart" id="errors"></div>
<h2>Settings</h2><table>${rows(doc.settings)}</table>
<script type="application/json" id="data">${scriptJson(data)}</script>
<script>${js.replace(/<\/script/gi, '<\\/script')}</script>
<script>${DRAW}</script>
</body></html>
`;
}
