/** The package version for `--version` and reports. */
import { readFileSync } from 'node:fs';

let cached: string | undefined;

/** The version in package.json, read once ("0.0.0" if unreadable). */
export function cliVersion(): string {
  if (cached) return cached;
  try {
    cached = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: string }).version ?? '0.0.0';
  } catch {
    cached = '0.0.0';
  }
  return cached;
}
