/**
 * The commander program. Each command lives in its own file and is added by a
 * `registerXxx(program, io)` function; add new commands to COMMANDS below.
 * Errors never call process.exit: they throw CommanderError, which `runCli` maps to exit codes.
 */
import { Command, CommanderError } from 'commander';
import { packageVersion } from '../shared/version.ts';
import { EXIT, type CliIo } from './io.ts';
import { registerVerify } from './verify/command.ts';
import { registerLoad } from './load/command.ts';
import { registerSoak } from './soak/command.ts';
import { registerTop } from './top/command.ts';

/** Every command, in help order. Another command: write `registerXxx` and append it here. */
const COMMANDS: Array<(program: Command, io: CliIo) => void> = [
  registerVerify,
  registerLoad,
  registerSoak,
  registerTop,
];

/** Build the `vchat` program writing to `io`; exitOverride is on, so parse errors throw CommanderError. */
export function buildProgram(io: CliIo): Command {
  const program = new Command('vchat')
    .description('Check, load-test and soak a vchat (or FastAPI video-chat) deployment.')
    .version(packageVersion(), '-V, --version')
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) })
    .showHelpAfterError('(add --help for usage)')
    // Set before the commands are added: subcommands copy these settings when created.
    .exitOverride();
  program.addHelpText(
    'after',
    `
Examples:
  $ vchat verify --api http://localhost:8000 --origin http://localhost:3000
  $ vchat verify --api https://web-production-3ba7e.up.railway.app \\
      --origin https://video-chat-frontend-seven.vercel.app --json

Exit codes: 0 all good, 1 a check failed, 2 usage error or the API cannot be reached.`,
  );
  for (const register of COMMANDS) register(program, io);
  return program;
}

/** Map a commander error to an exit code: help and version are 0, every other parse error is 2. */
export function exitCodeForCommanderError(err: CommanderError): number {
  if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.exitCode === 0) return EXIT.ok;
  return EXIT.usage;
}

/** Parse user arguments (without node and script), run the command, and return the exit code. */
export async function runCli(args: string[], io: CliIo): Promise<number> {
  const program = buildProgram(io);
  try {
    await program.parseAsync(args, { from: 'user' });
    return io.exitCode;
  } catch (err) {
    if (err instanceof CommanderError) return exitCodeForCommanderError(err);
    throw err;
  }
}
