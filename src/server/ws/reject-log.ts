/**
 * Refused upgrades are logged so an operator can see a broken frontend origin, but an
 * attacker must not be able to turn them into megabytes of logs: each line is bounded (long
 * values cut; the logger redacts any token left in the URL, see redact.ts), and at most
 * `maxPerSecond` lines are written per second; the rest are counted in one summary line.
 */
import type { Logger } from '../log.ts';

/** Longest path or origin written to a refusal line, in characters. */
export const MAX_LOGGED_CHARS = 200;

/** What is known about a refused upgrade. */
export interface Refusal {
  status: number;
  code: string;
  reason: string;
  ip: string | undefined;
  origin: string | undefined;
  /** The raw request target (path and query). */
  url: string | undefined;
}

export interface RejectLog {
  /** Log one refusal (or count it toward the next summary). */
  write(refusal: Refusal): void;
  /** Write the pending summary now and stop the timer (shutdown). */
  close(): void;
}

const WINDOW_MS = 1000;

/** A sampled, bounded logger for refused upgrades. */
export function createRejectLog(log: Logger, maxPerSecond: number): RejectLog {
  let windowStartMs = -Infinity;
  let written = 0;
  let suppressed = 0;
  let timer: NodeJS.Timeout | undefined;

  const flush = (): void => {
    timer = undefined;
    if (suppressed === 0) return;
    log.warn('websocket rejections suppressed', { suppressed, max_lines_per_s: maxPerSecond });
    suppressed = 0;
  };

  return {
    write(refusal) {
      const now = performance.now();
      if (now - windowStartMs >= WINDOW_MS) {
        windowStartMs = now;
        written = 0;
      }
      if (written < maxPerSecond) {
        written++;
        log.warn('websocket rejected', boundedFields(refusal));
        return;
      }
      suppressed++;
      if (!timer) {
        timer = setTimeout(flush, Math.max(1, windowStartMs + WINDOW_MS - now));
        timer.unref();
      }
    },
    close() {
      clearTimeout(timer);
      flush();
    },
  };
}

function boundedFields(r: Refusal): Record<string, unknown> {
  return {
    status: r.status,
    code: r.code,
    reason: r.reason,
    ip: r.ip ?? null,
    origin: r.origin === undefined ? null : cut(r.origin),
    path: cut(r.url ?? ''),
  };
}

function cut(s: string): string {
  return s.length <= MAX_LOGGED_CHARS
    ? s
    : `${s.slice(0, MAX_LOGGED_CHARS)}… (${s.length - MAX_LOGGED_CHARS} more chars)`;
}
