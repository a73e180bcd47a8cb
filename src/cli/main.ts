/** Entry point of the `vchat` CLI: run the program against the real process, set the exit code. */
import { processIo } from './io.ts';
import { runCli } from './program.ts';

const io = processIo();
process.exitCode = await runCli(process.argv.slice(2), io).catch((err: unknown) => {
  io.stderr.write(`vchat: unexpected error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  return 2;
});
