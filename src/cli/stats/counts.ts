/** Counters keyed by a label (status codes, error kinds, close codes), mergeable across workers. */
export type Counts = Record<string, number>;

/** Add `n` to `key` in place. */
export function bump(counts: Counts, key: string | number, n = 1): void {
  const k = String(key);
  counts[k] = (counts[k] ?? 0) + n;
}

/** Sum several count maps into a new one. */
export function mergeCounts(parts: Counts[]): Counts {
  const out: Counts = {};
  for (const part of parts) for (const [k, v] of Object.entries(part)) bump(out, k, v);
  return out;
}

/** Total of every counter. */
export function total(counts: Counts): number {
  let n = 0;
  for (const v of Object.values(counts)) n += v;
  return n;
}
