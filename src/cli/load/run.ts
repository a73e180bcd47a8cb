/**
 * `vchat load` work: setup over REST, workers connect over the ramp, everyone sends for
 * the duration, the parent tells each worker how many deliveries to expect, workers drain
 * and report, and the parent merges raw histogram counts and per-sender totals exactly.
 * Returns data; printing is the renderer's job.
 */
import { randomBytes } from 'node:crypto';
import { createPool } from '../client/http.ts';
import { toWsUrl } from '../client/ws.ts';
import { mergeCounts, total, type Counts } from '../stats/counts.ts';
import { decodeHistogram, mergeHistograms, newHistogram, summarize } from '../stats/histogram.ts';
import { wallMs } from '../stats/delivery.ts';
import { runHttpMix } from './http-mix.ts';
import type { LoadOptions } from './options.ts';
import { forkWorker, inProcessWorker, type WorkerHandle } from './pool.ts';
import type { ClientSpec, FromWorker, WorkerConnected, WorkerResult, WorkerSent } from './protocol.ts';
import type { LoadResult, RestSummary } from './result.ts';
import { computeDelivery } from './tally.ts';
import { newRestStats, setupFixtures, type RestStats } from './setup.ts';
import { checkThresholds } from './thresholds.ts';

/** Setup failed completely (server down, wrong URL): exit 2, not a measurement. */
export class CannotStartError extends Error {
  override name = 'CannotStartError';
}

export type LoadPhase = 'setup' | 'connecting' | 'sending' | 'draining' | 'done';

/** Live figures for the progress line, about once a second while sending and draining. */
export interface LiveProgress {
  phase: LoadPhase;
  elapsedMs: number;
  sent: number;
  delivered: number;
  errors: number;
  /** Deliveries per second over the last second. */
  deliveredPerS: number;
  /** Delivery p99 over everything so far, ms. */
  p99Ms: number;
}

export interface LoadHooks {
  onPhase?(phase: LoadPhase, detail: string): void;
  onProgress?(p: LiveProgress): void;
}

const START_DELAY_MS = 100;

/** Messages from the workers, kept until the orchestrator asks for one of each type. */
class Inbox {
  private readonly byWorker = new Map<WorkerHandle, FromWorker[]>();
  private readonly wake = new Set<() => void>();

  push(h: WorkerHandle, msg: FromWorker): void {
    const list = this.byWorker.get(h) ?? [];
    list.push(msg);
    this.byWorker.set(h, list);
    for (const w of [...this.wake]) {
      this.wake.delete(w);
      w();
    }
  }

  /** One message of `type` from every handle; rejects as soon as any worker failed. */
  collect<T extends FromWorker['type']>(handles: WorkerHandle[], type: T): Promise<Array<Extract<FromWorker, { type: T }>>> {
    return new Promise((resolve, reject) => {
      const check = (): void => {
        const failed = [...this.byWorker.values()].flat().find((m) => m.type === 'failed');
        if (failed?.type === 'failed') return reject(new Error(failed.message));
        const got = handles.map((h) => this.byWorker.get(h)?.find((m) => m.type === type));
        if (!got.every(Boolean)) return void this.wake.add(check);
        for (const h of handles) this.byWorker.set(h, (this.byWorker.get(h) ?? []).filter((m) => m.type !== type));
        resolve(got as Array<Extract<FromWorker, { type: T }>>);
      };
      check();
    });
  }
}

function restSummary(stats: RestStats): RestSummary {
  return { requests: total(stats.statuses) - (stats.statuses.skipped ?? 0), statuses: stats.statuses, latency: summarize(stats.hist) };
}

