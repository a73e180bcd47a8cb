/**
 * Two node-redis connections (commands + a dedicated subscriber), with a bounded
 * reconnect backoff, an `error` listener on each (an unhandled one would crash the
 * process), and one place that knows whether Redis is usable right now.
 */
import { createClient } from 'redis';
import type { Logger } from '../log.ts';
import { presenceScripts } from './presence-scripts.ts';

/**
 * The command connection (the generic parameters are not worth spelling out): a node-redis
 * client that also has the presence scripts as methods, since node-redis attaches scripts
 * when a client is created. The Redis-backed limits share it (limits/shared-budget.ts).
 */
export type RedisClient = ReturnType<typeof createCommandClient>;

/** The subscriber connection: a plain node-redis client. */
export type RedisSubscriber = ReturnType<typeof createClient>;

/** A command connection as RedisLink makes one (tests that stand in for the scale-out layer use it too). */
export function createCommandClient(options: Parameters<typeof createClient>[0]) {
  return createClient({ ...options, scripts: presenceScripts });
}

export interface RedisLinkOptions {
  url: string;
  /** Channel the subscriber listens on; `onMessage` receives each payload. */
  channel: string;
  onMessage(payload: string): void;
  /** The command connection became ready (first connect or after an outage). */
  onReady(): void;
  log: Logger;
}

/** Reconnect delays grow 100 ms, 200 ms, … up to this cap, plus up to 100 ms of jitter. */
export const MAX_RECONNECT_DELAY_MS = 3000;

/** Bounded exponential backoff with jitter, so N instances do not reconnect in lockstep. */
export function reconnectDelayMs(retries: number): number {
  return Math.min(MAX_RECONNECT_DELAY_MS, 100 * 2 ** Math.min(retries, 10)) + Math.floor(Math.random() * 100);
}

export class RedisLink {
  readonly cmd: RedisClient;
  readonly sub: RedisSubscriber;
  private subscribed = false;
  private closed = false;
  private wasUp: boolean | null = null;
  private lastError = '';
  /** performance.now() when the fan-out went down, for the outage length on recovery. */
  private downSinceMs: number | null = null;

  constructor(private readonly options: RedisLinkOptions) {
    const common = {
      url: options.url,
      // Fail fast while disconnected instead of queueing: callers fall back to this instance.
      disableOfflineQueue: true,
      socket: { connectTimeout: 3000, reconnectStrategy: reconnectDelayMs },
    };
    this.cmd = createCommandClient(common);
    this.sub = createClient(common);
    for (const [name, client] of [
      ['command', this.cmd],
      ['subscriber', this.sub],
    ] as const) {
      client.on('error', (err: Error) => {
        this.lastError = err.message || String(err);
        this.noteState();
      });
      client.on('ready', () => {
        if (client === this.sub) this.subscribe();
        if (client === this.cmd) options.onReady();
        this.noteState();
      });
      client.on('end', () => this.noteState());
      client.on('reconnecting', () => options.log.debug('redis reconnecting', { connection: name }));
    }
  }

  /** Start connecting in the background; never rejects (Redis may come up later). */
  connect(): void {
    for (const client of [this.cmd, this.sub]) {
      client.connect().catch((err: unknown) => {
        if (!this.closed) this.options.log.error('redis connect gave up', { err });
      });
    }
  }

  /** Commands can be sent now. */
  get cmdReady(): boolean {
    return !this.closed && this.cmd.isReady;
  }

  /** Both directions work: we can publish and we receive what others publish. */
  get ok(): boolean {
    return this.cmdReady && this.sub.isReady && this.subscribed;
  }

  /** A sentence for /health when not ok. */
  get detail(): string {
    if (!this.cmd.isReady || !this.sub.isReady)
      return `Redis unreachable (${this.lastError || 'connecting'}); delivering to this instance only`;
    return 'Subscribing to the fan-out channel';
  }

  /** Close both connections; pending replies are awaited for at most `ms`. */
  async close(ms = 2000): Promise<void> {
    this.closed = true;
    await Promise.all(
      [this.cmd, this.sub].map(async (client) => {
        if (!client.isOpen) return;
        const timer = setTimeout(() => client.destroy(), ms);
        try {
          if (client.isReady) await client.close();
          else client.destroy();
        } catch {
          client.destroy();
        } finally {
          clearTimeout(timer);
        }
      }),
    );
  }

  private subscribe(): void {
    // node-redis re-subscribes by itself after a reconnect; this covers the first connect.
    if (this.subscribed) return;
    this.sub
      .subscribe(this.options.channel, (message: string) => this.options.onMessage(message))
      .then(() => {
        this.subscribed = true;
        this.noteState();
      })
      .catch((err: unknown) => this.options.log.warn('redis subscribe failed; retrying on next connect', { err }));
  }

  /** Log each transition once: a flapping Redis must not flood the logs. */
  private noteState(): void {
    if (this.closed) return;
    const up = this.ok;
    if (up === this.wasUp) return;
    if (up) {
      if (this.downSinceMs === null) this.options.log.info('redis fan-out up: delivering across instances');
      else
        this.options.log.info('redis fan-out back up: delivering across instances again', {
          outage_s: Math.round((performance.now() - this.downSinceMs) / 100) / 10,
        });
      this.downSinceMs = null;
    } else if (this.wasUp !== null || this.lastError) {
      this.downSinceMs ??= performance.now();
      this.options.log.warn('redis fan-out down: delivering to this instance only', { detail: this.detail });
    }
    this.wasUp = up;
  }
}
