/** The soak's gates: RSS growth, lost messages, reconnect failures, and (optional) per-interval p99. */
import type { SoakOptions } from './options.ts';
import type { SoakCheck, SoakResult } from './result.ts';

const mb = (b: number): string => `${(b / 1e6).toFixed(1)} MB`;

/** Every check that applies; a check fails when its figure is above its limit. */
export function checkSoak(r: Pick<SoakResult, 'drift' | 'totals' | 'intervals'>, o: Pick<SoakOptions, 'maxRssGrowthFraction' | 'maxRssGrowthBytes' | 'maxLoss' | 'maxReconnectFailures' | 'maxP99Ms'>): SoakCheck[] {
  const checks: SoakCheck[] = [];
  const { rss_first_bytes: first, rss_last_bytes: last } = r.drift;
  if (first !== null && last !== null) {
    const growth = last - first;
    if (o.maxRssGrowthFraction !== undefined) {
      const fraction = first > 0 ? growth / first : 0;
      checks.push({ name: 'max_rss_growth', limit: o.maxRssGrowthFraction, actual: Math.round(fraction * 1000) / 1000, ok: fraction <= o.maxRssGrowthFraction, detail: `server RSS ${mb(first)} -> ${mb(last)} (${(fraction * 100).toFixed(1)}%, limit ${(o.maxRssGrowthFraction * 100).toFixed(0)}%)` });
    }
    if (o.maxRssGrowthBytes !== undefined) {
      checks.push({ name: 'max_rss_growth', limit: o.maxRssGrowthBytes, actual: growth, ok: growth <= o.maxRssGrowthBytes, detail: `server RSS ${mb(first)} -> ${mb(last)} (+${mb(growth)}, limit ${mb(o.maxRssGrowthBytes)})` });
    }
  }
  checks.push({ name: 'max_loss', limit: o.maxLoss, actual: r.totals.lost, ok: r.totals.lost <= o.maxLoss, detail: `lost ${r.totals.lost} of ${r.totals.expected} deliveries` });
  checks.push({ name: 'max_reconnect_failures', limit: o.maxReconnectFailures, actual: r.totals.reconnect_failures, ok: r.totals.reconnect_failures <= o.maxReconnectFailures, detail: `${r.totals.reconnect_failures} of ${r.totals.reconnects} reconnects failed` });
  if (o.maxP99Ms !== undefined) {
    const worst = Math.max(0, ...r.intervals.map((i) => i.latency.p99_ms));
    checks.push({ name: 'max_p99_ms', limit: o.maxP99Ms, actual: worst, ok: worst <= o.maxP99Ms, detail: `worst interval p99 ${worst} ms` });
  }
  return checks;
}