/** Run one load test. Throws CannotStartError when setup produced nothing to run. */
export async function runLoad(o: LoadOptions, hooks: LoadHooks = {}): Promise<LoadResult> {
  const startedAt = new Date();
  const t0 = performance.now();
  const run = randomBytes(4).toString('hex');
  const dispatcher = createPool({ connections: o.setupConcurrency + 64 });
  const target = { api: o.api, origin: o.origin, dispatcher, timeoutMs: 15_000 };
  const handles: WorkerHandle[] = [];
  try {
    hooks.onPhase?.('setup', `creating ${o.rooms} rooms and ${o.clients} users over REST`);
    const setup = await setupFixtures(target, { clients: o.clients, rooms: o.rooms, concurrency: o.setupConcurrency, run, accounts: o.accounts });
    if (setup.clients.length === 0) throw new CannotStartError(`setup failed: ${setup.firstError ?? 'no clients could be created'}`);

    const nWorkers = Math.max(1, Math.min(o.workers || 1, setup.clients.length));
    const slices: ClientSpec[][] = Array.from({ length: nWorkers }, () => []);
    setup.clients.forEach((c, i) => slices[i % nWorkers]?.push(c));
    const inbox = new Inbox();
    for (let i = 0; i < nWorkers; i++) handles.push(o.workers === 0 ? inProcessWorker() : forkWorker());
    const live = { hist: newHistogram(), sent: new Map<WorkerHandle, number>(), delivered: new Map<WorkerHandle, number>(), errors: new Map<WorkerHandle, number>(), lastDelivered: 0, phase: 'connecting' as LoadPhase };
    for (const h of handles) {
      h.onMessage((msg) => {
        if (msg.type === 'progress') {
          live.hist.add(decodeHistogram(msg.hist));
          live.sent.set(h, msg.sent);
          live.delivered.set(h, msg.delivered);
          live.errors.set(h, msg.errors);
          return;
        }
        inbox.push(h, msg);
      });
    }

    hooks.onPhase?.('connecting', `opening ${setup.clients.length} sockets over ${o.rampMs} ms with ${nWorkers} worker(s)`);
    handles.forEach((h, i) =>
      h.send({ type: 'init', wsBase: toWsUrl(o.api), origin: o.origin, clients: slices[i] ?? [], rampMs: o.rampMs, connectTimeoutMs: o.connectTimeoutMs, run, messageChars: o.messageChars }),
    );
    const connected: WorkerConnected[] = await inbox.collect(handles, 'connected');
    const connectedSet = new Set(connected.flatMap((c) => c.connected));

    hooks.onPhase?.('sending', `${connectedSet.size} clients sending for ${o.durationMs} ms`);
    live.phase = 'sending';
    const progressTimer = setInterval(() => {
      const sum = (m: Map<WorkerHandle, number>): number => [...m.values()].reduce((a, b) => a + b, 0);
      const delivered = sum(live.delivered);
      hooks.onProgress?.({ phase: live.phase, elapsedMs: performance.now() - t0, sent: sum(live.sent), delivered, errors: sum(live.errors), deliveredPerS: delivered - live.lastDelivered, p99Ms: summarize(live.hist).p99_ms });
      live.lastDelivered = delivered;
    }, 1000);
    const startAtMs = wallMs() + START_DELAY_MS;
    handles.forEach((h, i) => {
      const share = connectedSet.size ? (slices[i] ?? []).filter((c) => connectedSet.has(c.index)).length / connectedSet.size : 0;
      h.send({ type: 'start', startAtMs, durationMs: o.durationMs, ratePerS: o.ratePerS * share, inflight: o.inflight });
    });
    const rest = newRestStats();
    const mix = new Promise((r) => setTimeout(r, START_DELAY_MS)).then(() => runHttpMix(target, rest, { ratePerS: o.httpRatePerS, durationMs: o.durationMs, clients: setup.clients, run }));
    const sent: WorkerSent[] = await inbox.collect(handles, 'sent');

    live.phase = 'draining';
    hooks.onPhase?.('draining', `waiting up to ${o.drainMs} ms for the last deliveries`);
    const tally = computeDelivery(setup.clients, connectedSet, sent, slices);
    handles.forEach((h, i) => h.send({ type: 'expect', deliveries: tally.expectedPerWorker[i] ?? 0, drainMs: o.drainMs }));
    const results: WorkerResult[] = await inbox.collect(handles, 'result');
    await mix;
    clearInterval(progressTimer);

    const messages = tally.finish(results);
    const errors: Counts = mergeCounts([...results.map((r) => r.errors), ...connected.map((c) => c.failures)]);
    const restSum = o.httpRatePerS > 0 ? restSummary(rest) : null;
    for (const [status, n] of Object.entries(rest.statuses)) if (status === '0' || status.startsWith('error') || Number(status) >= 400) errors[`rest_${status}`] = n;
    for (const [why, n] of Object.entries(setup.failures)) errors[`setup_${why}`] = n;
    const sendWindowMs = Math.max(...sent.map((s) => s.windowMs));
    const lastArrivalMs = Math.max(sendWindowMs, ...results.map((r) => r.lastArrivalMs));
    const result: LoadResult = {
      tool: 'vchat load',
      target: { api: o.api, origin: o.origin },
      config: { clients: o.clients, rooms: o.rooms, ramp_ms: o.rampMs, rate_per_s: o.ratePerS, duration_ms: o.durationMs, http_rate_per_s: o.httpRatePerS, workers: o.workers, inflight: o.inflight, message_chars: o.messageChars },
      started_at: startedAt.toISOString(),
      elapsed_ms: Math.round(performance.now() - t0),
      setup: { ms: Math.round(setup.ms), rooms: setup.roomIds.length, clients_ready: setup.clients.length, failures: setup.failures, rest: restSummary(setup.stats) },
      connect: {
        attempted: setup.clients.length,
        connected: connectedSet.size,
        failed: setup.clients.length - connectedSet.size,
        failures: mergeCounts(connected.map((c) => c.failures)),
        latency: summarize(mergeHistograms(connected.map((c) => c.connectHist))),
      },
      messages: {
        ...messages,
        sent_per_s: Math.round((messages.sent / sendWindowMs) * 1000),
        delivered_per_s: Math.round((messages.delivered / lastArrivalMs) * 1000),
      },
      latency: summarize(mergeHistograms(results.map((r) => r.latencyHist))),
      rest: restSum,
      errors,
      errors_total: total(errors),
      thresholds: [],
      ok: true,
    };
    result.thresholds = checkThresholds(result, o.thresholds);
    result.ok = result.thresholds.every((t) => t.ok);
    hooks.onPhase?.('done', '');
    return result;
  } finally {
    for (const h of handles) h.close();
    await dispatcher.close();
  }
}
