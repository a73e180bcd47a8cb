/** How the real frontend reads a timestamp: it appends "Z" to anything not ending in Z, then parses. */

/** ok: UTC with Z; naive: no zone (works only thanks to the appended Z); bad: unparseable by the frontend. */
export type TimestampClass = 'ok' | 'naive' | 'bad';

const ZONE_RE = /(Z|[+-]\d{2}:?\d{2})$/i;

/** Classify one wire timestamp the way the frontend would experience it. */
export function classifyTimestamp(value: unknown): TimestampClass {
  if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(value)) return 'bad';
  const asFrontend = value.endsWith('Z') ? value : `${value}Z`;
  if (Number.isNaN(Date.parse(asFrontend))) return 'bad';
  if (value.endsWith('Z')) return 'ok';
  return ZONE_RE.test(value) ? 'bad' : 'naive';
}
