/** A CLI io whose stdout and stderr are captured as strings (non-interactive, like CI). */
import { PassThrough } from 'node:stream';
import type { CliIo } from '../../src/cli/io.ts';

export function captureIo(): CliIo & { out(): string; err(): string } {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (c: Buffer) => (out += String(c)));
  stderr.on('data', (c: Buffer) => (err += String(c)));
  return { stdout, stderr, interactive: false, exitCode: 0, out: () => out, err: () => err };
}
