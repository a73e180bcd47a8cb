/**
 * `vchat soak` work: a few clients in one process, a low chat rate, and every interval:
 * reconnect some clients (rotating, plus any that dropped), send, drain, sample /health.
 * Expected deliveries are counted at send time (open members of the room minus the
 * sender), so reconnect gaps never show up as loss. Returns data; printing is elsewhere.
 */
import { randomBytes } from 'node:crypto';
import { createPool } from '../client/http.ts';
import { toWsUrl } from '../client/ws.ts';
import { setupOrThrow } from '../load/run.ts';
import { bump, total, type Counts } from '../stats/counts.ts';
import { newHistogram, summarize } from '../stats/histogram.ts';
import { assembleSoakResult } from './assemble.ts';
import { sampleHealth } from './health.ts';
import type { SoakOptions } from './options.ts';
import type { SoakInterval, SoakResult } from './result.ts';
import { SoakSession } from './session.ts';

const CONNECT_TIMEOUT_MS = 10_000;

export interface SoakHooks {
  onInterval?(interval: SoakInterval, of: number): void;
}

/** Run one soak. Throws CannotStartError when setup produced nothing. */
export async function runSoak(options: SoakOptions, hooks: SoakHooks = {}): Promise<SoakResult> {
  const startedAt = new Date();
  const t0 = performance.now();
  const run = randomBytes(4).toString('hex');
  const dispatcher = createPool({ connections: 16 });
  const rest = { api: options.api, origin: options.origin, dispatcher, timeoutMs: 15_000, headers: options.headers };
  const setup = await setupOrThrow(rest, {
    clients: options.clients,
    rooms: options.rooms,
    concurrency: 8,
    run,
    accounts: options.accounts,
  }).finally(() => dispatcher.close());

  const session = new SoakSession(setup.clients, run, {
    wsBase: toWsUrl(options.api),
    origin: options.origin,
    headers: options.headers,
    timeoutMs: CONNECT_TIMEOUT_MS,
  });
  for (const [why, n] of Object.entries(setup.failures)) bump(session.errors, `setup_${why}`, n);
  await session.connectAll();
  const connectFailures: Counts = {};
  for (const [k, n] of Object.entries(session.errors))
    if (k.startsWith('connect_')) connectFailures[k.slice('connect_'.length)] = n;

  const intervals: SoakInterval[] = [];
  const count = Math.max(1, Math.round(options.durationMs / options.intervalMs));
  for (let i = 0; i < count; i++) {
    const record = await runInterval(options, session, i, t0);
    intervals.push(record);
    hooks.onInterval?.(record, count);
  }
  await session.closeAll();
  return assembleSoakResult(options, session, {
    startedAt,
    elapsedMs: performance.now() - t0,
    intervals,
    connectFailures,
    attempted: setup.clients.length,
  });
}

/** One interval: reconnect, send until --drain before its end, drain, sample /health, then wait out the interval. */
async function runInterval(options: SoakOptions, s: SoakSession, i: number, t0: number): Promise<SoakInterval> {
  const start = performance.now();
  const rc = await s.reconnect(options.reconnectPerInterval);
  const before = { sent: s.sent, expected: s.expected, delivered: s.book.delivered, dup: s.anomalies().duplicated };
  s.interval = newHistogram();
  const sendUntil = start + options.intervalMs - options.drainMs;
  await s.send(options.ratePerS, sendUntil - performance.now());
  const end = start + options.intervalMs;
  await s.drain(end);

  const health = await sampleHealth(options.api, options.origin, options.headers);
  if (!health.ok) bump(s.errors, `health_${health.status || 'error'}`);
  const delivered = s.book.delivered - before.delivered;
  const expected = s.expected - before.expected;
  const record: SoakInterval = {
    index: i + 1,
    at_s: Math.round((performance.now() - t0) / 100) / 10,
    open_clients: s.openCount(),
    reconnects: { attempted: rc.attempted, failed: rc.failed, failures: rc.failures, latency: summarize(rc.hist) },
    sent: s.sent - before.sent,
    expected,
    delivered,
    lost: Math.max(0, expected - delivered),
    duplicated: s.anomalies().duplicated - before.dup,
    latency: summarize(s.interval),
    errors_total: total(s.errors),
    health,
  };
  await new Promise((r) => setTimeout(r, Math.max(0, end - performance.now())));
  return record;
}
