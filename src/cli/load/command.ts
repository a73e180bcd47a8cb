/**
 * `vchat load`: parse -> runLoad -> render. Progress and warnings go to stderr, the report
 * (or with --json one JSON document) to stdout. Exit 0 ok, 1 a threshold failed, 2 usage
 * error or nothing could be set up.
 */
import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { LIMITS } from '../../shared/protocol.ts';
import { renderHtmlReport } from '../ui/report-html.ts';
import { loadReportDoc } from './report-doc.ts';
import { collectHeader, parseApiUrl, parseOrigin } from '../args.ts';
import { EXIT, type CliIo } from '../io.ts';
import { parseOrReport } from '../option-reader.ts';
import { createProgress } from '../ui/progress.ts';
import { cannotStartJson, failureSummary } from './gate-report.ts';
import {
  LOAD_DEFAULTS,
  MAX_CLIENTS_WITHOUT_YES,
  loadWarnings,
  parseLoadOptions,
  type RawLoadOptions,
} from './options.ts';
import { progressLine, renderLoadReport } from './report.ts';
import { CannotStartError, runLoad } from './run.ts';

/** Add `vchat load` to the program. */
export function registerLoad(program: Command, io: CliIo): void {
  const chat = LIMITS.chatFramesPerSocket;
  program
    .command('load')
    .description('Load-test a server you own: WebSocket chat clients in rooms, delivery latency, loss, duplicates')
    .option('--api <url>', 'server base URL (required)', parseApiUrl)
    .option('--origin <origin>', 'Origin header for the WebSocket upgrade and REST calls', parseOrigin)
    .option(
      '--header <name:value>',
      'extra header on every REST request and WebSocket upgrade (repeatable)',
      collectHeader,
    )
    .option(
      '--clients <n>',
      `WebSocket clients (max ${MAX_CLIENTS_WITHOUT_YES} without --yes)`,
      String(LOAD_DEFAULTS.clients),
    )
    .option('--rooms <n>', 'rooms the clients are spread over', String(LOAD_DEFAULTS.rooms))
    .option('--ramp <duration>', 'spread the connects over this long', LOAD_DEFAULTS.ramp)
    .option(
      '--rate <msgs/s>',
      `chat messages per second over all clients (server default limit: ${chat.perSecond}/s per socket)`,
      String(LOAD_DEFAULTS.rate),
    )
    .option('--duration <duration>', 'how long to send, e.g. 30s, 2m', LOAD_DEFAULTS.duration)
    .option(
      '--http-rate <req/s>',
      'REST requests per second mixed in (GET/POST messages, GET rooms)',
      String(LOAD_DEFAULTS.httpRate),
    )
    .option('--workers <n>', 'client processes (default: CPU count; 0 = in this process)')
    .option(
      '--inflight <n>',
      'closed loop: each client sends its next message when its own echo returns (ignores --rate; hides server stalls, see docs/load.md)',
    )
    .option('--size <chars>', 'message content length', String(LOAD_DEFAULTS.messageChars))
    .option('--drain <duration>', 'after sending, wait this long at most for deliveries', LOAD_DEFAULTS.drain)
    .option('--connect-timeout <duration>', 'per-socket connect deadline', LOAD_DEFAULTS.connectTimeout)
    .option('--setup-concurrency <n>', 'REST setup requests in flight', String(LOAD_DEFAULTS.setupConcurrency))
    .option('--max-p99 <ms>', 'exit 1 when delivery p99 exceeds this')
    .option('--max-loss <n>', 'exit 1 when more messages than this were lost')
    .option('--max-errors <n>', 'exit 1 when more errors than this happened')
    .option('--accounts', 'sign up an account per client and use its token (for servers with REQUIRE_AUTH=true)')
    .option('--json', 'print one JSON result document on stdout')
    .option(
      '--report <file>',
      'also write a self-contained HTML report (charts over time, latency percentiles, verdict)',
    )
    .option('--yes', `allow more than ${MAX_CLIENTS_WITHOUT_YES} clients`)
    .addHelpText(
      'after',
      `
The server limits each socket to ${chat.perSecond} chat messages/s (burst ${chat.burst}), each IP to 100 sockets and
REST writes to 20/s: for local load runs start it with e.g.
  WS_MESSAGE_RATE_PER_S=1000 WS_BYTE_RATE_PER_S=10000000 MAX_CONNECTIONS_PER_IP=20000 \\
  WS_UPGRADE_RATE_PER_S=20000 WS_UPGRADE_RATE_BURST=20000 RATE_LIMIT_WRITE_PER_S=5000 npm start

Example:
  $ vchat load --api http://localhost:8000 --origin http://localhost:3000 \\
      --clients 200 --rooms 20 --rate 400 --duration 30s --max-p99 50 --max-loss 0`,
    )
    .action(async (raw: RawLoadOptions) => {
      io.exitCode = await loadAction(raw, io);
    });
}

/** The action, separated so tests can call it with an injected io. */
export async function loadAction(raw: RawLoadOptions, io: CliIo): Promise<number> {
  const options = parseOrReport(io, 'vchat load', () => parseLoadOptions(raw));
  if (!options) return EXIT.usage;
  for (const w of loadWarnings(options)) io.stderr.write(`warning: ${w}\n`);
  const progress = createProgress(io, raw.json === true);
  try {
    const result = await runLoad(options, {
      onPhase: (phase, detail) => {
        if (detail) progress.step(`${phase}: ${detail}`);
      },
      onProgress: (p) => progress.update(progressLine(p)),
    });
    progress.done();
    if (typeof raw.report === 'string') writeFileSync(raw.report, renderHtmlReport(loadReportDoc(result)));
    io.stdout.write(raw.json ? `${JSON.stringify(result, null, 2)}\n` : renderLoadReport(result));
    if (!result.ok && raw.json)
      io.stderr.write(`vchat load: FAIL: ${failureSummary(result.thresholds, result.sanity)}\n`);
    return result.exit_code;
  } catch (err) {
    progress.done();
    if (err instanceof CannotStartError) {
      if (raw.json) io.stdout.write(cannotStartJson('vchat load', err.message));
      io.stderr.write(`vchat load: ${err.message}\n`);
      return EXIT.usage;
    }
    throw err;
  }
}
