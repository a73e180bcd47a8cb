/**
 * Mergeable latency histograms (HdrHistogram, pure-JS build). Values are recorded in
 * whole microseconds; summaries are reported in milliseconds. Worker processes send their
 * histograms to the parent encoded (compressed base64); the parent adds the raw counts,
 * so merged percentiles are exact to the histogram's 3 significant digits, never an
 * average of percentiles.
 */
import * as hdr from 'hdr-histogram-js';

export type Histogram = hdr.Histogram;

/** Highest value tracked without resizing: 10 minutes, in microseconds. */
const HIGHEST_US = 600_000_000;

/** A fresh histogram for microsecond values (1 µs to 10 min, 3 significant digits, auto-resizing). */
export function newHistogram(): Histogram {
  return hdr.build({
    useWebAssembly: false,
    autoResize: true,
    lowestDiscernibleValue: 1,
    highestTrackableValue: HIGHEST_US,
    numberOfSignificantValueDigits: 3,
  });
}

/** Record one latency given in milliseconds (fractions kept to the microsecond; negatives clamp to 0). */
export function recordMs(h: Histogram, ms: number): void {
  h.recordValue(Math.max(0, Math.round(ms * 1000)));
}

/** Serialise for IPC or JSON (HdrHistogram V2 compressed encoding, base64). */
export function encodeHistogram(h: Histogram): string {
  return hdr.encodeIntoCompressedBase64(h);
}

/** Inverse of encodeHistogram. */
export function decodeHistogram(encoded: string): Histogram {
  return hdr.decodeFromCompressedBase64(encoded, 32, false);
}

/** One histogram holding the raw counts of all the given ones (encoded or live). */
export function mergeHistograms(parts: Array<Histogram | string>): Histogram {
  const merged = newHistogram();
  for (const part of parts) merged.add(typeof part === 'string' ? decodeHistogram(part) : part);
  return merged;
}

/** Percentiles of a latency distribution, in milliseconds. Zero everywhere when count is 0. */
export interface LatencySummary {
  count: number;
  min_ms: number;
  mean_ms: number;
  p50_ms: number;
  p90_ms: number;
  p99_ms: number;
  p99_9_ms: number;
  max_ms: number;
}

const ms = (us: number): number => Math.round(us) / 1000;

/** Summarise a microsecond histogram into millisecond percentiles. */
export function summarize(h: Histogram): LatencySummary {
  const count = h.totalCount;
  if (count === 0) return { count: 0, min_ms: 0, mean_ms: 0, p50_ms: 0, p90_ms: 0, p99_ms: 0, p99_9_ms: 0, max_ms: 0 };
  // Percentiles are bucket tops (exact below 2.048 ms, else within 0.1%); never report one above max.
  const max = h.maxValue;
  const at = (p: number): number => ms(Math.min(h.getValueAtPercentile(p), max));
  return {
    count,
    min_ms: ms(h.minNonZeroValue === Number.MAX_SAFE_INTEGER ? 0 : h.minNonZeroValue),
    mean_ms: ms(h.mean),
    p50_ms: at(50),
    p90_ms: at(90),
    p99_ms: at(99),
    p99_9_ms: at(99.9),
    max_ms: ms(max),
  };
}

/** One point of a latency percentile curve. */
export interface CurvePoint {
  percentile: number;
  ms: number;
}

/** Percentiles the curve is drawn through: dense towards the tail, like HdrHistogram's plots. */
const CURVE_PERCENTILES = [
  0, 10, 20, 30, 40, 50, 60, 70, 75, 80, 85, 90, 92.5, 95, 96.25, 97.5, 98.75, 99, 99.375, 99.5, 99.75, 99.9, 99.95,
  99.99, 99.999, 100,
];

/** The latency percentile curve (HDR), ms; empty when nothing was recorded. */
export function percentileCurve(h: Histogram): CurvePoint[] {
  if (h.totalCount === 0) return [];
  return CURVE_PERCENTILES.map((p) => ({
    percentile: p,
    ms: ms(Math.min(p === 0 ? h.minNonZeroValue : h.getValueAtPercentile(p), h.maxValue)),
  }));
}
