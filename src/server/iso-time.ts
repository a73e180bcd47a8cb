/**
 * `Date#toISOString()` for the timestamps the server writes on every response and message.
 *
 * V8 formats an ISO date in C++ through seven `snprintf` calls: about 7,000 instructions each
 * time, 6% of a whole `GET /health` and paid once per message in a history page of 100
 * (docs/performance.md, "Numbers behind code comments"). Within one UTC minute only the seconds and the
 * milliseconds change, so the `YYYY-MM-DDTHH:MM:` prefix is made once per minute by V8 itself
 * and the rest comes from two lookup tables. The answer is the same string, character for
 * character (the unit test compares both over minute, day and year boundaries); a time outside
 * 1970–9999, or an invalid one, is handed to V8 (which throws RangeError for an invalid date,
 * as before).
 */

const TWO = Array.from({ length: 60 }, (_, i) => String(i).padStart(2, '0'));
const THREE = Array.from({ length: 1000 }, (_, i) => String(i).padStart(3, '0'));
/** 10000-01-01T00:00:00Z: from here on toISOString writes a six-digit, signed year. */
const FAST_BELOW = Date.UTC(10_000, 0, 1);
const MINUTE_MS = 60_000;

/** One minute remembered: messages and responses arrive in time order, so it nearly always matches. */
let minuteStart = Number.NaN;
let minutePrefix = '';

/** `new Date(ms).toISOString()`, made without V8's formatter when the minute is the last one seen. */
export function isoTime(ms: number): string {
  if (!(ms >= 0 && ms < FAST_BELOW && Number.isInteger(ms))) return new Date(ms).toISOString();
  const inMinute = ms % MINUTE_MS;
  const start = ms - inMinute;
  if (start !== minuteStart) {
    minutePrefix = new Date(start).toISOString().slice(0, 17);
    minuteStart = start;
  }
  const seconds = (inMinute / 1000) | 0;
  return `${minutePrefix}${TWO[seconds] as string}.${THREE[inMinute - seconds * 1000] as string}Z`;
}

/** `date.toISOString()` (see isoTime). */
export function isoDate(date: Date): string {
  return isoTime(date.getTime());
}

/** `new Date().toISOString()` (see isoTime). */
export function isoNow(): string {
  return isoTime(Date.now());
}
