/**
 * Streaming human output. Interactive (TTY outside CI): a clack spinner per step, then the
 * footer. Otherwise plain lines as steps finish (useful in CI logs), then the footer.
 */
import { spinner } from '@clack/prompts';
import type { CliIo } from '../io.ts';
import type { ProgressEvent, VerifyReport } from '../verify/types.ts';
import { renderFooter, renderHeader, renderStepLine, type HeaderInfo } from './human.ts';
import { painter } from './style.ts';

/** A renderer fed by progress events. */
export interface LiveRenderer {
  onProgress: (event: ProgressEvent) => void;
  finish(report: VerifyReport): void;
}

/** Start a live renderer on io.stdout; writes the header at once. */
export function createLiveRenderer(io: CliIo, header: HeaderInfo): LiveRenderer {
  const paint = painter(io.interactive);
  const spin = io.interactive ? spinner({ output: io.stdout, withGuide: false }) : undefined;
  let spinning = false;
  io.stdout.write(renderHeader(header));
  return {
    onProgress(event) {
      if (event.kind === 'start') {
        spin?.start(`${event.id}: ${event.title}`);
        spinning = Boolean(spin);
        return;
      }
      if (spinning) {
        spin?.clear();
        spinning = false;
      }
      io.stdout.write(`${renderStepLine(event.step, paint)}\n`);
    },
    finish(report) {
      if (spinning) spin?.clear();
      io.stdout.write(renderFooter(report, paint));
    },
  };
}
