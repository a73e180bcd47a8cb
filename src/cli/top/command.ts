/**
 * `vchat top --api URL [--token T]`: a live view of a deployment from its GET /metrics;
 * `--once [--json]` prints one measurement and exits. Exit 0, or 2 when the metrics cannot
 * be read (unreachable, metrics off, wrong token).
 */
import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { collectHeader, parseApiUrl } from '../args.ts';
import { EXIT, type CliIo } from '../io.ts';
import { ScrapeRefused } from './scrape.ts';
import { topLive, topOnce, type Keyboard, type TopOptions } from './run.ts';
import { renderView } from './view.ts';

interface TopFlags {
  api?: string;
  token?: string;
  header?: Record<string, string>;
  interval: number;
  once?: boolean;
  json?: boolean;
}

/** Add `vchat top` to the program. */
export function registerTop(program: Command, io: CliIo): void {
  program
    .command('top')
    .description(
      "Live view of a deployment's connections, rooms, message rates, store latency, memory and errors, from its GET /metrics",
    )
    .option('--api <url>', 'server base URL (required); /metrics is appended', parseApiUrl)
    .option('--token <token>', "the server's METRICS_TOKEN (default: $VCHAT_METRICS_TOKEN)")
    .option('--header <name:value>', 'extra header on every scrape (repeatable)', collectHeader)
    .option('--interval <seconds>', 'refresh period in seconds', parseSeconds, 1)
    .option('--once', 'measure over one interval, print once and exit')
    .option('--json', 'with --once: print the measurement as JSON')
    .addHelpText(
      'after',
      '\nExamples:\n  $ vchat top --api https://web-production-3ba7e.up.railway.app --token "$METRICS_TOKEN"\n  $ vchat top --api http://localhost:9100 --once --json',
    )
    .action(async (flags: TopFlags) => {
      io.exitCode = await topAction(flags, io, process.stdin);
    });
}

/** The action, separated so tests can call it with an injected io and keyboard. */
export async function topAction(flags: TopFlags, io: CliIo, keys: Keyboard): Promise<number> {
  if (!flags.api) {
    io.stderr.write('vchat top: --api <url> is required (e.g. --api http://localhost:8000)\n');
    return EXIT.usage;
  }
  if (flags.json && !flags.once) {
    io.stderr.write('vchat top: --json needs --once (the live view is for a terminal)\n');
    return EXIT.usage;
  }
  const options: TopOptions = {
    api: flags.api,
    token: flags.token ?? process.env.VCHAT_METRICS_TOKEN,
    headers: flags.header ?? {},
    intervalMs: flags.interval * 1000,
  };
  try {
    if (flags.once) {
      const view = await topOnce(options);
      io.stdout.write(
        flags.json ? `${JSON.stringify(view, null, 2)}\n` : `${renderView(options.api, view).join('\n')}\n`,
      );
      return EXIT.ok;
    }
    const refusal = await topLive(options, io.stdout, keys);
    if (refusal === null) return EXIT.ok;
    io.stderr.write(`vchat top: ${refusal}\n`);
    return EXIT.usage;
  } catch (err) {
    if (!(err instanceof ScrapeRefused) && !(err instanceof Error)) throw err;
    io.stderr.write(`vchat top: ${err.message}\n`);
    return EXIT.usage;
  }
}

function parseSeconds(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0.2 || n > 60)
    throw new InvalidArgumentError(`"${value}" is not a refresh period: give seconds from 0.2 to 60.`);
  return n;
}
