/** `vchat verify` glue: options from commander -> runVerify -> the chosen renderer -> exit code. */
import { writeFileSync } from 'node:fs';
import type { CliIo } from '../io.ts';
import { toWsUrl } from '../client/ws.ts';
import { renderJson } from '../ui/json.ts';
import { createLiveRenderer } from '../ui/live.ts';
import { renderJunit } from './junit.ts';
import { runVerify } from './run.ts';

/** The parsed command-line options of `vchat verify`. */
export interface VerifyCliOptions {
  api: string;
  origin: string[];
  ws?: string;
  timeout: number;
  json?: boolean;
  only?: string[];
  skip?: string[];
  badOrigin: string;
  account?: boolean;
  /** `--header Name:value`, collected. */
  header?: Record<string, string>;
  /** `--junit <file>`: also write a JUnit XML report there. */
  junit?: string;
}

/** Run the checks and render them; returns the exit code (0, 1 or 2). */
export async function verifyAction(opts: VerifyCliOptions, io: CliIo): Promise<number> {
  const ws = opts.ws ?? toWsUrl(opts.api);
  const live = opts.json
    ? undefined
    : createLiveRenderer(io, { api: opts.api, ws, origins: opts.origin, bad_origin: opts.badOrigin });
  const report = await runVerify({
    api: opts.api,
    ws,
    origins: opts.origin,
    badOrigin: opts.badOrigin,
    timeoutMs: opts.timeout,
    headers: opts.header ?? {},
    only: opts.only,
    skip: opts.skip,
    account: opts.account === true,
    onProgress: live?.onProgress,
  });
  if (opts.junit) writeFileSync(opts.junit, renderJunit(report));
  if (live) live.finish(report);
  else io.stdout.write(renderJson(report));
  if (report.exit_code === 2)
    io.stderr.write(`vchat verify: cannot reach ${opts.api} (${report.steps[0]?.observed ?? 'no answer'})\n`);
  return report.exit_code;
}
