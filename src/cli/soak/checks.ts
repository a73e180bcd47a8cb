/** The soak's gates: RSS growth, latency growth, lost messages, reconnect failures, and (optional) per-interval p99. */
import type { SoakOptions } from './options.ts';
import type { SoakCheck, SoakResult } from './result.ts';

const mb = (b: number): string => `${(b / 1e6).toFixed(1)} MB`;

/** Every check that applies; a check fails when its figure is above its limit. */
export function checkSoak(
  r: Pick<SoakResult, 'drift' | 'totals' | 'intervals'>,
  options: Pick<
    SoakOptions,
    | 'maxRssGrowthFraction'
    | 'maxRssGrowthBytes'
    | 'maxLoss'
    | 'maxReconnectFailures'
    | 'maxP99Ms'
    | 'maxP99GrowthMs'
    | 'maxP99GrowthFraction'
  >,
): SoakCheck[] {
  const checks: SoakCheck[] = [];
  const { rss_first_bytes: first, rss_last_bytes: last } = r.drift;
  if (first !== null && last !== null) {
    const growth = last - first;
    if (options.maxRssGrowthFraction !== undefined) {
      const fraction = first > 0 ? growth / first : 0;
      checks.push({
        name: 'max_rss_growth',
        limit: options.maxRssGrowthFraction,
        actual: Math.round(fraction * 1000) / 1000,
        ok: fraction <= options.maxRssGrowthFraction,
        detail: `server RSS ${mb(first)} -> ${mb(last)} (${(fraction * 100).toFixed(1)}%, limit ${(options.maxRssGrowthFraction * 100).toFixed(0)}%)`,
      });
    }
    if (options.maxRssGrowthBytes !== undefined) {
      checks.push({
        name: 'max_rss_growth',
        limit: options.maxRssGrowthBytes,
        actual: growth,
        ok: growth <= options.maxRssGrowthBytes,
        detail: `server RSS ${mb(first)} -> ${mb(last)} (+${mb(growth)}, limit ${mb(options.maxRssGrowthBytes)})`,
      });
    }
  }
  checks.push(...p99GrowthChecks(r.intervals, options));
  checks.push({
    name: 'max_loss',
    limit: options.maxLoss,
    actual: r.totals.lost,
    ok: r.totals.lost <= options.maxLoss,
    detail: `lost ${r.totals.lost} of ${r.totals.expected} deliveries`,
  });
  checks.push({
    name: 'max_reconnect_failures',
    limit: options.maxReconnectFailures,
    actual: r.totals.reconnect_failures,
    ok: r.totals.reconnect_failures <= options.maxReconnectFailures,
    detail: `${r.totals.reconnect_failures} of ${r.totals.reconnects} reconnects failed`,
  });
  if (options.maxP99Ms !== undefined) {
    const worst = Math.max(0, ...r.intervals.map((i) => i.latency.p99_ms));
    checks.push({
      name: 'max_p99_ms',
      limit: options.maxP99Ms,
      actual: worst,
      ok: worst <= options.maxP99Ms,
      detail: `worst interval p99 ${worst} ms`,
    });
  }
  return checks;
}

/**
 * Latency that keeps growing: the median interval p99 of the last third of the run against
 * that of the first third (medians, so one slow interval at either end does not decide it).
 * Intervals that delivered nothing are left out; with fewer than two there is no trend to judge.
 */
function p99GrowthChecks(
  intervals: SoakResult['intervals'],
  options: Pick<SoakOptions, 'maxP99GrowthMs' | 'maxP99GrowthFraction'>,
): SoakCheck[] {
  if (options.maxP99GrowthMs === undefined && options.maxP99GrowthFraction === undefined) return [];
  const p99s = intervals.filter((i) => i.delivered > 0).map((i) => i.latency.p99_ms);
  if (p99s.length < 2) return [];
  const third = Math.max(1, Math.floor(p99s.length / 3));
  const first = median(p99s.slice(0, third));
  const last = median(p99s.slice(-third));
  const growth = Math.round((last - first) * 1000) / 1000;
  const detail = `median interval p99 ${first} ms over the first ${third} interval(s) -> ${last} ms over the last ${third}`;
  const checks: SoakCheck[] = [];
  if (options.maxP99GrowthMs !== undefined) {
    checks.push({
      name: 'max_p99_growth',
      limit: options.maxP99GrowthMs,
      actual: growth,
      ok: growth <= options.maxP99GrowthMs,
      detail: `${detail} (+${growth} ms, limit +${options.maxP99GrowthMs} ms)`,
    });
  }
  if (options.maxP99GrowthFraction !== undefined) {
    const fraction = first > 0 ? Math.round((growth / first) * 1000) / 1000 : 0;
    checks.push({
      name: 'max_p99_growth',
      limit: options.maxP99GrowthFraction,
      actual: fraction,
      ok: fraction <= options.maxP99GrowthFraction,
      detail: `${detail} (${(fraction * 100).toFixed(0)}%, limit ${(options.maxP99GrowthFraction * 100).toFixed(0)}%)`,
    });
  }
  return checks;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}
