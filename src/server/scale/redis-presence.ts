/**
 * Cross-instance presence in Redis: per-instance socket counts summed per room+user, a
 * heartbeat key per instance, and survivors that clean up after a dead one. Whenever
 * Redis cannot answer, every decision falls back to this process's hub (the same
 * answers as a single instance) and the instance re-registers its whole state once
 * Redis is back, so counts heal by themselves.
 */
import type { Chat, Presence } from '../chat.ts';
import type { Logger } from '../log.ts';
import type { Hub } from '../ws/hub.ts';
import { presenceKeys, type GoneUsers, type PresenceKeys } from './presence-scripts.ts';
import type { RedisLink } from './redis-link.ts';

/** A presence answer slower than this falls back to the local one (and the state is re-sent later). */
export const PRESENCE_TIMEOUT_MS = 1000;

export interface RedisPresenceOptions {
  link: RedisLink;
  prefix: string;
  instanceId: string;
  /** Heartbeat key lifetime; the heartbeat runs every third of it. */
  ttlMs: number;
  log: Logger;
}

export class RedisPresence implements Presence {
  private hub: Hub | undefined;
  private chat: Chat | undefined;
  /** Redis may not hold exactly this instance's sockets: re-send them all at the next chance. */
  private dirty = true;
  private heartbeatPending = false;
  /** Shutting down for a handover: sockets closing now are expected back on another instance. */
  private draining = false;
  /** When the command connection last became ready (performance.now()). */
  private readySinceMs = Number.POSITIVE_INFINITY;
  /** The last heartbeat did not answer within a period: Redis is hung. */
  stalled = false;
  private timer: NodeJS.Timeout | undefined;
  private readonly inFlight = new Set<Promise<unknown>>();
  private readonly keys: PresenceKeys;

  constructor(private readonly options: RedisPresenceOptions) {
    this.keys = presenceKeys(options.prefix);
  }

  /** Attach the hub (the source of truth for this instance) and start the heartbeat. */
  start(hub: Hub): void {
    this.hub = hub;
    this.timer = setInterval(() => void this.heartbeat(), Math.max(250, Math.floor(this.options.ttlMs / 3)));
    this.timer.unref();
    if (this.options.link.cmdReady) void this.resync();
  }

  /** The chat that announces user_left for users of dead instances. */
  bind(chat: Chat): void {
    this.chat = chat;
  }

  /** The command connection is (again) ready: re-register everything we hold. */
  onReady(): void {
    this.readySinceMs = performance.now();
    this.dirty = true;
    if (this.hub) void this.resync();
  }

  join(roomId: string, userId: string, localFirst: boolean): boolean | Promise<boolean> {
    if (!this.usable()) return localFirst;
    const { cmd } = this.options.link;
    return this.answer(cmd.presenceJoin(this.keys, this.options.instanceId, roomId, userId)).then(
      (total) => total === 1,
      () => this.fallback(localFirst),
    );
  }

  leave(roomId: string, userId: string, localLast: boolean): boolean | Promise<boolean> {
    // Draining: keep the count; survivors reap it after the TTL if the user does not come back.
    if (this.draining) return false;
    if (!this.usable()) return localLast;
    const { cmd } = this.options.link;
    return this.answer(cmd.presenceLeave(this.keys, this.options.instanceId, roomId, userId)).then(
      (total) => {
        // -1: survivors already dropped this instance (and announced); re-register, say nothing.
        if (total === -1) this.dirty = true;
        return total === 0;
      },
      () => this.fallback(localLast),
    );
  }

  online(roomIds: string[]): number[] | Promise<number[]> {
    const local = (): number[] => roomIds.map((id) => this.hub?.online(id) ?? 0);
    if (!this.usable() || roomIds.length === 0) return local();
    const { cmd } = this.options.link;
    const all = Promise.all(roomIds.map((id) => cmd.hLen(this.keys.room(id))));
    return this.track(withTimeout(all, PRESENCE_TIMEOUT_MS)).then(
      (counts) => counts.map(Number),
      () => local(),
    );
  }

  /** See ScaleOut.drain. */
  drain(): void {
    this.draining = true;
  }

