/**
 * The checks that keep a gate from passing on nothing (`vchat load` and `vchat soak`): some
 * socket connected, something was sent, and at least MIN_MEASURED_SHARE of the planned
 * deliveries were measured. They apply to every run, thresholds or not; each failure
 * carries a hint that names the likely cause.
 */
import type { Counts } from '../stats/counts.ts';

/** Share of the planned deliveries a run must measure to count as a measurement. */
export const MIN_MEASURED_SHARE = 0.5;

/** One sanity check: exit 1 when it fails, with `detail` and a `hint` that says what to change. */
export interface SanityCheck {
  name: 'connected' | 'sent' | 'measured';
  ok: boolean;
  actual: number;
  limit: number;
  detail: string;
  hint?: string;
}

/** What the checks look at. */
export interface SanityInput {
  attempted: number;
  connected: number;
  /** Connect failures by reason (`upgrade_403`, `close_4004`, `error_refused`, …). */
  connectFailures: Counts;
  origin: string | null;
  sent: number;
  /** Deliveries the run should have measured (null: closed loop, compare with `expected`). */
  planned: number | null;
  expected: number;
  delivered: number;
  /** Why nothing was planned, when that is known (e.g. a soak interval not longer than --drain). */
  nothingPlannedHint?: string;
}

/**
 * Deliveries a schedule plans: each client sends `ratePerS / clients` per second for
 * `sendMs`, and each message reaches the other members of its room (client i is in room i mod rooms).
 */
export function plannedDeliveries(clients: number, rooms: number, ratePerS: number, sendMs: number): number {
  if (clients <= 0 || ratePerS <= 0 || sendMs <= 0) return 0;
  let pairs = 0;
  for (let r = 0; r < rooms; r++) {
    const n = Math.floor(clients / rooms) + (r < clients % rooms ? 1 : 0);
    pairs += n * (n - 1);
  }
  return Math.floor(((ratePerS * sendMs) / 1000 / clients) * pairs);
}

/** Why sockets did not connect, as one hint. */
function connectHint(failures: Counts, origin: string | null): string {
  const has = (prefix: string): boolean => Object.keys(failures).some((k) => k.startsWith(prefix));
  if (has('upgrade_403')) {
    return origin
      ? `the server refused the WebSocket upgrade with 403: is ${origin} on its list of allowed origins (ALLOWED_ORIGINS)?`
      : 'the server refused the WebSocket upgrade with 403: add --origin <your frontend origin>; the server checks the Origin header';
  }
  if (has('upgrade_401') || has('close_4401')) return 'the server wants an account token: run again with --accounts';
  if (has('upgrade_429') || has('upgrade_503'))
    return 'the server refused sockets for its connection limits (MAX_CONNECTIONS_PER_IP, MAX_CONNECTIONS): raise them on the server under test, or use fewer --clients';
  if (has('close_4004'))
    return 'the server did not know the room or user (4004): does its store survive between REST setup and the socket (several instances without Redis?)';
  if (has('timeout'))
    return 'the sockets timed out: check that the WebSocket path is routed (a proxy that does not pass the Upgrade header), or raise --connect-timeout';
  return 'check the connect line for the reasons, and that the API URL serves WebSockets';
}

/** The three checks, in order. */
export function sanityChecks(x: SanityInput): SanityCheck[] {
  const reasons = Object.entries(x.connectFailures)
    .map(([k, v]) => `${k}×${v}`)
    .join(', ');
  const checks: SanityCheck[] = [];
  checks.push(
    x.connected > 0
      ? {
          name: 'connected',
          ok: true,
          actual: x.connected,
          limit: 1,
          detail: `${x.connected} of ${x.attempted} sockets connected`,
        }
      : {
          name: 'connected',
          ok: false,
          actual: 0,
          limit: 1,
          detail: `no socket connected (${x.attempted} tried${reasons ? `: ${reasons}` : ''})`,
          hint: connectHint(x.connectFailures, x.origin),
        },
  );
  checks.push(
    x.sent > 0
      ? { name: 'sent', ok: true, actual: x.sent, limit: 1, detail: `${x.sent} messages sent` }
      : {
          name: 'sent',
          ok: false,
          actual: 0,
          limit: 1,
          detail: 'no message was sent',
          hint:
            x.connected > 0
              ? (x.nothingPlannedHint ?? 'no client was open when sending began, or --rate is 0')
              : 'no socket was open to send on',
        },
  );
  const base = x.planned ?? x.expected;
  const share = base > 0 ? x.delivered / base : 0;
  const pct = (f: number): string => `${Math.round(f * 100)}%`;
  const of = x.planned === null ? 'expected' : 'planned';
  if (base === 0) {
    checks.push({
      name: 'measured',
      ok: false,
      actual: 0,
      limit: MIN_MEASURED_SHARE,
      detail: `no delivery was ${of}`,
      hint:
        x.nothingPlannedHint ??
        'every room needs at least two clients (a message is measured when another member receives it): use fewer --rooms or more --clients',
    });
  } else {
    const ok = share >= MIN_MEASURED_SHARE;
    checks.push({
      name: 'measured',
      ok,
      actual: Math.round(share * 1000) / 1000,
      limit: MIN_MEASURED_SHARE,
      detail: `${x.delivered} of ${base} ${of} deliveries measured (${pct(share)}, at least ${pct(MIN_MEASURED_SHARE)} needed)`,
      ...(ok
        ? {}
        : {
            hint:
              x.connected === 0
                ? 'follows from the connect failure: nothing was connected to measure'
                : 'most of the run was not measured: see the errors line (rate_limited: raise WS_MESSAGE_RATE_PER_S on the server under test or add clients; closed_*: sockets dropped), and the connect line',
          }),
    });
  }
  return checks;
}
