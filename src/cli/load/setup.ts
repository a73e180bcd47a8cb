/**
 * Setup through the REST API: rooms, users and joins, with bounded concurrency. Every
 * request is timed and its status counted; a client whose user or join failed is left
 * out of the run (and counted), never retried silently.
 */
import { randomBytes } from 'node:crypto';
import type { Dispatcher } from 'undici';
import { paths } from '../../shared/protocol.ts';
import { bearerHeaders, httpRequest, type HttpRequest } from '../client/http.ts';
import { describeNetError, netErrorKind } from '../client/net-error.ts';
import { bump, type Counts } from '../stats/counts.ts';
import { newHistogram, recordMs, type Histogram } from '../stats/histogram.ts';
import type { ClientSpec } from './protocol.ts';

/** REST figures: latency histogram (µs), status counts (`200`, `429`, `error_refused`, …). */
export interface RestStats {
  hist: Histogram;
  statuses: Counts;
}

export function newRestStats(): RestStats {
  return { hist: newHistogram(), statuses: {} };
}

export interface RestTarget {
  api: string;
  origin: string | null;
  dispatcher: Dispatcher;
  timeoutMs: number;
  /** Extra headers (e.g. Authorization) for every request. */
  headers?: Record<string, string>;
}

/** One timed JSON request; network errors come back as status 0 with a kind, never thrown. */
export async function timedRequest(
  target: RestTarget,
  stats: RestStats,
  req: Omit<HttpRequest, 'base' | 'origin' | 'dispatcher'>,
): Promise<{ status: number; json: unknown; error?: string; retryAfter?: string }> {
  const started = performance.now();
  try {
    const res = await httpRequest({
      ...req,
      base: target.api,
      origin: target.origin,
      dispatcher: target.dispatcher,
      timeoutMs: target.timeoutMs,
      headers: { ...target.headers, ...req.headers },
    });
    recordMs(stats.hist, res.ms);
    bump(stats.statuses, res.status);
    return {
      status: res.status,
      json: res.json,
      ...(res.headers['retry-after'] ? { retryAfter: res.headers['retry-after'] } : {}),
    };
  } catch (err) {
    recordMs(stats.hist, performance.now() - started);
    bump(stats.statuses, `error_${netErrorKind(err)}`);
    return { status: 0, json: undefined, error: describeNetError(err) };
  }
}

/** Attempts per setup request when the server answers 429 (waiting Retry-After, 1 s if absent, between). */
const SETUP_ATTEMPTS = 5;

/** timedRequest, repeated after 429 as the server's Retry-After asks (every 429 still counted). */
async function politeRequest(
  target: RestTarget,
  stats: RestStats,
  req: Omit<HttpRequest, 'base' | 'origin' | 'dispatcher'>,
): Promise<{ status: number; json: unknown; error?: string }> {
  for (let attempt = 1; ; attempt++) {
    const res = await timedRequest(target, stats, req);
    if (res.status !== 429 || attempt >= SETUP_ATTEMPTS) return res;
    const retryAfterS = Number(res.retryAfter ?? 1);
    await new Promise((r) => setTimeout(r, Math.min(10, Number.isFinite(retryAfterS) ? retryAfterS : 1) * 1000));
  }
}

/** Run `fn` over `items` with at most `limit` in flight. */
export async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T, i: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i] as T, i);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, lane));
  return out;
}

export interface SetupResult {
  clients: ClientSpec[];
  roomIds: string[];
  stats: RestStats;
  /** Clients left out, by reason (`user_429`, `join_error_refused`, …). */
  failures: Counts;
  /** The first failure in words, for the error message when nothing could be set up. */
  firstError?: string;
  ms: number;
}

/** Any 2xx: a foreign deployment (the seed's FastAPI backend) answers 200 where vchat answers 201. */
const ok2xx = (status: number): boolean => status >= 200 && status < 300;

const idOf = (json: unknown): string | undefined => {
  const id = (json as { id?: unknown } | undefined)?.id;
  return typeof id === 'string' ? id : undefined;
};

/** A user to run as: anonymous (`POST /users`) or, with `--accounts`, a signed-up account and its token. */
interface SetupUser {
  index: number;
  userId: string;
  token?: string;
}

