/** Where a command writes, and whether it may animate: injected so tests capture output. */
import type { Writable } from 'node:stream';

/** Streams and flags a command runs with; actions set `exitCode`. */
export interface CliIo {
  /** Data: the report, the JSON document. */
  stdout: Writable;
  /** Diagnostics: usage errors, warnings, progress. */
  stderr: Writable;
  /** True on a TTY outside CI: spinners and colours allowed. */
  interactive: boolean;
  /** Set by the action: 0 all good, 1 a check failed, 2 usage error or cannot start. */
  exitCode: number;
}

/** Stable exit codes (DESIGN.md habit 12). */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

/** True when running under CI (CI set to anything but "", "0" or "false"). */
export function isCi(env: NodeJS.ProcessEnv = process.env): boolean {
  const ci = env.CI?.trim().toLowerCase();
  return Boolean(ci) && ci !== '0' && ci !== 'false';
}

/**
 * A reader that closed the pipe (`vchat verify --json | head -1`) chose to stop reading: not an
 * error. Later writes to that stream are dropped instead of ending in an EPIPE stack, and the
 * exit code stays the command's own.
 */
export function tolerateClosedPipe(stream: Writable): void {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE' || err.code === 'ERR_STREAM_DESTROYED') return;
    throw err;
  });
}

/** The real process streams; interactive only on a TTY stdout outside CI. */
export function processIo(): CliIo {
  tolerateClosedPipe(process.stdout);
  tolerateClosedPipe(process.stderr);
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    interactive: process.stdout.isTTY && !isCi(),
    exitCode: 0,
  };
}
