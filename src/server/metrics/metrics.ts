/**
 * The server's Prometheus metrics, in one prom-client Registry per app (tests run several
 * apps in one process). Three kinds of sources, chosen by how often they change:
 * - gauges and hot counters (deliveries, messages accepted) are plain numbers the hub and
 *   chat keep anyway, read at scrape time: nothing on the hot path;
 * - latencies go to FastHistogram children resolved once per label set;
 * - rare events (refusals, rejections, rate-limit hits) are labelled prom-client counters.
 */
import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import type { Chat } from '../chat.ts';
import type { LimitKind } from '../limits/refusal.ts';
import type { Store, StoreCounts } from '../store/store.ts';
import type { Hub } from '../ws/hub.ts';
import { FastHistogram, type HistogramChild } from './histogram.ts';
import type { OutageWatch } from './outage.ts';

/** Why an upgrade or a new socket was turned away (`vchat_ws_connections_refused_total`). */
export type RefusedReason =
  'origin' | 'limit' | 'auth' | 'unknown_room' | 'unknown_user' | 'room_full' | 'not_found' | 'shutting_down' | 'error';

/** The refusal reason of an upgrade refused before the handshake, from the error code it was answered with. */
export function upgradeRefusalReason(code: string): RefusedReason {
  switch (code) {
    case 'origin_not_allowed':
      return 'origin';
    case 'too_many_connections':
    case 'rate_limited':
      return 'limit';
    case 'auth_required':
      return 'auth';
    case 'not_found':
      return 'not_found';
    case 'shutting_down':
      return 'shutting_down';
    default:
      return 'error';
  }
}

/** Which budget refused (`vchat_rate_limit_hits_total`): a REST LimitKind (limits/refusal.ts) or a WebSocket bucket. */
export type RateLimitName = LimitKind | 'ws_message' | 'ws_typing' | 'ws_control' | 'ws_bytes';

/** What the app hands over once it exists, for the values read at scrape time. */
export interface MetricSources {
  hub: Hub;
  chat: Chat;
  store: Store;
  storeWatch: OutageWatch;
}

/** Seconds; from a loopback in-memory request to a slow database query. */
const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
/** Rooms and users are counted at most this often (a database count per scrape adds up). */
const COUNTS_MAX_AGE_MS = 10_000;

export class ServerMetrics {
  readonly registry = new Registry();
  /** `vchat_http_request_duration_seconds{method,route,status}`: route templates only, never raw paths. */
  readonly httpDuration = new FastHistogram({
    name: 'vchat_http_request_duration_seconds',
    help: 'REST request latency until the response head is written, by method, route template and status',
    labelNames: ['method', 'route', 'status'],
    buckets: LATENCY_BUCKETS,
  }).register(this.registry);
  /** `vchat_store_operation_duration_seconds{operation,store}`. */
  readonly storeDuration = new FastHistogram({
    name: 'vchat_store_operation_duration_seconds',
    help: 'Store call latency by operation and store kind (memory, postgres, mongo)',
    labelNames: ['operation', 'store'],
    buckets: LATENCY_BUCKETS,
  }).register(this.registry);
  /** Publish-to-receive time of frames from other instances (sender and receiver clocks). */
  readonly fanoutLag: HistogramChild = new FastHistogram({
    name: 'vchat_fanout_lag_seconds',
    help: 'Redis fan-out: time from publish on another instance to receipt here (wall clocks of both)',
    labelNames: [],
    buckets: LATENCY_BUCKETS,
  })
    .register(this.registry)
    .child();

  private readonly refused = new Counter({
    name: 'vchat_ws_connections_refused_total',
    help: 'WebSocket connections turned away, by reason',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });
  private readonly rejected = new Counter({
    name: 'vchat_chat_messages_rejected_total',
    help: 'Chat messages (WebSocket frames and POST /rooms/{id}/messages) refused, by error code',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });
  private readonly limited = new Counter({
    name: 'vchat_rate_limit_hits_total',
    help: 'Requests and frames refused by a rate limit, by limit',
    labelNames: ['limit'] as const,
    registers: [this.registry],
  });

