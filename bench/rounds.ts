/**
 * Repeated, alternating runs. This machine is shared and its speed drifts by several per cent
 * within a minute, so one run of each server can land a ratio anywhere in a wide band: the
 * bench runs baseline and vchat in turns (the order flipped every round, so a drift hits both
 * alike) and reports the median run of each. A warm-up round (round 0, not kept) comes first,
 * so neither server's first measured run pays for its JIT warming up.
 */

/**
 * A discarded warm-up round (`baseline(0)`, `ours(0)`) unless `warmUp` is false, then `rounds`
 * rounds of `baseline()` and `ours()`, alternating; every measured run of each, in order.
 */
export async function alternate<T>(
  rounds: number,
  baseline: (round: number) => Promise<T>,
  ours: (round: number) => Promise<T>,
  warmUp = true,
): Promise<{ baseline: T[]; ours: T[] }> {
  if (warmUp) {
    await baseline(0);
    await ours(0);
  }
  const out = { baseline: [] as T[], ours: [] as T[] };
  for (let round = 1; round <= rounds; round++) {
    if (round % 2 === 1) {
      out.baseline.push(await baseline(round));
      out.ours.push(await ours(round));
    } else {
      out.ours.push(await ours(round));
      out.baseline.push(await baseline(round));
    }
  }
  return out;
}

/** How long a run of `round` lasts: the warm-up (round 0) half of `seconds`, at least 1 s. */
export function secondsFor(round: number, seconds: number): number {
  return round === 0 ? Math.max(1, seconds / 2) : seconds;
}

/** The run whose `key` is the median (the lower middle for an even count); undefined for none. */
export function medianRun<T>(runs: readonly T[], key: (run: T) => number): T | undefined {
  if (runs.length === 0) return undefined;
  const sorted = [...runs].sort((a, b) => key(a) - key(b));
  return sorted[Math.floor((sorted.length - 1) / 2)];
}
