/**
 * Scale-out entry point for main.ts. Without REDIS_URL it returns null and no Redis
 * code is even loaded (the import below is lazy), so one process runs exactly as before.
 */
import type { Fanout } from '../chat.ts';
import type { Config } from '../config.ts';
import type { Logger } from '../log.ts';
import type { ServerMetrics } from '../metrics/metrics.ts';
import type { Hub } from '../ws/hub.ts';
import type { RedisClient } from './redis-link.ts';

/** Cross-instance fan-out and presence, handed to createApp({fanout}). */
export interface ScaleOut {
  /** The factory createApp calls with its hub. */
  fanout(hub: Hub, metrics?: ServerMetrics): Fanout;
  /**
   * SIGTERM, before app.close(): the sockets about to be closed with 1001 will reconnect to
   * another instance, so keep their presence until the TTL reaper runs instead of
   * announcing user_left now (no left/joined flap on every deploy).
   */
  drain(): void;
  /** The command connection, shared with the Redis-backed limits (limits/shared-budget.ts); close() closes it. */
  readonly redis: RedisClient;
  /** After app.close(): leave the presence tables, close connections. Never throws. */
  close(): Promise<void>;
}

/** The Redis fan-out when config.redisUrl is set, else null. Never waits for Redis to be up. */
export async function startScaleOut(config: Config, log: Logger): Promise<ScaleOut | null> {
  if (!config.redisUrl) return null;
  const { RedisFanout } = await import('./redis-fanout.ts');
  return new RedisFanout({
    url: config.redisUrl,
    prefix: config.redisPrefix,
    presenceTtlMs: config.redisPresenceTtlMs,
    log,
  });
}
