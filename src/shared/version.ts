/**
 * The package version: the server's /health and startup log, the CLI's `--version` and reports.
 * The one module in src/shared that reads a file, and only when not built into the CLI bundle.
 */
import { readFileSync } from 'node:fs';

/** Set by the CLI's package build (scripts/build/cli.ts); undeclared when running from source or dist/. */
declare const VCHAT_CLI_VERSION: string | undefined;

let cached: string | undefined;

/** The built CLI's version, else the version in package.json, read once ("0.0.0" if unreadable). */
export function packageVersion(): string {
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
