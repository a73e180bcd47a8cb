/** `--max-p99`, `--max-loss`, `--max-errors`: the gate. Each given limit becomes one named check. */
import type { Thresholds } from './options.ts';
import type { LoadResult, ThresholdCheck } from './result.ts';

/** Compare a result with the limits; a check fails when its figure is above the limit. */
export function checkThresholds(
  result: Pick<LoadResult, 'latency' | 'messages' | 'errors_total'>,
  limits: Thresholds,
): ThresholdCheck[] {
  const checks: ThresholdCheck[] = [];
  const add = (name: ThresholdCheck['name'], limit: number | undefined, actual: number): void => {
    if (limit !== undefined) checks.push({ name, limit, actual, ok: actual <= limit });
  };
  add('max_p99_ms', limits.maxP99Ms, result.latency.p99_ms);
  add('max_loss', limits.maxLoss, result.messages.lost);
  add('max_errors', limits.maxErrors, result.errors_total);
  return checks;
}

/** One line per failed check, naming the figure: "delivery p99 41.2 ms > --max-p99 25". */
export function describeFailures(checks: ThresholdCheck[]): string[] {
  const label: Record<ThresholdCheck['name'], [string, string, string]> = {
    max_p99_ms: ['delivery p99', ' ms', '--max-p99'],
    max_loss: ['lost messages', '', '--max-loss'],
    max_errors: ['errors', '', '--max-errors'],
  };
  return checks
    .filter((c) => !c.ok)
    .map((c) => {
      const [what, unit, flag] = label[c.name];
      return `${what} ${c.actual}${unit} > ${flag} ${c.limit}`;
    });
}
