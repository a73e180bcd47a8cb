/** `vchat soak` options: defaults in one literal; raw commander values -> checked SoakOptions (UsageError, exit 2). */
import { MAX_CLIENTS_WITHOUT_YES } from '../load/options.ts';
import { optionReader, UsageError, type RawOptions } from '../option-reader.ts';

export const SOAK_DEFAULTS = {
  clients: 20,
  rooms: 4,
  rate: 5,
  duration: '30m',
  interval: '30s',
  drain: '2s',
  maxRssGrowth: '50%',
  maxP99Growth: '20ms',
};

export interface SoakOptions {
  api: string;
  origin: string | null;
  /** Extra headers on every REST request and WebSocket upgrade (`--header`). */
  headers: Record<string, string>;
  clients: number;
  rooms: number;
  /** Total chat rate, messages/s (low: a soak is about time, not load). */
  ratePerS: number;
  durationMs: number;
  intervalMs: number;
  /** Clients closed and reopened at the start of every interval (rotating). */
  reconnectPerInterval: number;
  drainMs: number;
  /** Fail when server RSS grows past this fraction of its first sample (0.5 = +50%)… */
  maxRssGrowthFraction?: number;
  /** …or past this many bytes. */
  maxRssGrowthBytes?: number;
  /** Fail when any interval's delivery p99 exceeds this, ms. */
  maxP99Ms?: number;
  /**
   * Fail when delivery p99 keeps growing: the median p99 of the last third of the intervals
   * is above that of the first third by more than this many ms…
   */
  maxP99GrowthMs?: number;
  /** …or by more than this fraction (1 = +100%). */
  maxP99GrowthFraction?: number;
  maxLoss: number;
  maxReconnectFailures: number;
  /** Sign up an account per client and use its token (servers with REQUIRE_AUTH=true). */
  accounts: boolean;
}

/** `50%` -> {fraction: 0.5}; `200MB` / `64MiB` / `1GB` -> {bytes}. */
export function parseGrowth(text: string): { fraction?: number; bytes?: number } {
  const m = text.trim().match(/^(\d+(?:\.\d+)?)\s*(%|b|kb|kib|mb|mib|gb|gib)$/i);
  if (!m) throw new UsageError(`--max-rss-growth must look like 50% or 200MB (got ${JSON.stringify(text)})`);
  const n = Number(m[1]);
  const unit = (m[2] as string).toLowerCase();
  if (unit === '%') return { fraction: n / 100 };
  const scale: Record<string, number> = { b: 1, kb: 1e3, kib: 1024, mb: 1e6, mib: 1024 ** 2, gb: 1e9, gib: 1024 ** 3 };
  return { bytes: n * (scale[unit] as number) };
}

/** `20ms` -> {ms: 20}; `100%` -> {fraction: 1}. */
export function parseLatencyGrowth(text: string): { ms?: number; fraction?: number } {
  const m = text.trim().match(/^(\d+(?:\.\d+)?)\s*(ms|%)$/i);
  if (!m) throw new UsageError(`--max-p99-growth must look like 20ms or 100% (got ${JSON.stringify(text)})`);
  const n = Number(m[1]);
  return (m[2] as string).toLowerCase() === '%' ? { fraction: n / 100 } : { ms: n };
}

/** Check and convert; throws one UsageError listing every problem. */
export function parseSoakOptions(raw: RawOptions): SoakOptions {
  const problems: string[] = [];
  const reader = optionReader(raw, problems);
  const { str, dur } = reader;
  /** Soak's counts take any number ≥ min (whole ones are floored where needed). */
  const num = (k: string, flag: string, fallback: number, min: number): number =>
    reader.num(k, flag, fallback, min, false);
  const api = str('api');
  if (!api) problems.push('--api URL is required (the server to soak; point it only at servers you own)');
  const clients = Math.floor(num('clients', '--clients', SOAK_DEFAULTS.clients, 2));
  if (clients > MAX_CLIENTS_WITHOUT_YES && raw.yes !== true)
    problems.push(`--clients ${clients} is above ${MAX_CLIENTS_WITHOUT_YES}; add --yes if you mean it`);
  const rooms = Math.floor(num('rooms', '--rooms', SOAK_DEFAULTS.rooms, 1));
  if (rooms > clients) problems.push(`--rooms ${rooms} is more than --clients ${clients}`);
  const intervalMs = dur('interval', '--interval', SOAK_DEFAULTS.interval, 1000);
  const durationMs = dur('duration', '--duration', SOAK_DEFAULTS.duration, 1000);
  if (intervalMs < 1000) problems.push('--interval must be at least 1s');
  if (durationMs < intervalMs) problems.push('--duration must be at least one --interval');
  let growth: { fraction?: number; bytes?: number } = {};
  try {
    growth = parseGrowth(str('maxRssGrowth') ?? SOAK_DEFAULTS.maxRssGrowth);
  } catch (err) {
    problems.push((err as Error).message);
  }
  let p99Growth: { ms?: number; fraction?: number } = {};
  try {
    p99Growth = parseLatencyGrowth(str('maxP99Growth') ?? SOAK_DEFAULTS.maxP99Growth);
  } catch (err) {
    problems.push((err as Error).message);
  }
  const options: SoakOptions = {
    api: (api ?? '').replace(/\/+$/, ''),
    origin: str('origin') ?? null,
    headers: reader.headers(),
    clients,
    rooms,
    ratePerS: num('rate', '--rate', SOAK_DEFAULTS.rate, 0),
    durationMs,
    intervalMs,
    reconnectPerInterval: Math.floor(num('reconnect', '--reconnect', Math.max(1, Math.floor(clients / 4)), 0)),
    drainMs: dur('drain', '--drain', SOAK_DEFAULTS.drain, 1000),
    maxLoss: num('maxLoss', '--max-loss', 0, 0),
    maxReconnectFailures: num('maxReconnectFailures', '--max-reconnect-failures', 0, 0),
    accounts: raw.accounts === true,
  };
  if (growth.fraction !== undefined) options.maxRssGrowthFraction = growth.fraction;
  if (growth.bytes !== undefined) options.maxRssGrowthBytes = growth.bytes;
  if (str('maxP99') !== undefined) options.maxP99Ms = num('maxP99', '--max-p99', 0, 0);
  if (p99Growth.ms !== undefined) options.maxP99GrowthMs = p99Growth.ms;
  if (p99Growth.fraction !== undefined) options.maxP99GrowthFraction = p99Growth.fraction;
  if (problems.length) throw new UsageError(problems.join('\n'));
  return options;
}
