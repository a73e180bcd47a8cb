/** Declares `vchat verify` on the program: options, help, and a one-line action. */
import { Option, type Command } from 'commander';
import { collectHeader, collectList, collectOrigins, parseApiUrl, parseMs, parseOrigin, parseWsUrl } from '../args.ts';
import { EXIT, type CliIo } from '../io.ts';
import { verifyAction, type VerifyCliOptions } from './action.ts';
import { accountStepNames, unknownStepNames } from './plan.ts';
import { ACCOUNT_STEP_NAMES, ALL_STEP_NAMES, STEP_NAMES } from './types.ts';

/** Add the `verify` command to `program`, writing to `io` and setting `io.exitCode`. */
export function registerVerify(program: Command, io: CliIo): void {
  program
    .command('verify')
    .description(
      'Check a deployment end to end the way the chat frontend uses it: CORS, REST, WebSocket, history, timestamps.',
    )
    .addOption(new Option('--api <url>', 'API base URL, http(s)').env('VCHAT_API').argParser(parseApiUrl))
    .addOption(
      new Option('--origin <url>', 'frontend origin to check; repeat (or comma-separate) for several')
        .env('VCHAT_ORIGIN')
        .argParser(collectOrigins),
    )
    .addOption(
      new Option('--ws <url>', 'WebSocket base URL (default: --api with http->ws, https->wss)').argParser(parseWsUrl),
    )
    .addOption(new Option('--timeout <ms>', 'wait per request, handshake and frame').default(10_000).argParser(parseMs))
    .option('--json', 'print one JSON document (see docs/verify.md) on stdout and nothing else')
    .addOption(
      new Option(
        '--header <name:value>',
        'extra header on every request and WebSocket upgrade (repeatable), e.g. for deployment protection',
      ).argParser(collectHeader),
    )
    .option('--junit <file>', 'also write a JUnit XML report (one testcase per step) to this file')
    .addOption(
      new Option('--only <steps>', 'run only these steps (comma-separated; what they need runs too)').argParser(
        collectList,
      ),
    )
    .addOption(
      new Option('--skip <steps>', 'do not run these steps (steps that need them are skipped)').argParser(collectList),
    )
    .option(
      '--account',
      'also sign up a throwaway account and check duplicate names, bad logins, login, /auth/me, its socket and logout',
    )
    .addOption(
      new Option('--bad-origin <url>', 'an origin the server must refuse')
        .default('https://evil.example')
        .argParser(parseOrigin),
    )
    .addHelpText(
      'after',
      `
Steps, in order: ${STEP_NAMES.join(', ')}.
Per-origin steps (cors-health, cors-preflight, ws-connect) run once per --origin.
With --account, then: ${ACCOUNT_STEP_NAMES.join(', ')} (a throwaway vchat_<6 random> account).

Examples:
  $ vchat verify --api http://localhost:8000 --origin http://localhost:3000
  $ vchat verify --api https://web-production-3ba7e.up.railway.app \\
      --origin https://video-chat-frontend-seven.vercel.app --origin http://localhost:3000
  $ VCHAT_API=https://my-api.up.railway.app VCHAT_ORIGIN=https://my-app.vercel.app vchat verify --json > verify.json
  $ vchat verify --api http://localhost:8000 --origin http://localhost:3000 --only ws-echo
  $ vchat verify --api http://localhost:8000 --origin http://localhost:3000 --account

Exit codes: 0 all passed (warnings allowed), 1 a check failed, 2 usage error or the API cannot be reached.`,
    )
    .action(async (opts: Partial<VerifyCliOptions>, cmd: Command) => {
      io.exitCode = await verifyAction(checkRequired(opts, cmd), io);
    });
}

/** Usage errors commander cannot see: required values and step names. Exits 2 via cmd.error. */
function checkRequired(opts: Partial<VerifyCliOptions>, cmd: Command): VerifyCliOptions {
  const usage = (message: string): never =>
    cmd.error(`error: ${message}`, { exitCode: EXIT.usage, code: 'vchat.usage' });
  if (!opts.api)
    usage('--api <url> is required (or set VCHAT_API), e.g. --api https://web-production-3ba7e.up.railway.app');
  if (!opts.origin?.length)
    usage(
      '--origin <url> is required (or set VCHAT_ORIGIN): the frontend origin to check, e.g. --origin https://video-chat-frontend-seven.vercel.app',
    );
  const unknown = unknownStepNames([...(opts.only ?? []), ...(opts.skip ?? [])]);
  if (unknown.length)
    usage(`unknown step ${unknown.map((n) => `"${n}"`).join(', ')}; steps are: ${ALL_STEP_NAMES.join(', ')}`);
  const account = accountStepNames([...(opts.only ?? []), ...(opts.skip ?? [])]);
  if (account.length && !opts.account)
    usage(`step ${account.map((n) => `"${n}"`).join(', ')} belongs to the --account group: add --account`);
  return opts as VerifyCliOptions;
}