/** Request options carrying an account's token, when the client has one (`--accounts`). */
export const withToken = (token: string | undefined): { headers?: Record<string, string> } =>
  token ? { headers: bearerHeaders(token) } : {};

/**
 * Create `clients` users and `rooms` rooms, join user i to room i % rooms. With `accounts`
 * every user is a fresh account (`POST /auth/signup`) whose token signs its writes and its
 * socket, for servers with REQUIRE_AUTH=true; the rooms are created with the first account's token.
 */
export async function setupFixtures(
  target: RestTarget,
  opts: { clients: number; rooms: number; concurrency: number; run: string; accounts?: boolean },
): Promise<SetupResult> {
  const started = performance.now();
  const stats = newRestStats();
  const failures: Counts = {};
  let firstError: string | undefined;
  const note = (what: string, res: { status: number; error?: string }): void => {
    bump(failures, `${what}_${res.status || res.error}`);
    const hint =
      res.status === 401 && !opts.accounts
        ? ' (the server wants an account token, REQUIRE_AUTH: run again with --accounts; behind deployment protection or an auth proxy, pass its header with --header)'
        : '';
    firstError ??= `${what}: ${res.error ?? `HTTP ${res.status}`}${hint}`;
  };
  const done = (clients: ClientSpec[], roomIds: string[]): SetupResult => ({
    clients,
    roomIds,
    stats,
    failures,
    firstError,
    ms: performance.now() - started,
  });

  const users = (
    await mapLimit(
      Array.from({ length: opts.clients }, (_, i) => i),
      opts.concurrency,
      async (index): Promise<SetupUser | undefined> => {
        const res = opts.accounts
          ? await politeRequest(target, stats, {
              method: 'POST',
              url: paths.signup(),
              json: signupBody(opts.run, index),
            })
          : await politeRequest(target, stats, {
              method: 'POST',
              url: paths.users(),
              json: { username: loadUsername(opts.run, index) },
            });
        const body = res.json as { user?: unknown; token?: unknown } | undefined;
        const userId = idOf(opts.accounts ? body?.user : res.json);
        const token = typeof body?.token === 'string' ? body.token : undefined;
        if (!ok2xx(res.status) || !userId || (opts.accounts && !token)) {
          note(opts.accounts ? 'signup' : 'user', res);
          return;
        }
        return token === undefined ? { index, userId } : { index, userId, token };
      },
    )
  ).filter((u): u is SetupUser => u !== undefined);
  if (users.length === 0) return done([], []);

  const roomIds = (
    await mapLimit(
      Array.from({ length: opts.rooms }, (_, i) => i),
      opts.concurrency,
      async (i) => {
        const res = await politeRequest(target, stats, {
          method: 'POST',
          url: paths.rooms(),
          json: { name: `load ${opts.run} room ${i}` },
          ...withToken(users[0]?.token),
        });
        if (!ok2xx(res.status) || !idOf(res.json)) {
          note('room', res);
          return;
        }
        return idOf(res.json);
      },
    )
  ).filter((id): id is string => id !== undefined);
  if (roomIds.length === 0) return done([], roomIds);

  const made = await mapLimit(users, opts.concurrency, async (user): Promise<ClientSpec | undefined> => {
    const roomId = roomIds[user.index % roomIds.length] as string;
    // username too: the seed's FastAPI backend requires it on join (422 without).
    const json = { user_id: user.userId, username: loadUsername(opts.run, user.index) };
    const join = await politeRequest(target, stats, {
      method: 'POST',
      url: paths.join(roomId),
      json,
      ...withToken(user.token),
    });
    if (!ok2xx(join.status)) {
      note('join', join);
      return;
    }
    return { ...user, roomId };
  });
  return done(
    made.filter((c): c is ClientSpec => c !== undefined),
    roomIds,
  );
}

/** The display name of load client `index`. */
export function loadUsername(run: string, index: number): string {
  return `load-${run}-${index}`;
}

/** A throwaway account: usernames are 3-20 letters, digits and underscores; the password meets the server's rules. */
function signupBody(run: string, index: number): { username: string; email: string; password: string } {
  return {
    username: `l${run}_${index}`,
    email: `load-${run}-${index}@load.vchat.invalid`,
    password: `Load1-${randomBytes(12).toString('hex')}`,
  };
}
