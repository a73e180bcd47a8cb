/**
 * `vchat soak` work: a few clients in one process, a low chat rate, and every interval:
 * reconnect some clients (rotating, plus any that dropped), send, drain, sample /health.
 * Expected deliveries are counted at send time (open members of the room minus the
 * sender), so reconnect gaps never show up as loss. Returns data; printing is elsewhere.
 */
import { randomBytes } from 'node:crypto';
import { createPool } from '../client/http.ts';
import { toWsUrl } from '../client/ws.ts';
import { CannotStartError } from '../load/run.ts';
import { setupFixtures } from '../load/setup.ts';
import { SimClient, type SimHandlers } from '../load/sim-client.ts';
import { bump, type Counts } from '../stats/counts.ts';
import { DeliveryBook, decodeTag, encodeTag, wallMs } from '../stats/delivery.ts';
import { newHistogram, recordMs, summarize } from '../stats/histogram.ts';
import { checkSoak } from './checks.ts';
import { sampleHealth } from './health.ts';
import type { SoakOptions } from './options.ts';
import type { SoakInterval, SoakResult } from './result.ts';

const TICK_MS = 20;
const CONNECT_TIMEOUT_MS = 10_000;

export interface SoakHooks {
  onInterval?(interval: SoakInterval, of: number): void;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, Math.max(0, ms)));

