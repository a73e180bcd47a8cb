/**
 * Token buckets. `TokenBucket` is one bucket (used per WebSocket connection);
 * `KeyedLimiter` is a bounded map of buckets by key (client IP) whose idle
 * entries are swept, so a spray of source addresses cannot grow memory forever.
 */
import type { RateConfig } from '../config.ts';

export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private readonly rate: RateConfig,
    now = performance.now(),
  ) {
    this.tokens = rate.burst;
    this.last = now;
  }

  /** Take `cost` tokens (default one). Returns 0 when allowed, else the milliseconds until they are available. */
  take(now = performance.now(), cost = 1): number {
    this.refill(now);
    if (this.tokens >= cost) {
      this.tokens -= cost;
      return 0;
    }
    return Math.ceil(((cost - this.tokens) / this.rate.perSecond) * 1000);
  }

  /** The milliseconds until `cost` tokens are available (0: now), taking nothing. */
  wait(now = performance.now(), cost = 1): number {
    this.refill(now);
    return this.tokens >= cost ? 0 : Math.ceil(((cost - this.tokens) / this.rate.perSecond) * 1000);
  }

  /** True when the bucket is full again (safe to forget). */
  isFull(now = performance.now()): boolean {
    this.refill(now);
    return this.tokens >= this.rate.burst;
  }

  private refill(now: number): void {
    const elapsedS = (now - this.last) / 1000;
    if (elapsedS > 0) {
      this.tokens = Math.min(this.rate.burst, this.tokens + elapsedS * this.rate.perSecond);
      this.last = now;
    }
  }
}

/** Most keys a KeyedLimiter remembers by default: a spray of addresses cannot grow memory past it. */
export const DEFAULT_MAX_KEYS = 100_000;

export class KeyedLimiter {
  private buckets = new Map<string, TokenBucket>();
  private timer: NodeJS.Timeout;

  constructor(
    private readonly rate: RateConfig,
    /** Most keys remembered; past it the oldest bucket is dropped. */
    private readonly maxKeys = DEFAULT_MAX_KEYS,
    sweepMs = 10_000,
  ) {
    this.timer = setInterval(() => this.sweep(), sweepMs);
    this.timer.unref();
  }

  /** 0 when allowed, else the wait in ms before a retry can succeed. */
  take(key: string): number {
    return this.bucket(key).take();
  }

  /** Like take() but takes nothing: for a budget charged elsewhere (WebSocket abuse closes). */
  wait(key: string): number {
    return this.buckets.get(key)?.wait() ?? 0;
  }

  private bucket(key: string): TokenBucket {
    let bucket = this.buckets.get(key);
    if (!bucket) {
      if (this.buckets.size >= this.maxKeys) {
        const oldest = this.buckets.keys().next().value;
        if (oldest !== undefined) this.buckets.delete(oldest);
      }
      bucket = new TokenBucket(this.rate);
      this.buckets.set(key, bucket);
    }
    return bucket;
  }

  get size(): number {
    return this.buckets.size;
  }

  /** Forget buckets that have refilled completely: they behave exactly like new ones. */
  sweep(): void {
    const now = performance.now();
    for (const [key, bucket] of this.buckets) if (bucket.isFull(now)) this.buckets.delete(key);
  }

  close(): void {
    clearInterval(this.timer);
  }
}
