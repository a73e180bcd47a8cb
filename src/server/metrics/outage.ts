/**
 * One line when a dependency goes down and one when it is back (with how long it was out),
 * however many requests failed in between; and the seconds it was out, for /metrics.
 */
import type { Logger } from '../log.ts';

export class OutageWatch {
  private downSinceMs: number | null = null;
  private pastOutagesMs = 0;

  /** `what` names the dependency in the log lines ("storage"). */
  constructor(
    private readonly what: string,
    private readonly log: Logger,
    private readonly fields: Record<string, unknown> = {},
    private readonly nowMs: () => number = () => performance.now(),
  ) {}

  /** True unless the last thing seen was a failure. */
  get up(): boolean {
    return this.downSinceMs === null;
  }

  /** A call failed because the dependency cannot be reached: logged on the first failure only. */
  down(detail: string): void {
    if (this.downSinceMs !== null) return;
    this.downSinceMs = this.nowMs();
    this.log.error(`${this.what} unavailable; requests that need it get 503 until it is back`, {
      ...this.fields,
      detail,
    });
  }

  /** A call succeeded: logged when it ends an outage. */
  ok(): void {
    if (this.downSinceMs === null) return;
    const outageMs = this.nowMs() - this.downSinceMs;
    this.pastOutagesMs += outageMs;
    this.downSinceMs = null;
    this.log.info(`${this.what} available again`, { ...this.fields, outage_s: Math.round(outageMs / 100) / 10 });
  }

  /** Total time spent down, the current outage included. */
  unavailableMs(): number {
    return this.pastOutagesMs + (this.downSinceMs === null ? 0 : this.nowMs() - this.downSinceMs);
  }
}
