/**
 * Reading raw commander values for `vchat load` and `vchat soak`: every problem is collected
 * (the caller throws them as one UsageError), each reader returns a fallback so checking goes on.
 */
import type { CliIo } from './io.ts';
import { parseDurationMs } from './load/duration.ts';

/** Commander's values: strings, flags, and the `--header` record. */
export type RawOptions = Record<string, string | boolean | Record<string, string> | undefined>;

/** Bad options: the command prints the message (one problem per line) and exits 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/**
 * `parse()`, or undefined after printing its UsageError as `<command>: …` lines and the
 * --help pointer (the caller then exits 2). Other errors are not caught.
 */
export function parseOrReport<T>(io: CliIo, command: string, parse: () => T): T | undefined {
  try {
    return parse();
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    io.stderr.write(`${command}: ${err.message.split('\n').join(`\n${command}: `)}\n(add --help for usage)\n`);
    return undefined;
  }
}

export interface OptionReader {
  /** The value when commander gave a string. */
  str: (name: string) => string | undefined;
  /** A number ≥ min (a whole one unless `integer` is false); `fallback` when absent or bad. */
  num: (name: string, flag: string, fallback: number, min: number, integer?: boolean) => number;
  /** A duration like `30s` in ms (`fallback` when absent); `onError` when it does not parse. */
  dur: (name: string, flag: string, fallback: string, onError?: number) => number;
  /** The `--header` record (empty when none was given). */
  headers: () => Record<string, string>;
}

export function optionReader(raw: RawOptions, problems: string[]): OptionReader {
  const str = (name: string): string | undefined => (typeof raw[name] === 'string' ? raw[name] : undefined);
  return {
    str,
    num(name, flag, fallback, min, integer = true) {
      const v = str(name);
      if (v === undefined) return fallback;
      const n = Number(v);
      if (!Number.isFinite(n) || n < min || (integer && !Number.isInteger(n))) {
        problems.push(`${flag} must be ${integer ? 'a whole number' : 'a number'} ≥ ${min} (got ${JSON.stringify(v)})`);
        return fallback;
      }
      return n;
    },
    headers() {
      const h = raw.header;
      return h && typeof h === 'object' ? { ...h } : {};
    },
    dur(name, flag, fallback, onError = 0) {
      try {
        return parseDurationMs(str(name) ?? fallback);
      } catch (err) {
        problems.push(`${flag}: ${(err as Error).message}`);
        return onError;
      }
    },
  };
}
