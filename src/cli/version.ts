/** The package version for `--version` and reports. */
import { readFileSync } from 'node:fs';

/** The package's version, set by the package build (scripts/build/cli.ts); undeclared when running from source. */
declare const VCHAT_CLI_VERSION: string | undefined;

let cached: string | undefined;

/** The built package's version, else the version in package.json, read once ("0.0.0" if unreadable). */
export function cliVersion(): string {
  if (typeof VCHAT_CLI_VERSION === 'string') return VCHAT_CLI_VERSION;
  if (cached) return cached;
  try {
    cached =
      (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: string })
        .version ?? '0.0.0';
  } catch {
    cached = '0.0.0';
  }
  return cached;
}
