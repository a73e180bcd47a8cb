/**
 * The load worker: owns a slice of the simulated clients, connects them over the ramp,
 * sends chat frames (open loop at a rate, or closed loop with N in flight), and books
 * every arrival by `client_msg_id`. Runs inside a child process (worker-entry.ts) or
 * in-process; it only talks through `emit`.
 */
import { bump, total, type Counts } from '../stats/counts.ts';
import { chatFrame, DeliveryBook, encodeTag, wallMs } from '../stats/delivery.ts';
import { bookArrival } from './arrivals.ts';
import { encodeHistogram, newHistogram, recordMs } from '../stats/histogram.ts';
import type { FromWorker, ToWorker, WorkerExpect, WorkerInit, WorkerStart } from './protocol.ts';
import { paceOpenLoop, perfToWallMs } from './pacer.ts';
import { SimClient, type SimHandlers } from './sim-client.ts';

const PROGRESS_MS = 1000;

export class LoadWorker {
  private init: WorkerInit | undefined;
  private clients: SimClient[] = [];
  private readonly book = new DeliveryBook();
  private readonly latency = newHistogram();
  private interval = newHistogram();
  private readonly errors: Counts = {};
  private sending = false;
  /** Closed loop: every echo of a client's own message triggers its next one. */
  private closedLoop = false;
  private sentTotal = 0;
  private messageChars = 0;
  private startedAt = 0;
  private lastArrivalMs = 0;
  private expected = Infinity;
  private onDelivered: (() => void) | undefined;

  constructor(private readonly emit: (msg: FromWorker) => void) {}

  /** Handle one message from the orchestrator. */
  handle(msg: ToWorker): void {
    const run = (p: Promise<void>): void => {
      p.catch((err: unknown) =>
        this.emit({ type: 'failed', message: err instanceof Error ? err.message : String(err) }),
      );
    };
    if (msg.type === 'init') run(this.connectAll(msg));
    else if (msg.type === 'start') run(this.sendPhase(msg));
    else run(this.drain(msg));
  }

  private readonly handlers: SimHandlers = {
    onTagged: (client, id) => {
      const kind = bookArrival(this.book, (this.init as WorkerInit).run, client.spec.index, id, (ms) => {
        recordMs(this.latency, ms);
        recordMs(this.interval, ms);
      });
      if (kind === 'own') {
        if (client.inflight > 0) client.inflight--;
        if (this.closedLoop && this.sending) this.sendOne(client);
      } else if (kind === 'new') {
        this.lastArrivalMs = performance.now() - this.startedAt;
        if (this.book.delivered >= this.expected) this.onDelivered?.();
      }
    },
    onOther: (_client, frame) => {
      if (frame.type === 'error') bump(this.errors, `server_error_${String(frame.code)}`);
    },
    onClosed: (_client, code) => bump(this.errors, `closed_${code}`),
  };

  private async connectAll(init: WorkerInit): Promise<void> {
    this.init = init;
    this.messageChars = init.messageChars;
    this.clients = init.clients.map((spec) => new SimClient(spec, this.handlers));
    const hist = newHistogram();
    const failures: Counts = {};
    const n = this.clients.length;
    const t0 = performance.now();
    await Promise.all(
      this.clients.map(async (client, i) => {
        const at = n > 1 ? (init.rampMs * i) / n : 0;
        const wait = at - (performance.now() - t0);
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        try {
          recordMs(
            hist,
            await client.connect({
              wsBase: init.wsBase,
              origin: init.origin,
              headers: init.headers,
              timeoutMs: init.connectTimeoutMs,
            }),
          );
        } catch (reason) {
          bump(failures, String(reason));
        }
      }),
    );
    const connected = this.clients.filter((c) => c.open).map((c) => c.spec.index);
    this.emit({ type: 'connected', connected, connectHist: encodeHistogram(hist), failures });
  }

  /** Send the client's next message, stamped with `sentAtMs` (wall clock; the due time in open loop). */
  private sendOne(client: SimClient, sentAtMs = wallMs()): void {
    const id = encodeTag({ run: (this.init as WorkerInit).run, sender: client.spec.index, seq: client.seq, sentAtMs });
    if (client.send(chatFrame(id, this.messageChars))) {
      client.seq++;
      client.inflight++;
      this.sentTotal++;
    } else {
      bump(this.errors, 'send_not_open');
    }
  }

  private async sendPhase(start: WorkerStart): Promise<void> {
    const delay = start.startAtMs - wallMs();
    if (delay > 0) await new Promise((r) => setTimeout(r, delay));
    this.startedAt = performance.now();
    this.sending = true;
    const progress = setInterval(() => this.progress(), PROGRESS_MS);
    const open = this.clients.filter((c) => c.open);
    if (start.inflight > 0) {
      this.closedLoop = true;
      for (const c of open) for (let k = 0; k < start.inflight; k++) this.sendOne(c);
      await new Promise((r) => setTimeout(r, start.durationMs));
    } else if (open.length > 0 && start.ratePerS > 0) {
      await this.openLoop(open, start);
    } else {
      await new Promise((r) => setTimeout(r, start.durationMs));
    }
    this.sending = false;
    const windowMs = performance.now() - this.startedAt;
    const sentBySender: Record<string, number> = {};
    for (const c of this.clients) if (c.seq > 0) sentBySender[c.spec.index] = c.seq;
    this.emit({ type: 'sent', sentBySender, windowMs });
    this.stopProgress = () => clearInterval(progress);
  }

  private stopProgress: () => void = () => undefined;

  /** Open loop: round-robin over the clients, each message stamped with its due time (pacer.ts). */
  private openLoop(open: SimClient[], start: WorkerStart): Promise<void> {
    return paceOpenLoop(
      { ratePerS: start.ratePerS, durationMs: start.durationMs, startMs: this.startedAt },
      (k, dueAtMs) => this.sendOne(open[k % open.length] as SimClient, perfToWallMs(dueAtMs)),
    );
  }

  private progress(): void {
    this.emit({
      type: 'progress',
      sent: this.sentTotal,
      delivered: this.book.delivered,
      errors: total(this.errors),
      hist: encodeHistogram(this.interval),
    });
    this.interval = newHistogram();
  }

  /** Wait until every expected delivery arrived or the drain timeout passed, then close and report. */
  private async drain(msg: WorkerExpect): Promise<void> {
    this.expected = msg.deliveries;
    if (this.book.delivered < this.expected) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, msg.drainMs);
        this.onDelivered = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    this.onDelivered = undefined;
    this.stopProgress();
    this.progress();
    await Promise.all(this.clients.map((c) => c.close()));
    this.emit({
      type: 'result',
      latencyHist: encodeHistogram(this.latency),
      delivery: this.book.toJSON(),
      errors: this.errors,
      delivered: this.book.delivered,
      lastArrivalMs: this.lastArrivalMs,
    });
  }
}
