/** The `--json` renderer: exactly one JSON document (a VerifyReport) and a newline. */
import type { VerifyReport } from '../verify/types.ts';

/** Serialise the report for stdout. */
export function renderJson(report: VerifyReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}