/** Run one soak. Throws CannotStartError when setup produced nothing. */
export async function runSoak(o: SoakOptions, hooks: SoakHooks = {}): Promise<SoakResult> {
  const startedAt = new Date();
  const t0 = performance.now();
  const run = randomBytes(4).toString('hex');
  const dispatcher = createPool({ connections: 16 });
  const setup = await setupFixtures({ api: o.api, origin: o.origin, dispatcher, timeoutMs: 15_000 }, { clients: o.clients, rooms: o.rooms, concurrency: 8, run, accounts: o.accounts }).finally(() => dispatcher.close());
  if (setup.clients.length === 0) throw new CannotStartError(`setup failed: ${setup.firstError ?? 'no clients could be created'}`);

  const book = new DeliveryBook();
  const errors: Counts = {};
  for (const [why, n] of Object.entries(setup.failures)) errors[`setup_${why}`] = n;
  const total = newHistogram();
  let interval = newHistogram();
  let expected = 0;
  let sent = 0;
  const handlers: SimHandlers = {
    onTagged: (client, id) => {
      const tag = decodeTag(id, run);
      if (!tag || tag.sender === client.spec.index) return;
      if (book.receive(client.spec.index, tag.sender, tag.seq) === 'new') {
        const ms = wallMs() - tag.sentAtMs;
        recordMs(total, ms);
        recordMs(interval, ms);
      }
    },
    onOther: (_c, frame) => {
      if (frame.type === 'error') bump(errors, `server_error_${String(frame.code)}`);
    },
    onClosed: (_c, code) => bump(errors, `closed_${code}`),
  };
  const clients = setup.clients.map((spec) => new SimClient(spec, handlers));
  const wsBase = toWsUrl(o.api);
  const connectHist = newHistogram();
  const initial: Counts = {};
  await Promise.all(
    clients.map((c) =>
      c.connect(wsBase, o.origin, CONNECT_TIMEOUT_MS).then(
        (ms) => recordMs(connectHist, ms),
        (why) => bump(initial, String(why)),
      ),
    ),
  );
  for (const [why, n] of Object.entries(initial)) errors[`connect_${why}`] = n;

  const openIn = (roomId: string): number => clients.reduce((n, c) => (c.open && c.spec.roomId === roomId ? n + 1 : n), 0);
  const sendOne = (c: SimClient): void => {
    const id = encodeTag({ run, sender: c.spec.index, seq: c.seq, sentAtMs: wallMs() });
    if (!c.send(`{"content":"soak ${c.spec.index}/${c.seq}","client_msg_id":"${id}"}`)) return;
    c.seq++;
    sent++;
    expected += openIn(c.spec.roomId) - 1;
  };

  const intervals: SoakInterval[] = [];
  const count = Math.max(1, Math.round(o.durationMs / o.intervalMs));
  let rotate = 0;
  let rr = 0;
  let reconnectsTotal = 0;
  let reconnectFailures = 0;
  for (let i = 0; i < count; i++) {
    const start = performance.now();
    // Reconnect: the next k clients in rotation, plus any that are down.
    const chosen = new Set<SimClient>(clients.filter((c) => !c.open));
    for (let k = 0; k < Math.min(o.reconnectPerInterval, clients.length); k++) chosen.add(clients[rotate++ % clients.length] as SimClient);
    const rc = { attempted: 0, failed: 0, failures: {} as Counts, hist: newHistogram() };
    await Promise.all(
      [...chosen].map(async (c) => {
        rc.attempted++;
        await c.close();
        try {
          recordMs(rc.hist, await c.connect(wsBase, o.origin, CONNECT_TIMEOUT_MS));
        } catch (why) {
          rc.failed++;
          bump(rc.failures, String(why));
          bump(errors, `reconnect_${String(why)}`);
        }
      }),
    );
    reconnectsTotal += rc.attempted;
    reconnectFailures += rc.failed;

    const before = { sent, expected, delivered: book.delivered, dup: dupTotal(book) };
    interval = newHistogram();
    const sendUntil = start + o.intervalMs - o.drainMs;
    const sendStart = performance.now();
    let due0 = 0;
    while (performance.now() < sendUntil) {
      const due = Math.floor(((performance.now() - sendStart) * o.ratePerS) / 1000) - due0;
      for (let k = 0; k < due; k++) {
        const open = clients.filter((c) => c.open);
        if (open.length) sendOne(open[rr++ % open.length] as SimClient);
        due0++;
      }
      await sleep(Math.min(TICK_MS, sendUntil - performance.now()));
    }
    const drainUntil = start + o.intervalMs;
    while (book.delivered < expected && performance.now() < drainUntil) await sleep(TICK_MS);

    const health = await sampleHealth(o.api, o.origin);
    if (!health.ok) bump(errors, `health_${health.status || 'error'}`);
    const delivered = book.delivered - before.delivered;
    const exp = expected - before.expected;
    const record: SoakInterval = {
      index: i + 1,
      at_s: Math.round((performance.now() - t0) / 100) / 10,
      open_clients: clients.filter((c) => c.open).length,
      reconnects: { attempted: rc.attempted, failed: rc.failed, failures: rc.failures, latency: summarize(rc.hist) },
      sent: sent - before.sent,
      expected: exp,
      delivered,
      lost: Math.max(0, exp - delivered),
      duplicated: dupTotal(book) - before.dup,
      latency: summarize(interval),
      health,
    };
    intervals.push(record);
    hooks.onInterval?.(record, count);
    await sleep(drainUntil - performance.now());
  }
  await Promise.all(clients.map((c) => c.close()));

  let outOfOrder = 0;
  for (const t of book.bySender.values()) outOfOrder += t.outOfOrder;
  const samples = intervals.map((x) => x.health).filter((h) => h.rss_bytes !== null);
  const first = samples[0];
  const last = samples[samples.length - 1];
  const result: SoakResult = {
    tool: 'vchat soak',
    target: { api: o.api, origin: o.origin },
    config: { clients: o.clients, rooms: o.rooms, rate_per_s: o.ratePerS, duration_ms: o.durationMs, interval_ms: o.intervalMs, reconnect_per_interval: o.reconnectPerInterval },
    started_at: startedAt.toISOString(),
    elapsed_ms: Math.round(performance.now() - t0),
    intervals,
    totals: {
      sent,
      expected,
      delivered: book.delivered,
      lost: Math.max(0, expected - book.delivered),
      duplicated: dupTotal(book),
      out_of_order: outOfOrder,
      reconnects: reconnectsTotal,
      reconnect_failures: reconnectFailures,
      latency: summarize(total),
    },
    drift: {
      rss_first_bytes: first?.rss_bytes ?? null,
      rss_last_bytes: last?.rss_bytes ?? null,
      rss_max_bytes: samples.length ? Math.max(...samples.map((h) => h.rss_bytes as number)) : null,
      heap_first_bytes: first?.heap_used_bytes ?? null,
      heap_last_bytes: last?.heap_used_bytes ?? null,
      connections_first: first?.active_connections ?? null,
      connections_last: last?.active_connections ?? null,
      p99_first_ms: intervals[0]?.latency.p99_ms ?? 0,
      p99_last_ms: intervals[intervals.length - 1]?.latency.p99_ms ?? 0,
    },
    errors,
    checks: [],
    ok: true,
  };
  result.checks = checkSoak(result, o);
  result.ok = result.checks.every((c) => c.ok);
  return result;
}

function dupTotal(book: DeliveryBook): number {
  let n = 0;
  for (const t of book.bySender.values()) n += t.duplicated;
  return n;
}
