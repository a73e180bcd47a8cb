/** GET /health (and HEAD) and GET /. */
import type { HealthDto } from '../../shared/protocol.ts';
import { withAuth } from '../auth/guard.ts';
import type { Ctx } from '../http/context.ts';
import { sendJson } from '../http/respond.ts';
import type { Handler, Router } from '../http/router.ts';
import type { RouteDeps } from './deps.ts';
import { cachedProbe } from './health-probe.ts';
import { isoNow } from '../iso-time.ts';

/** A ping slower than this counts as storage down. */
const PING_TIMEOUT_MS = 2000;
/** At most one database probe per this interval, per instance (see health-probe.ts). */
const PROBE_INTERVAL_MS = 1000;

export function registerHealth(router: Router, deps: RouteDeps): void {
  const { config, store, hub, chat, auth } = deps;
  const probe = cachedProbe(() => store.ping(), PROBE_INTERVAL_MS, PING_TIMEOUT_MS);

  const health: Handler = (ctx) => {
    // Only a networked store can hang or fail; the in-memory one is answered at once, with no
    // timer race and no promise (platforms poll this route constantly). So is a fresh probe result.
    if (!store.persistent) {
      sendHealth(ctx, true);
      return;
    }
    const ok = probe.fresh();
    if (ok !== undefined) {
      sendHealth(ctx, ok);
      return;
    }
    return probe.run().then((result) => sendHealth(ctx, result));
  };

  function sendHealth(ctx: Ctx, ok: boolean): void {
    const mem = memorySample();
    const warning = store.warning?.();
    const body: HealthDto = {
      status: ok ? 'healthy' : 'degraded',
      timestamp: isoNow(),
      version: config.version,
      commit: config.commit,
      environment: config.environment,
      uptime_s: Math.round((performance.now() - deps.startedAtMs) / 1000),
      storage: store.poolUse
        ? { kind: store.kind, persistent: store.persistent, ok, pool: store.poolUse() }
        : { kind: store.kind, persistent: store.persistent, ok },
      // A Redis outage is a warning here, not `degraded`: this instance still serves its own sockets.
      fanout: chat.fanoutHealth(),
      active_rooms: hub.activeRooms,
      active_connections: hub.activeConnections,
      memory_rss_bytes: mem.rss,
      heap_used_bytes: mem.heapUsed,
    };
    if (warning) body.storage.warning = warning;
    sendJson(ctx, ok ? 200 : 503, body);
  }

  const index: Handler = (ctx) => {
    sendJson(ctx, 200, { name: 'vchat', version: config.version, health: '/health' });
  };

  // Checked like every route that is not sign-up or login (auth/guard.ts).
  router.on('GET', '/health', withAuth(auth, health));
  router.on('GET', '/', withAuth(auth, index));
}

/** Memory figures at most this old are reused: process.memoryUsage() walks every heap space. */
const MEMORY_SAMPLE_MS = 1000;
let lastSample = { at: -Infinity, rss: 0, heapUsed: 0 };

/**
 * RSS and heap in use, sampled at most once a second: read on every call, it is a large share
 * of a busy /health's CPU (docs/performance.md, "Numbers behind code comments").
 */
function memorySample(): { rss: number; heapUsed: number } {
  const now = performance.now();
  if (now - lastSample.at >= MEMORY_SAMPLE_MS) {
    const m = process.memoryUsage();
    lastSample = { at: now, rss: m.rss, heapUsed: m.heapUsed };
  }
  return lastSample;
}
