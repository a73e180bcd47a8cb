/** vitest globalSetup: runs once, before any worker starts; scrubs and says so once. */
import { ignoredNotice, scrubProductionEnv } from './test-env.ts';

export default function setup(): void {
  const ignored = scrubProductionEnv();
  if (ignored.length) process.stderr.write(`${ignoredNotice(ignored)}\n`);
}
