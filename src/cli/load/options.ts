/**
 * `vchat load` options: defaults in one literal, raw commander values -> a checked
 * LoadOptions, every problem reported at once as a UsageError (exit 2).
 */
import { availableParallelism } from 'node:os';
import { LIMITS } from '../../shared/protocol.ts';
import { optionReader, UsageError, type RawOptions } from '../option-reader.ts';

/** Clients allowed without --yes. */
export const MAX_CLIENTS_WITHOUT_YES = 2000;

export const LOAD_DEFAULTS = {
  clients: 50,
  rooms: 5,
  ramp: '5s',
  rate: 50,
  duration: '30s',
  httpRate: 0,
  drain: '5s',
  connectTimeout: '10s',
  setupConcurrency: 16,
  messageChars: 64,
  inflight: 0,
};

export interface Thresholds {
  /** Fail when delivery p99 exceeds this, ms. */
  maxP99Ms?: number;
  /** Fail when more messages than this were lost. */
  maxLoss?: number;
  /** Fail when more errors than this happened (all kinds). */
  maxErrors?: number;
}

export interface LoadOptions {
  api: string;
  origin: string | null;
  /** Extra headers on every REST request and WebSocket upgrade (`--header`). */
  headers: Record<string, string>;
  clients: number;
  rooms: number;
  rampMs: number;
  /** Total open-loop chat rate over all clients, messages/s. */
  ratePerS: number;
  durationMs: number;
  /** REST mix rate, requests/s (0 = none). */
  httpRatePerS: number;
  /** Child processes; 0 runs the clients in this process. */
  workers: number;
  /** Closed loop: un-echoed messages each client keeps in flight (0 = open loop at ratePerS). */
  inflight: number;
  drainMs: number;
  connectTimeoutMs: number;
  setupConcurrency: number;
  messageChars: number;
  /** Sign up an account per client and use its token (servers with REQUIRE_AUTH=true). */
  accounts: boolean;
  thresholds: Thresholds;
}

/** Raw option values as commander hands them over (strings unless a parser ran). */
export type RawLoadOptions = RawOptions;

/** Check and convert; throws one UsageError listing every problem. */
export function parseLoadOptions(raw: RawLoadOptions): LoadOptions {
  const problems: string[] = [];
  const { str, num, dur, headers } = optionReader(raw, problems);
  const optionalNum = (name: string, flag: string): number | undefined =>
    str(name) === undefined ? undefined : num(name, flag, 0, 0, false);

  const api = str('api');
  if (!api) problems.push('--api URL is required (the server to load; point it only at servers you own)');
  else if (!/^https?:\/\/[^/]+/i.test(api))
    problems.push(`--api must be an http:// or https:// URL (got ${JSON.stringify(api)})`);
  const origin = str('origin') ?? null;
  if (origin !== null && !/^https?:\/\/[^/]+$/i.test(origin))
    problems.push(`--origin must be an origin like https://app.example.com (got ${JSON.stringify(origin)})`);

  const clients = num('clients', '--clients', LOAD_DEFAULTS.clients, 1);
  if (clients > MAX_CLIENTS_WITHOUT_YES && raw.yes !== true) {
    problems.push(
      `--clients ${clients} is above ${MAX_CLIENTS_WITHOUT_YES}; add --yes if you really mean to open that many sockets`,
    );
  }
  const rooms = num('rooms', '--rooms', LOAD_DEFAULTS.rooms, 1);
  if (rooms > clients)
    problems.push(`--rooms ${rooms} is more than --clients ${clients}; every room needs at least one client`);
  const durationMs = dur('duration', '--duration', LOAD_DEFAULTS.duration);
  if (durationMs <= 0 && !problems.some((p) => p.startsWith('--duration')))
    problems.push('--duration must be longer than 0');

  const options: LoadOptions = {
    api: (api ?? '').replace(/\/+$/, ''),
    origin,
    headers: headers(),
    clients,
    rooms,
    rampMs: dur('ramp', '--ramp', LOAD_DEFAULTS.ramp),
    ratePerS: num('rate', '--rate', LOAD_DEFAULTS.rate, 0, false),
    durationMs,
    httpRatePerS: num('httpRate', '--http-rate', LOAD_DEFAULTS.httpRate, 0, false),
    workers: num('workers', '--workers', Math.min(availableParallelism(), clients), 0),
    inflight: num('inflight', '--inflight', LOAD_DEFAULTS.inflight, 0),
    drainMs: dur('drain', '--drain', LOAD_DEFAULTS.drain),
    connectTimeoutMs: dur('connectTimeout', '--connect-timeout', LOAD_DEFAULTS.connectTimeout),
    setupConcurrency: num('setupConcurrency', '--setup-concurrency', LOAD_DEFAULTS.setupConcurrency, 1),
    messageChars: num('size', '--size', LOAD_DEFAULTS.messageChars, 1),
    accounts: raw.accounts === true,
    thresholds: {},
  };
  if (options.messageChars > 5000) problems.push('--size must be at most 5000 characters (the server limit)');
  const maxP99Ms = optionalNum('maxP99', '--max-p99');
  const maxLoss = optionalNum('maxLoss', '--max-loss');
  const maxErrors = optionalNum('maxErrors', '--max-errors');
  if (maxP99Ms !== undefined) options.thresholds.maxP99Ms = maxP99Ms;
  if (maxLoss !== undefined) options.thresholds.maxLoss = maxLoss;
  if (maxErrors !== undefined) options.thresholds.maxErrors = maxErrors;
  if (problems.length) throw new UsageError(problems.join('\n'));
  return options;
}

/** Warnings that do not stop the run (e.g. a per-socket rate above the server's default limit). */
export function loadWarnings(options: LoadOptions): string[] {
  const out: string[] = [];
  const perSocket = options.ratePerS / options.clients;
  const limit = LIMITS.chatFramesPerSocket;
  if (options.inflight === 0 && perSocket > limit.perSecond) {
    out.push(
      `--rate ${options.ratePerS} over ${options.clients} clients is ${perSocket.toFixed(1)} msgs/s per socket; the server's default limit is ` +
        `${limit.perSecond}/s (burst ${limit.burst}) per socket, past which frames are refused with rate_limited. ` +
        'Add clients, or raise WS_MESSAGE_RATE_PER_S / WS_MESSAGE_RATE_BURST on the server under test.',
    );
  }
  if (options.inflight > 0)
    out.push(`closed loop: each client keeps ${options.inflight} message(s) in flight; --rate is ignored`);
  return out;
}
