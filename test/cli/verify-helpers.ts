/** Shared bits for the verify tests: run against a URL, and find a step. */
import { runVerify } from '../../src/cli/verify/run.ts';
import type { StepReport, VerifyOptions, VerifyReport } from '../../src/cli/verify/types.ts';
import { ORIGIN } from '../helpers/server.ts';

/** Run verify against `api` with the test origin; short waits where a failure must time out. */
export function verify(api: string, overrides: Partial<VerifyOptions> = {}): Promise<VerifyReport> {
  return runVerify({ api, origins: [ORIGIN], badOrigin: 'https://evil.example', timeoutMs: 3000, ...overrides });
}

/** The step with this id; throws with the list of ids when missing. */
export function step(report: VerifyReport, id: string): StepReport {
  const found = report.steps.find((s) => s.id === id);
  if (!found) throw new Error(`no step ${id} in ${report.steps.map((s) => s.id).join(', ')}`);
  return found;
}

/** `id: VERDICT` for every step, for readable assertion failures. */
export function verdicts(report: VerifyReport): Record<string, string> {
  return Object.fromEntries(report.steps.map((s) => [s.id, s.verdict]));
}
