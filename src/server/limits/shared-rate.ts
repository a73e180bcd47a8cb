/**
 * REST request budgets per client IP (RATE_LIMIT_READ/WRITE) that hold across instances with
 * REDIS_URL, with no Redis round trip on a request's path.
 *
 * The decision stays synchronous and local: this instance's token bucket, as without Redis,
 * plus a map of keys the shared window has refused. The requests a key was admitted for are
 * tallied and added to its shared window (rate-limiter-flexible, one atomic script) in the
 * background, at most once per key per FLUSH_MS; when the window says spent, the key is refused
 * here until the window ends, without asking Redis again. What N instances admit beyond the
 * budget is therefore bounded by what each admits in one flush interval plus a round trip,
 * and each instance's own bucket still caps a burst. While Redis is unreachable the tallies
 * are dropped and each instance holds its own bucket (N instances: up to N times the rate).
 */
import { RateLimiterRes, type RateLimiterRedis } from 'rate-limiter-flexible';
import type { RateConfig } from '../config.ts';
import { DEFAULT_MAX_KEYS, KeyedLimiter } from './token-bucket.ts';

/** A synchronous per-key request budget: 0 when allowed (and taken), else the wait in ms. KeyedLimiter is one. */
export interface RequestLimiter {
  take(key: string): number;
  close(): void;
}

/** Longest a key's admitted requests wait before they are counted in Redis. */
export const FLUSH_MS = 10;

/** Most keys tallied or remembered as refused at once: the same bound as the local KeyedLimiter's. */
const MAX_KEYS = DEFAULT_MAX_KEYS;

export class SharedRequestLimiter implements RequestLimiter {
  private readonly local: KeyedLimiter;
  /** Key -> performance.now() when its spent shared window ends. */
  private readonly refused = new Map<string, number>();
  /** Key -> requests admitted here and not yet counted in Redis. */
  private tally = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  private lastSweepMs = performance.now();

  constructor(
    private readonly shared: RateLimiterRedis,
    rate: RateConfig,
  ) {
    this.local = new KeyedLimiter(rate, MAX_KEYS);
  }

  take(key: string): number {
    const until = this.refused.get(key);
    if (until !== undefined) {
      const waitMs = until - performance.now();
      if (waitMs > 0) return Math.ceil(waitMs);
      this.refused.delete(key);
    }
    const waitMs = this.local.take(key);
    if (waitMs > 0) return waitMs;
    const n = this.tally.get(key);
    if (n !== undefined) this.tally.set(key, n + 1);
    else if (this.tally.size < MAX_KEYS) this.tally.set(key, 1);
    this.timer ??= setTimeout(() => this.flush(), FLUSH_MS).unref();
    return 0;
  }

  close(): void {
    clearTimeout(this.timer);
    this.local.close();
  }

  /** Add each key's tally to its shared window; remember the keys whose window is spent. */
  private flush(): void {
    this.timer = undefined;
    const batch = this.tally;
    this.tally = new Map();
    for (const [key, n] of batch) {
      this.shared.consume(key, n).then(
        (res) => {
          if (res.remainingPoints <= 0) this.refuse(key, res.msBeforeNext);
        },
        (res: unknown) => {
          // Anything but a refusal is Redis being unreachable: this instance's bucket still holds.
          if (res instanceof RateLimiterRes) this.refuse(key, res.msBeforeNext);
        },
      );
    }
  }

  private refuse(key: string, ms: number): void {
    const now = performance.now();
    if (now - this.lastSweepMs > 1000) {
      this.lastSweepMs = now;
      for (const [k, until] of this.refused) if (until <= now) this.refused.delete(k);
    }
    if (this.refused.size >= MAX_KEYS && !this.refused.has(key)) return;
    this.refused.set(key, now + Math.max(1, ms));
  }
}
