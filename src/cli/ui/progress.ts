/**
 * The one progress style of every command: on an interactive terminal (a TTY outside CI,
 * never with --json) a @clack/prompts spinner on stderr whose message is the latest figure;
 * otherwise plain lines, one per phase or event, that read well in a CI log.
 */
import { spinner } from '@clack/prompts';
import type { CliIo } from '../io.ts';

export interface Progress {
  /** A new phase or event: a line of its own (the spinner restarts with it on a TTY). */
  step(text: string): void;
  /** The running figure: the spinner's message on a TTY, nothing otherwise. */
  update(text: string): void;
  /** Stop the spinner (no-op without one). */
  done(): void;
}

/** A progress display on io.stderr; `quiet` (e.g. --json) keeps the spinner away even on a TTY. */
export function createProgress(io: CliIo, quiet = false): Progress {
  if (!io.interactive || quiet) {
    return { step: (text) => void io.stderr.write(`${text}\n`), update: () => undefined, done: () => undefined };
  }
  const spin = spinner({ output: io.stderr, withGuide: false });
  let spinning = false;
  return {
    step(text) {
      if (spinning) spin.stop();
      spin.start(text);
      spinning = true;
    },
    update(text) {
      if (spinning) spin.message(text);
    },
    done() {
      if (spinning) spin.clear();
      spinning = false;
    },
  };
}
