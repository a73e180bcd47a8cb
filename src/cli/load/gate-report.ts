/** Words for a failed gate, shared by the `load` and `soak` renderers and their --json stderr line. */
import type { SanityCheck } from './gate.ts';
import type { ThresholdCheck } from './result.ts';
import { describeFailures } from './thresholds.ts';

/** `check      measured: 40 of 400 planned deliveries measured (10%…) FAILED` lines, hints indented under failures. */
export function sanityLines(checks: SanityCheck[]): string[] {
  const out: string[] = [];
  for (const c of checks) {
    out.push(`check      ${c.name}: ${c.detail} ${c.ok ? 'ok' : 'FAILED'}`);
    if (!c.ok && c.hint) out.push(`           hint: ${c.hint}`);
  }
  return out;
}

/** Every failure in one line: thresholds first, then sanity checks with their hints. */
export function failureSummary(thresholds: ThresholdCheck[], sanity: SanityCheck[], other: string[] = []): string {
  const failed = sanity.filter((c) => !c.ok).map((c) => `${c.detail}${c.hint ? ` (hint: ${c.hint})` : ''}`);
  return [...describeFailures(thresholds), ...other, ...failed].join('; ');
}

/** The --json document of a run that could not start (exit 2): same schema family, no figures. */
export function cannotStartJson(tool: 'vchat load' | 'vchat soak', error: string): string {
  const schema = tool === 'vchat load' ? 'vchat.load/1' : 'vchat.soak/1';
  return `${JSON.stringify({ schema, tool, ok: false, exit_code: 2, error }, null, 2)}\n`;
}
