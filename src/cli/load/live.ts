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
  private last = { delivered: 0, atMs: 0 };

  constructor(private readonly sendStartMs: () => number) {}

  /** Take in one worker's progress message. */
  add(h: WorkerHandle, msg: WorkerProgress): void {
    const hist = decodeHistogram(msg.hist);
    this.all.add(hist);
    this.window.add(hist);
    this.sent.set(h, msg.sent);
    this.delivered.set(h, msg.delivered);
    this.errors.set(h, msg.errors);
  }

  /** Close the current second: append a timeline point and return the progress line's figures. */
  tick(elapsedMs: number): LiveProgress {
    const now = performance.now();
    const delivered = sum(this.delivered);
    const spanS = Math.max(0.001, (now - (this.last.atMs || now - 1000)) / 1000);
    const perS = Math.round((delivered - this.last.delivered) / spanS);
    const w = summarize(this.window);
    const errors = sum(this.errors);
    this.timeline.push({ t_s: Math.round((now - this.sendStartMs()) / 100) / 10, sent: sum(this.sent), delivered, delivered_per_s: perS, p50_ms: w.p50_ms, p99_ms: w.p99_ms, max_ms: w.max_ms, errors, reconnects: 0 });
    this.window = newHistogram();
    this.last = { delivered, atMs: now };
    return { phase: this.phase, elapsedMs, sent: sum(this.sent), delivered, errors, deliveredPerS: perS, p99Ms: summarize(this.all).p99_ms };
  }
}
