/**
 * `vchat load` work: setup over REST, workers connect over the ramp, everyone sends for
 * the duration, the parent tells each worker how many deliveries to expect, workers drain
 * and report, and the parent merges raw histogram counts and per-sender totals exactly
 * (assemble.ts). Returns data; printing is the renderer's job.
 */
import { randomBytes } from 'node:crypto';
import { createPool } from '../client/http.ts';
import { toWsUrl } from '../client/ws.ts';
import { wallMs } from '../stats/delivery.ts';
import { assembleLoadResult } from './assemble.ts';
import { runHttpMix } from './http-mix.ts';
import { Inbox } from './inbox.ts';
import { LiveStats, type LiveProgress, type LoadPhase } from './live.ts';
import type { LoadOptions } from './options.ts';
import { forkWorker, inProcessWorker, type WorkerHandle } from './pool.ts';
import type { ClientSpec } from './protocol.ts';
import type { LoadResult } from './result.ts';
import { newRestStats, setupFixtures, type RestTarget, type SetupResult } from './setup.ts';
import { computeDelivery } from './tally.ts';

export type { LiveProgress, LoadPhase } from './live.ts';

/** Setup failed completely (server down, wrong URL): exit 2, not a measurement. */
export class CannotStartError extends Error {
  override name = 'CannotStartError';
}

export interface LoadHooks {
  onPhase?(phase: LoadPhase, detail: string): void;
  onProgress?(p: LiveProgress): void;
}

/** Workers start sending this long after the start message, so they all begin together. */
const START_DELAY_MS = 100;
/** The parent's timeline tick comes this long after the workers' once-a-second reports. */
const TICK_AFTER_REPORT_MS = 250;

/** REST setup; CannotStartError when not one client could be made ready. */
export async function setupOrThrow(
  target: RestTarget,
  opts: Parameters<typeof setupFixtures>[1],
): Promise<SetupResult> {
  const setup = await setupFixtures(target, opts);
  if (setup.clients.length === 0)
    throw new CannotStartError(`setup failed: ${setup.firstError ?? 'no clients could be created'}`);
  return setup;
}

/** Deal the clients round-robin over `workers` slices. */
function slice(clients: ClientSpec[], workers: number): ClientSpec[][] {
  const slices: ClientSpec[][] = Array.from({ length: workers }, () => []);
  clients.forEach((c, i) => slices[i % workers]?.push(c));
  return slices;
}

/** Run one load test. Throws CannotStartError when setup produced nothing to run. */
export async function runLoad(options: LoadOptions, hooks: LoadHooks = {}): Promise<LoadResult> {
  const startedAt = new Date();
  const t0 = performance.now();
  const run = randomBytes(4).toString('hex');
  const dispatcher = createPool({ connections: options.setupConcurrency + 64 });
  const target: RestTarget = {
    api: options.api,
    origin: options.origin,
    dispatcher,
    timeoutMs: 15_000,
    headers: options.headers,
  };
  const handles: WorkerHandle[] = [];
  try {
    hooks.onPhase?.('setup', `creating ${options.rooms} rooms and ${options.clients} users over REST`);
    const setup = await setupOrThrow(target, {
      clients: options.clients,
      rooms: options.rooms,
      concurrency: options.setupConcurrency,
      run,
      accounts: options.accounts,
    });

    const nWorkers = Math.max(1, Math.min(options.workers || 1, setup.clients.length));
    const slices = slice(setup.clients, nWorkers);
    const inbox = new Inbox();
    let sendStartMs = 0;
    const live = new LiveStats(() => sendStartMs);
    for (let i = 0; i < nWorkers; i++) handles.push(options.workers === 0 ? inProcessWorker() : forkWorker());
    for (const h of handles) h.onMessage((msg) => (msg.type === 'progress' ? live.add(h, msg) : inbox.push(h, msg)));

    hooks.onPhase?.(
      'connecting',
      `opening ${setup.clients.length} sockets over ${options.rampMs} ms with ${nWorkers} worker(s)`,
    );
    handles.forEach((h, i) =>
      h.send({
        type: 'init',
        wsBase: toWsUrl(options.api),
        origin: options.origin,
        headers: options.headers,
        clients: slices[i] ?? [],
        rampMs: options.rampMs,
        connectTimeoutMs: options.connectTimeoutMs,
        run,
        messageChars: options.messageChars,
      }),
    );
    const connected = await inbox.collect(handles, 'connected');
    const connectedSet = new Set(connected.flatMap((c) => c.connected));

    hooks.onPhase?.('sending', `${connectedSet.size} clients sending for ${options.durationMs} ms`);
    live.phase = 'sending';
    sendStartMs = performance.now() + START_DELAY_MS;
    // Workers report at each whole second of sending; tick just after, so each point is one whole second.
    let progressTimer: NodeJS.Timeout | undefined;
    const firstTick = setTimeout(
      () => {
        const tick = (): void => hooks.onProgress?.(live.tick(performance.now() - t0));
        tick();
        progressTimer = setInterval(tick, 1000);
      },
      START_DELAY_MS + 1000 + TICK_AFTER_REPORT_MS,
    );
    const startAtMs = wallMs() + START_DELAY_MS;
    handles.forEach((h, i) => {
      const share = connectedSet.size
        ? (slices[i] ?? []).filter((c) => connectedSet.has(c.index)).length / connectedSet.size
        : 0;
      h.send({
        type: 'start',
        startAtMs,
        durationMs: options.durationMs,
        ratePerS: options.ratePerS * share,
        inflight: options.inflight,
      });
    });
    const rest = newRestStats();
    const mix = new Promise((r) => setTimeout(r, START_DELAY_MS)).then(() =>
      runHttpMix(target, rest, {
        ratePerS: options.httpRatePerS,
        durationMs: options.durationMs,
        clients: setup.clients,
        run,
      }),
    );
    const sent = await inbox.collect(handles, 'sent');

    live.phase = 'draining';
    hooks.onPhase?.('draining', `waiting up to ${options.drainMs} ms for the last deliveries`);
    const tally = computeDelivery(setup.clients, connectedSet, sent, slices);
    handles.forEach((h, i) =>
      h.send({ type: 'expect', deliveries: tally.expectedPerWorker[i] ?? 0, drainMs: options.drainMs }),
    );
    const results = await inbox.collect(handles, 'result');
    await mix;
    clearTimeout(firstTick);
    clearInterval(progressTimer);
    live.tick(performance.now() - t0, true);

    const result = assembleLoadResult(options, {
      startedAt,
      elapsedMs: performance.now() - t0,
      setup,
      connected,
      sent,
      results,
      messages: tally.finish(results),
      rest,
      timeline: live.timeline,
    });
    hooks.onPhase?.('done', '');
    return result;
  } finally {
    for (const h of handles) h.close();
    await dispatcher.close();
  }
}
