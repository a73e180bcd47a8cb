/**
 * Count budgets shared by every instance through Redis (REDIS_URL), so N instances do not
 * mean N times the budget. rate-limiter-flexible does the counting (one atomic Redis script
 * per event, maintained, node-redis supported) rather than a second hand-written limiter.
 *
 * Used for the rare, costly events (rooms and users created) where one Redis round trip per
 * event is cheap. The per-request REST read/write buckets stay local on purpose (see
 * docs/scaling.md): a Redis round trip on every request would cost the hot POST path its
 * benchmark target, and a request-rate bucket per instance still bounds each instance.
 *
 * In Redis the budget is a window of `burst / perSecond` seconds holding `burst` events
 * (ROOMS_PER_HOUR: that many per hour). While Redis is unreachable each instance falls back
 * to the same window in its own memory (the library's insurance limiter), so limits hold
 * per instance rather than failing open or refusing everyone.
 */
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { createClient } from 'redis';
import type { RateConfig } from '../config.ts';
import type { Logger } from '../log.ts';
import type { CountBudget } from './creation.ts';

export interface SharedBudgetOptions {
  url: string;
  /** REDIS_PREFIX: keys are `<prefix>:limit:<budget>:<key>`. */
  prefix: string;
  log: Logger;
}

export class SharedBudgets {
  private readonly client: ReturnType<typeof createClient>;
  private down = false;

  constructor(private readonly options: SharedBudgetOptions) {
    // No offline queue: while Redis is away a command fails at once and the insurance limiter answers.
    this.client = createClient({
      url: options.url,
      disableOfflineQueue: true,
      socket: { reconnectStrategy: (retries) => Math.min(100 * 2 ** retries, 3000) },
    });
    this.client.on('error', (err: unknown) => {
      if (!this.down)
        options.log.warn('shared limits: Redis unreachable, each instance counts on its own until it returns', { err });
      this.down = true;
    });
    this.client.on('ready', () => {
      if (this.down) options.log.info('shared limits: Redis is back');
      this.down = false;
    });
    this.client.connect().catch(() => undefined);
  }

  /** A CountBudget named `name` (one key space per budget) holding `rate.burst` events per window. */
  budget(name: string, rate: RateConfig): CountBudget {
    const durationS = Math.max(1, Math.round(rate.burst / rate.perSecond));
    const limiter = new RateLimiterRedis({
      storeClient: this.client,
      useRedisPackage: true,
      rejectIfRedisNotReady: true,
      keyPrefix: `${this.options.prefix}:limit:${name}`,
      points: rate.burst,
      duration: durationS,
      insuranceLimiter: new RateLimiterMemory({ points: rate.burst, duration: durationS }),
    });
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

  async close(): Promise<void> {
    await this.client.quit().catch(() => this.client.destroy());
  }
}
