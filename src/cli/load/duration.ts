/** Human durations for CLI options: `500ms`, `30s`, `2m`, `1h`, `1m30s`; a bare number is seconds. */

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Parse a duration into milliseconds; throws a RangeError naming the bad text. */
export function parseDurationMs(text: string): number {
  const raw = text.trim().toLowerCase();
  if (/^\d+(\.\d+)?$/.test(raw)) return Math.round(Number(raw) * 1000);
  const parts = raw.match(/(\d+(?:\.\d+)?)(ms|s|m|h)/g);
  if (!parts || parts.join('') !== raw)
    throw new RangeError(`not a duration: ${JSON.stringify(text)} (use e.g. 500ms, 30s, 2m, 1h)`);
  let total = 0;
  for (const part of parts) {
    const [, num, unit] = part.match(/^(\d+(?:\.\d+)?)(ms|s|m|h)$/) as RegExpMatchArray;
    total += Number(num) * (UNIT_MS[unit as string] as number);
  }
  return Math.round(total);
}

/** Format milliseconds the way parseDurationMs reads them (`1m30s`, `250ms`). */
export function formatDurationMs(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const s = Math.round(ms / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = s % 60;
  return `${h ? `${h}h` : ''}${m ? `${m}m` : ''}${rest || (!h && !m) ? `${rest}s` : ''}`;
}