  /**
   * Stop heartbeating. After drain(), leave our entries to expire with the heartbeat key
   * (survivors announce whoever did not reconnect); otherwise deregister now and announce.
   */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    await Promise.allSettled([...this.inFlight]);
    if (this.draining) {
      this.options.log.info('redis presence: left for the TTL reaper (handover)', {
        instance_id: this.options.instanceId,
        ttl_ms: this.options.ttlMs,
      });
      return;
    }
    if (!this.options.link.cmdReady) return;
    try {
      const gone = await withTimeout(
        this.options.link.cmd.presenceDeregister(this.keys, this.options.instanceId),
        PRESENCE_TIMEOUT_MS,
      );
      await this.announceGone(gone);
    } catch (err) {
      this.options.log.warn('redis presence: could not deregister; survivors will clean up after the TTL', { err });
    }
  }

  /**
   * Redis can decide now. When Redis may be stale, re-send the hub's state instead (it
   * already includes the caller's change, made just before) and let the caller answer
   * locally this once: sending the change as well would count it twice.
   */
  private usable(): boolean {
    if (!this.options.link.cmdReady || !this.hub || this.stalled) {
      this.dirty = true;
      return false;
    }
    if (!this.dirty) return true;
    void this.resync();
    return false;
  }

  private fallback(local: boolean): boolean {
    this.dirty = true;
    return local;
  }

  /** A join/leave answer, bounded by PRESENCE_TIMEOUT_MS and awaited by stop(). */
  private answer(run: Promise<number>): Promise<number> {
    return this.track(withTimeout(run, PRESENCE_TIMEOUT_MS));
  }

  private track<T>(p: Promise<T>): Promise<T> {
    this.inFlight.add(p);
    const done = (): void => void this.inFlight.delete(p);
    p.then(done, done);
    return p;
  }

  /** Replace this instance's Redis state with the hub's; sent before any later write on the same connection. */
  private async resync(): Promise<void> {
    // Draining: Redis must keep the closing sockets for the reaper, not lose them silently.
    if (!this.hub || !this.options.link.cmdReady || this.draining) return;
    const counts = this.hub.userCounts();
    const { cmd } = this.options.link;
    this.dirty = false;
    try {
      const run = cmd.presenceResync(this.keys, this.options.instanceId, this.options.ttlMs, counts);
      await this.track(withTimeout(run, PRESENCE_TIMEOUT_MS * 5));
      this.options.log.info('redis presence registered', {
        instance_id: this.options.instanceId,
        users: counts.length,
      });
    } catch (err) {
      this.dirty = true;
      this.options.log.debug('redis presence resync failed', { err });
    }
  }

  private async heartbeat(): Promise<void> {
    if (!this.options.link.cmdReady) {
      this.dirty = true;
      return;
    }
    if (this.heartbeatPending) {
      this.stalled = true;
      return;
    }
    if (this.dirty) await this.resync();
    this.heartbeatPending = true;
    try {
      // Reap others only after a full TTL connected: after an outage everyone's key may have
      // expired, and the others deserve the same TTL to come back before being declared dead.
      const reap = performance.now() - this.readySinceMs >= this.options.ttlMs;
      const { cmd } = this.options.link;
      const { registered, gone } = await cmd.presenceHeartbeat(
        this.keys,
        this.options.instanceId,
        this.options.ttlMs,
        reap,
      );
      this.stalled = false;
      if (!registered) {
        this.options.log.warn('redis presence: this instance had been presumed dead; re-registering', {
          instance_id: this.options.instanceId,
        });
        await this.resync();
      }
      await this.announceGone(gone);
    } catch (err) {
      this.dirty = true;
      this.options.log.debug('redis heartbeat failed', { err });
    } finally {
      this.heartbeatPending = false;
    }
  }

  /** user_left for each [room, user] whose last socket was on an instance that is gone. */
  private async announceGone(gone: GoneUsers): Promise<void> {
    for (const { roomId, userId } of gone) {
      this.options.log.info('redis presence: user_left for a socket of a dead instance', {
        room_id: roomId,
        user_id: userId,
      });
      await this.chat
        ?.userLeftById(roomId, userId)
        .catch((err: unknown) => this.options.log.warn('user_left lookup failed', { err }));
    }
  }
}

/** Reject after `ms`; the original promise keeps running (Redis applies the write or not; a resync settles it). */
export function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`redis did not answer within ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}