  private readonly slowDrops = new Counter({
    name: 'vchat_slow_reader_drops_total',
    help: 'Sockets closed 1013 for falling too far behind',
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }

  /** An upgrade or a new socket was refused. */
  wsRefused(reason: RefusedReason): void {
    this.refused.inc({ reason });
  }

  /** A chat message was refused; `reason` is the error code the client got. */
  messageRejected(reason: string): void {
    this.rejected.inc({ reason });
  }

  /** A rate limit refused a request or a frame. */
  rateLimitHit(limit: RateLimitName): void {
    this.limited.inc({ limit });
  }

  /** A socket was closed for reading too slowly. */
  slowReaderDropped(): void {
    this.slowDrops.inc();
  }

  /** Register the scrape-time readings of the app's own figures (called once by createApp). */
  bind({ hub, chat, store, storeWatch }: MetricSources): void {
    const registers = [this.registry];
    gauge(
      registers,
      'vchat_ws_connections',
      'WebSocket connections open on this instance',
      () => hub.activeConnections,
    );
    gauge(registers, 'vchat_active_rooms', 'Rooms with at least one socket on this instance', () => hub.activeRooms);
    gauge(
      registers,
      'vchat_online_users',
      'Distinct users with a socket on this instance',
      () => new Set(hub.userCounts().map(([, userId]) => userId)).size,
    );
    tally(
      registers,
      'vchat_chat_messages_accepted_total',
      'Chat messages stored and broadcast (repeated client_msg_id not counted)',
      () => chat.messagesAccepted,
    );
    tally(registers, 'vchat_deliveries_total', 'Frames queued to sockets by room broadcasts', () => hub.deliveries);
    gauge(registers, 'vchat_store_up', '1 while the store answers, 0 from a failed call until the next success', () =>
      storeWatch.up ? 1 : 0,
    );
    tally(
      registers,
      'vchat_store_unavailable_seconds_total',
      'Seconds the store was unreachable',
      () => storeWatch.unavailableMs() / 1000,
    );
    this.bindFanout(chat);
    if (store.counts) this.bindCounts(() => (store.counts as () => Promise<StoreCounts>)());
  }

  /** Redis fan-out frame counts, read from the fan-out's own counters (absent without REDIS_URL). */
  private bindFanout(chat: Chat): void {
    if (!chat.fanoutHealth().frames) return;
    let last = { published: 0, received: 0, skipped: 0 };
    new Counter({
      name: 'vchat_fanout_frames_total',
      help: 'Redis fan-out frames: published, received from other instances, skipped while Redis was down',
      labelNames: ['direction'] as const,
      registers: [this.registry],
      collect() {
        const now = chat.fanoutHealth().frames ?? last;
        for (const direction of ['published', 'received', 'skipped'] as const)
          this.inc({ direction }, now[direction] - last[direction]);
        last = { ...now };
      },
    });
  }

  /** `vchat_rooms` and `vchat_users`: totals from the store, refreshed at most every COUNTS_MAX_AGE_MS. */
  private bindCounts(read: () => Promise<StoreCounts>): void {
    let cached: { atMs: number; counts: Promise<StoreCounts | null> } | undefined;
    const counts = (): Promise<StoreCounts | null> => {
      const nowMs = performance.now();
      if (!cached || nowMs - cached.atMs > COUNTS_MAX_AGE_MS) {
        const entry = {
          atMs: nowMs,
          // A failure is not kept: the next scrape asks again.
          counts: read().catch(() => {
            if (cached === entry) cached = undefined;
            return null;
          }),
        };
        cached = entry;
      }
      return cached.counts;
    };
    for (const [name, help, key] of [
      ['vchat_rooms', 'Rooms stored', 'rooms'],
      ['vchat_users', 'Users stored', 'users'],
    ] as const) {
      new Gauge({
        name,
        help,
        registers: [this.registry],
        async collect() {
          const now = await counts();
          if (now) this.set(now[key]);
        },
      });
    }
  }
}

/** A gauge read at scrape time. */
function gauge(registers: Registry[], name: string, help: string, read: () => number): void {
  new Gauge({
    name,
    help,
    registers,
    collect() {
      this.set(read());
    },
  });
}

/** A counter mirroring a running total kept elsewhere: each scrape adds what it grew by. */
function tally(registers: Registry[], name: string, help: string, read: () => number): void {
  let last = 0;
  new Counter({
    name,
    help,
    registers,
    collect() {
      const now = read();
      if (now > last) this.inc(now - last);
      last = now;
    },
  });
}
