/**
 * The orchestrator's running view of a load run: the workers' progress messages summed
 * once a second into the live progress line and the timeline the HTML report draws.
 */
import { decodeHistogram, newHistogram, summarize } from '../stats/histogram.ts';
import type { WorkerHandle } from './pool.ts';
import type { WorkerProgress } from './protocol.ts';
import type { TimelinePoint } from './result.ts';

export type LoadPhase = 'setup' | 'connecting' | 'sending' | 'draining' | 'done';

/** Live figures for the progress line, about once a second while sending and draining. */
export interface LiveProgress {
  phase: LoadPhase;
  elapsedMs: number;
  sent: number;
  delivered: number;
  errors: number;
  /** Deliveries per second over the last second. */
  deliveredPerS: number;
  /** Delivery p99 over everything so far, ms. */
  p99Ms: number;
}

const sum = (m: Map<WorkerHandle, number>): number => [...m.values()].reduce((a, b) => a + b, 0);

export class LiveStats {
  phase: LoadPhase = 'connecting';
  /** One point per tick since sending began. */
  readonly timeline: TimelinePoint[] = [];
  private readonly all = newHistogram();
  private window = newHistogram();
  private readonly sent = new Map<WorkerHandle, number>();
  private readonly delivered = new Map<WorkerHandle, number>();
  private readonly errors = new Map<WorkerHandle, number>();
  private lastDelivered = 0;
  /** Whole seconds of sending the timeline has covered. */
  private seconds = 0;

  constructor(private readonly sendStartMs: () => number) {}

  /** Take in one worker's progress message (workers report at each whole second of sending, and once at the end). */
  add(h: WorkerHandle, msg: WorkerProgress): void {
    const hist = decodeHistogram(msg.hist);
    this.all.add(hist);
    this.window.add(hist);
    this.sent.set(h, msg.sent);
    this.delivered.set(h, msg.delivered);
    this.errors.set(h, msg.errors);
  }

  /**
   * Close a span: the next whole second (call just after the workers' reports for it came in),
   * or with `final` the rest of the run. Appends a timeline point and returns the progress figures.
   */
  tick(elapsedMs: number, final = false): LiveProgress {
    const delivered = sum(this.delivered);
    const atS = final ? (performance.now() - this.sendStartMs()) / 1000 : this.seconds + 1;
    const spanS = atS - this.seconds;
    const perS = spanS > 0 ? Math.round((delivered - this.lastDelivered) / spanS) : 0;
    const w = summarize(this.window);
    const errors = sum(this.errors);
    // A final span of a few ms would turn a handful of deliveries into a spike: fold it into the last point.
    if (!final || spanS >= 0.2 || this.timeline.length === 0) {
      this.timeline.push({
        t_s: Math.round(atS * 10) / 10,
        sent: sum(this.sent),
        delivered,
        delivered_per_s: perS,
        p50_ms: w.p50_ms,
        p99_ms: w.p99_ms,
        max_ms: w.max_ms,
        errors,
        reconnects: 0,
      });
      this.window = newHistogram();
      this.lastDelivered = delivered;
      this.seconds = final ? atS : this.seconds + 1;
    } else {
      const last = this.timeline[this.timeline.length - 1] as TimelinePoint;
      Object.assign(last, { sent: sum(this.sent), delivered, errors, max_ms: Math.max(last.max_ms, w.max_ms) });
    }
    return {
      phase: this.phase,
      elapsedMs,
      sent: sum(this.sent),
      delivered,
      errors,
      deliveredPerS: perS,
      p99Ms: summarize(this.all).p99_ms,
    };
  }
}
