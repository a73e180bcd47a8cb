/**
 * Count budgets shared by every instance through Redis (REDIS_URL), so N instances do not
 * mean N times the budget. rate-limiter-flexible does the counting (one atomic Redis script
 * per event, maintained, node-redis supported) rather than a second hand-written limiter.
 *
 * Used for the events where one awaited Redis round trip is cheap next to the work they start:
 * rooms and users created, logins (per IP and per account) and WebSocket upgrade attempts. The
 * REST request budgets use the same windows without awaiting them (`requests()`, shared-rate.ts).
 * The Redis client is the scale-out layer's command connection (scale/redis-link.ts): no
 * second connection, and its owner closes it.
 *
 * In Redis the budget is a window of `burst / perSecond` seconds holding `burst` events
 * (ROOMS_PER_HOUR: that many per hour). A key that has spent its window is remembered in this
 * process until the window ends (the library's in-memory block), so a client hammering a
 * spent budget costs no Redis call. While Redis is unreachable each instance falls back to
 * the same window in its own memory (the library's insurance limiter): limits hold per
 * instance (N instances: up to N times the budget) rather than refusing everyone.
 */
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import type { RateConfig } from '../config.ts';
import type { RedisClient } from '../scale/redis-link.ts';
import type { CountBudget } from './creation.ts';
import { SharedRequestLimiter, type RequestLimiter } from './shared-rate.ts';

export interface SharedBudgetOptions {
  /** A node-redis client created with disableOfflineQueue (commands fail at once while Redis is away). */
  client: RedisClient;
  /** REDIS_PREFIX: keys are `<prefix>:limit:<budget>:<key>`. */
  prefix: string;
}

/** The window rate-limiter-flexible counts in, for a token-bucket rate: `burst` events per `burst / perSecond` s. */
export function sharedWindow(rate: RateConfig): { points: number; duration: number } {
  return {
    points: Math.max(1, Math.floor(rate.burst)),
    duration: Math.max(1, Math.round(rate.burst / rate.perSecond)),
  };
}

export class SharedBudgets {
  constructor(private readonly options: SharedBudgetOptions) {}

  /** The rate-limiter-flexible limiter behind budget `name`; `insured`: with the in-memory insurance and block. */
  limiter(name: string, rate: RateConfig, insured = true): RateLimiterRedis {
    const window = sharedWindow(rate);
    return new RateLimiterRedis({
      storeClient: this.options.client,
      useRedisPackage: true,
      rejectIfRedisNotReady: true,
      keyPrefix: `${this.options.prefix}:limit:${name}`,
      ...window,
      ...(insured ? { inMemoryBlockOnConsumed: window.points, insuranceLimiter: new RateLimiterMemory(window) } : {}),
    });
  }

  /**
   * A REST request budget named `name`: decided locally and at once, counted in Redis in the
   * background (shared-rate.ts). Its own local bucket is the fallback, so no insurance here.
   */
  requests(name: string, rate: RateConfig): RequestLimiter {
    return new SharedRequestLimiter(this.limiter(name, rate, false), rate);
  }

  /** A CountBudget named `name` (one key space per budget) holding `rate.burst` events per window. */
  budget(name: string, rate: RateConfig): CountBudget {
    const limiter = this.limiter(name, rate);
    return {
      take: async (key) => {
        try {
          await limiter.consume(key);
          return 0;
        } catch (res) {
          if (res instanceof RateLimiterRes) return Math.max(1, res.msBeforeNext);
          throw res;
        }
      },
      close: () => undefined,
    };
  }
}
