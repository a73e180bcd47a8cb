/** Small constructors for step outcomes, so steps read as a list of checks. */
import type { Outcome } from './types.ts';

/** A passing check, with an optional short fact ("HTTP 200 in 12 ms"). */
export function pass(observed?: string, note?: string): Outcome {
  return { verdict: 'PASS', observed, note };
}

/** A failed check: what was seen, what was expected, how to fix it. */
export function fail(observed: string, expected: string, hint: string): Outcome {
  return { verdict: 'FAIL', observed, expected, hint };
}

/** Works for the frontend, but something should be fixed. */
export function warn(observed: string, expected: string, hint: string): Outcome {
  return { verdict: 'WARN', observed, expected, hint };
}

/** Did not run, and why. */
export function skip(note: string): Outcome {
  return { verdict: 'SKIP', note };
}

/** Shorten a body or frame for an `observed` field. */
export function clip(value: unknown, max = 300): string {
  // JSON.stringify gives undefined for undefined and functions, whatever its declared type says.
  const text = typeof value === 'string' ? value : (JSON.stringify(value) as string | undefined);
  if (text === undefined) return String(value);
  return text.length > max ? `${text.slice(0, max)}… (${text.length} chars)` : text;
}

/** Describe an HTTP answer for `observed`: status plus a clipped body. */
export function describeResponse(res: { status: number; text: string }): string {
  return res.text ? `HTTP ${res.status}: ${clip(res.text, 200)}` : `HTTP ${res.status} (empty body)`;
}
