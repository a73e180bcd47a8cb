/**
 * `vchat soak`: parse -> runSoak -> render. One line per interval on stderr, the report
 * (or --json) on stdout. Exit 0 ok, 1 a check failed, 2 usage error or cannot start.
 */
import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { renderHtmlReport } from '../ui/report-html.ts';
import { soakReportDoc } from './report-doc.ts';
import { collectHeader, parseApiUrl, parseOrigin } from '../args.ts';
import { EXIT, type CliIo } from '../io.ts';
import { parseOrReport, type RawOptions } from '../option-reader.ts';
import { cannotStartJson, failureSummary } from '../load/gate-report.ts';
import { CannotStartError } from '../load/run.ts';
import { createProgress } from '../ui/progress.ts';
import { intervalHint } from './assemble.ts';
import { SOAK_DEFAULTS, parseSoakOptions } from './options.ts';
import { intervalLine, renderSoakReport } from './report.ts';
import { runSoak } from './run.ts';

/** Add `vchat soak` to the program. */
export function registerSoak(program: Command, io: CliIo): void {
  program
    .command('soak')
    .description(
      'Long, low-rate run with scheduled reconnects; tracks latency, loss and server memory drift via /health',
    )
    .option('--api <url>', 'server base URL (required)', parseApiUrl)
    .option('--origin <origin>', 'Origin header for the WebSocket upgrade and REST calls', parseOrigin)
    .option(
      '--header <name:value>',
      'extra header on every REST request and WebSocket upgrade (repeatable)',
      collectHeader,
    )
    .option('--clients <n>', 'WebSocket clients', String(SOAK_DEFAULTS.clients))
    .option('--rooms <n>', 'rooms the clients are spread over', String(SOAK_DEFAULTS.rooms))
    .option('--rate <msgs/s>', 'chat messages per second over all clients', String(SOAK_DEFAULTS.rate))
    .option('--duration <duration>', 'total length, e.g. 30m, 2h', SOAK_DEFAULTS.duration)
    .option('--interval <duration>', 'reconnect, measure and sample /health this often', SOAK_DEFAULTS.interval)
    .option('--reconnect <n>', 'clients closed and reopened each interval (default: a quarter)')
    .option('--drain <duration>', 'end of each interval without sending, for the last deliveries', SOAK_DEFAULTS.drain)
    .option(
      '--max-rss-growth <limit>',
      'fail when server RSS grows past this from the first sample (50% or 200MB)',
      SOAK_DEFAULTS.maxRssGrowth,
    )
    .option(
      '--max-p99-growth <limit>',
      'fail when delivery p99 keeps growing: last third of the intervals vs the first (20ms or 100%)',
      SOAK_DEFAULTS.maxP99Growth,
    )
    .option('--max-p99 <ms>', 'fail when any interval delivery p99 exceeds this')
    .option('--max-loss <n>', 'fail when more messages than this were lost', '0')
    .option('--max-reconnect-failures <n>', 'fail when more reconnects than this failed', '0')
    .option('--accounts', 'sign up an account per client and use its token (for servers with REQUIRE_AUTH=true)')
    .option('--json', 'print one JSON result document on stdout')
    .option(
      '--report <file>',
      'also write a self-contained HTML report (charts over time, latency percentiles, verdict)',
    )
    .option('--yes', 'allow more than 2000 clients')
    .action(async (raw: RawOptions) => {
      io.exitCode = await soakAction(raw, io);
    });
}

/** The action, separated so tests can call it with an injected io. */
export async function soakAction(raw: RawOptions, io: CliIo): Promise<number> {
  const options = parseOrReport(io, 'vchat soak', () => parseSoakOptions(raw));
  if (!options) return EXIT.usage;
  if (options.intervalMs <= options.drainMs) io.stderr.write(`warning: ${intervalHint(options)}\n`);
  const progress = createProgress(io, raw.json === true);
  try {
    const result = await runSoak(options, { onInterval: (x, of) => progress.step(intervalLine(x, of)) });
    progress.done();
    if (typeof raw.report === 'string') writeFileSync(raw.report, renderHtmlReport(soakReportDoc(result)));
    io.stdout.write(raw.json ? `${JSON.stringify(result, null, 2)}\n` : renderSoakReport(result));
    const failedChecks = result.checks.filter((c) => !c.ok).map((c) => c.detail);
    if (!result.ok && raw.json)
      io.stderr.write(`vchat soak: FAIL: ${failureSummary([], result.sanity, failedChecks)}\n`);
    return result.exit_code;
  } catch (err) {
    progress.done();
    if (err instanceof CannotStartError) {
      if (raw.json) io.stdout.write(cannotStartJson('vchat soak', err.message));
      io.stderr.write(`vchat soak: ${err.message}\n`);
      return EXIT.usage;
    }
    throw err;
  }
}
