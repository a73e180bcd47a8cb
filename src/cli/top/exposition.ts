/**
 * A reader for the Prometheus text format (version 0.0.4), enough for `vchat top`: sample
 * lines `name{label="value",…} value [timestamp]`, comments skipped. Written here rather
 * than pulled in: the CLI package stays small, and the server-side library (prom-client)
 * only writes the format.
 */

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Every sample in `text`; a line that is not a sample is skipped (the format has no other kind that matters here). */
export function parseExposition(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const sample = parseLine(line);
    if (sample) samples.push(sample);
  }
  return samples;
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;

function parseLine(line: string): Sample | null {
  const name = NAME.exec(line)?.[0];
  if (!name) return null;
  let at = name.length;
  const labels: Record<string, string> = {};
  if (line[at] === '{') {
    at++;
    while (at < line.length && line[at] !== '}') {
      const eq = line.indexOf('=', at);
      if (eq === -1 || line[eq + 1] !== '"') return null;
      const key = line.slice(at, eq).trim();
      let value = '';
      let i = eq + 2;
      for (; i < line.length && line[i] !== '"'; i++) {
        if (line[i] === '\\' && i + 1 < line.length) {
          const next = line.charAt(++i);
          value += next === 'n' ? '\n' : next;
        } else value += line.charAt(i);
      }
      labels[key] = value;
      at = i + 1;
      if (line[at] === ',') at++;
    }
    at++; // the closing brace
  }
  const [valueText] = line.slice(at).trim().split(/\s+/);
  const value = parseValue(valueText ?? '');
  return value === null ? null : { name, labels, value };
}

function parseValue(text: string): number | null {
  if (text === '+Inf') return Infinity;
  if (text === '-Inf') return -Infinity;
  if (text === 'NaN') return NaN;
  const n = Number(text);
  return text !== '' && !Number.isNaN(n) ? n : null;
}

/** Sum of the samples named `name` whose labels include `match`. */
export function total(samples: Sample[], name: string, match: Record<string, string> = {}): number {
  let sum = 0;
  for (const s of samples) if (s.name === name && matches(s, match)) sum += s.value;
  return sum;
}

/** Whether a sample named `name` is present at all. */
export function has(samples: Sample[], name: string): boolean {
  return samples.some((s) => s.name === name);
}

/**
 * The `q` quantile (0..1) of a histogram from its cumulative `_bucket` samples, summed over
 * every label set (all operations together), linearly interpolated inside the bucket as
 * Prometheus's histogram_quantile does. `since`: subtract an earlier scrape's buckets, for
 * the quantile of what happened in between. Null when there are no observations.
 */
export function histogramQuantile(q: number, samples: Sample[], name: string, since?: Sample[]): number | null {
  const counts = bucketTotals(samples, name);
  if (since) for (const [le, n] of bucketTotals(since, name)) counts.set(le, (counts.get(le) ?? 0) - n);
  const bounds = [...counts.keys()].sort((a, b) => a - b);
  const count = counts.get(Infinity) ?? 0;
  if (count <= 0) return null;
  const rank = q * count;
  let lowerBound = 0;
  let lowerCount = 0;
  for (const le of bounds) {
    const cumulative = counts.get(le) as number;
    if (cumulative >= rank) {
      if (le === Infinity) return lowerBound; // beyond the last finite bucket: its bound is all we know
      const inBucket = cumulative - lowerCount;
      return inBucket <= 0 ? le : lowerBound + (le - lowerBound) * ((rank - lowerCount) / inBucket);
    }
    lowerBound = le;
    lowerCount = cumulative;
  }
  return lowerBound;
}

function bucketTotals(samples: Sample[], name: string): Map<number, number> {
  const totals = new Map<number, number>();
  for (const s of samples) {
    if (s.name !== `${name}_bucket` || s.labels.le === undefined) continue;
    const le = s.labels.le === '+Inf' ? Infinity : Number(s.labels.le);
    totals.set(le, (totals.get(le) ?? 0) + s.value);
  }
  return totals;
}

function matches(sample: Sample, match: Record<string, string>): boolean {
  for (const key in match) if (sample.labels[key] !== match[key]) return false;
  return true;
}
