/**
 * The one open-loop send schedule of `vchat load` and `vchat soak`. Message k is due at
 * `startMs + k * 1000 / ratePerS`; each is sent as soon as the timer wakes at or after its
 * due time and is stamped with that due time, not with the time it left. Latency is then
 * measured from when the message should have been sent (as wrk2, k6's constant-arrival-rate
 * and autocannon -R do): a sender that fell behind (a stalled server, a busy client) adds
 * its lateness to the latency instead of hiding it (coordinated omission).
 */

/** Longest the pacer sleeps between checks, ms (keeps the stop condition responsive). */
const MAX_SLEEP_MS = 50;

export interface PaceOptions {
  /** Messages per second over everything this pacer sends. */
  ratePerS: number;
  /** Send window length, ms, from startMs. */
  durationMs: number;
  /** performance.now() at which message 0 is due; defaults to now. */
  startMs?: number;
}

/**
 * Call `send(k, dueAtMs)` for every message k due within the window (dueAtMs on the
 * performance.now() clock); resolves when the window is over. A rate ≤ 0 sends nothing.
 */
export function paceOpenLoop(opts: PaceOptions, send: (k: number, dueAtMs: number) => void): Promise<void> {
  const startMs = opts.startMs ?? performance.now();
  const endMs = startMs + opts.durationMs;
  const gapMs = opts.ratePerS > 0 ? 1000 / opts.ratePerS : Number.POSITIVE_INFINITY;
  let k = 0;
  return new Promise((resolve) => {
    const tick = (): void => {
      const now = performance.now();
      for (let due = startMs + k * gapMs; due <= now && due < endMs; due = startMs + k * gapMs) send(k++, due);
      if (now >= endMs) {
        resolve();
        return;
      }
      const next = Math.min(startMs + k * gapMs, endMs);
      setTimeout(tick, Math.max(1, Math.min(MAX_SLEEP_MS, next - now)));
    };
    tick();
  });
}

/** performance.now()-clock milliseconds as wall-clock ms (comparable across local processes, like wallMs()). */
export function perfToWallMs(perfMs: number): number {
  return performance.timeOrigin + perfMs;
}
