/**
 * Redis pub/sub fan-out. The instance that produced a frame delivers it to its own
 * sockets at once, then publishes it once on one channel with its instance id; every
 * other instance delivers what it receives to its sockets and drops its own echo.
 * So each socket gets each frame exactly once whichever instance holds it, and a Redis
 * outage degrades to exactly "same-instance delivery" instead of to silence.
 */
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { FanoutHealth, ServerFrame } from '../../shared/protocol.ts';
import type { Chat, Fanout } from '../chat.ts';
import type { Logger } from '../log.ts';
import type { ServerMetrics } from '../metrics/metrics.ts';
import type { Hub } from '../ws/hub.ts';
import type { Revocations } from '../auth/service.ts';
import { decodeEnvelope, decodeRevocation, encodeEnvelope, encodeRevocation, envelopePrefix } from './envelope.ts';
import { RedisLink } from './redis-link.ts';
import { RedisPresence } from './redis-presence.ts';
import type { ScaleOut } from './index.ts';

export interface RedisFanoutOptions {
  url: string;
  /** REDIS_PREFIX: namespace for keys and the channel. */
  prefix: string;
  /** REDIS_PRESENCE_TTL_MS. */
  presenceTtlMs: number;
  log: Logger;
}

/** A readable, unique id per process: host, pid and 6 random hex digits. */
export function newInstanceId(): string {
  return `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
}

export class RedisFanout implements Fanout, ScaleOut {
  readonly instanceId = newInstanceId();
  readonly presence: RedisPresence;
  private readonly link: RedisLink;
  private readonly channel: string;
  private hub: Hub | undefined;
  private metrics: ServerMetrics | undefined;
  private readonly echoPrefix: string;
  /** Logouts: published on the fan-out channel; other instances' arrive in receive(). */
  readonly revocations: Revocations = {
    publish: (tokenHash) => {
      if (!this.link.cmdReady) return; // Redis down: other instances' sockets close at expiry or reconnect (docs/accounts.md)
      this.link.cmd.publish(this.channel, encodeRevocation(this.instanceId, tokenHash)).catch(() => undefined);
    },
    onRevoked: (listener) => {
      this.revokedListener = listener;
    },
  };
  private revokedListener: ((tokenHash: string) => void) | undefined;
  /** Frames published / received from other instances, and publishes skipped while Redis was down (/health). */
  readonly counters = { published: 0, received: 0, skipped: 0 };

  constructor(private readonly options: RedisFanoutOptions) {
    this.channel = `${options.prefix}:fanout`;
    this.echoPrefix = envelopePrefix(this.instanceId);
    const log = options.log.child({ instance_id: this.instanceId });
    this.link = new RedisLink({
      url: options.url,
      channel: this.channel,
      log,
      onMessage: (payload) => this.receive(payload),
      onReady: () => this.presence.onReady(),
    });
    this.presence = new RedisPresence({
      link: this.link,
      prefix: options.prefix,
      instanceId: this.instanceId,
      ttlMs: options.presenceTtlMs,
      log,
    });
    this.link.connect();
    log.info('scale-out: redis fan-out', { channel: this.channel, presence_ttl_ms: options.presenceTtlMs });
  }

  /** ScaleOut.fanout: the factory createApp calls with its hub. */
  fanout(hub: Hub, metrics?: ServerMetrics): Fanout {
    this.hub = hub;
    this.metrics = metrics;
    this.presence.start(hub);
    return this;
  }

  /** Fanout.bind: the reaper announces user_left through the chat. */
  bind(chat: Chat): void {
    this.presence.bind(chat);
  }

  /** Deliver here now, then to every other instance through Redis (skipped while Redis is down or hung). */
  publish(roomId: string, frame: ServerFrame, exceptUserId?: string): void {
    this.hub?.broadcast(roomId, frame, exceptUserId);
    // Hung: do not pile frames up in the client to deliver them late (or never).
    if (!this.link.cmdReady || this.presence.stalled) {
      this.counters.skipped++;
      return;
    }
    this.counters.published++;
    this.link.cmd.publish(this.channel, encodeEnvelope(this.instanceId, roomId, frame, exceptUserId)).catch(() => {
      this.counters.skipped++;
    });
  }

  health(): FanoutHealth {
    const ok = this.link.ok && !this.presence.stalled;
    const health: FanoutHealth = { kind: 'redis', ok, instance_id: this.instanceId, frames: { ...this.counters } };
    if (!ok)
      health.detail = this.presence.stalled
        ? 'Redis is not answering; delivering to this instance only'
        : this.link.detail;
    return health;
  }

  drain(): void {
    this.presence.drain();
  }

  get redis(): RedisLink['cmd'] {
    return this.link.cmd;
  }

  /** Leave the presence tables (announcing what is owed), then close both connections. */
  async close(): Promise<void> {
    await this.presence.stop();
    await this.link.close();
  }

  private receive(payload: string): void {
    if (payload.startsWith(this.echoPrefix)) return; // our own frame: delivered locally already
    const env = decodeEnvelope(payload);
    if (!env) {
      const revoked = decodeRevocation(payload);
      if (revoked && revoked.origin !== this.instanceId) this.revokedListener?.(revoked.tokenHash);
      return;
    }
    if (env.origin === this.instanceId) return;
    this.counters.received++;
    if (this.metrics && env.sentAtMs !== undefined)
      this.metrics.fanoutLag.observe(Math.max(0, Date.now() - env.sentAtMs) / 1000);
    this.hub?.broadcast(env.roomId, env.frame, env.exceptUserId);
  }
}
