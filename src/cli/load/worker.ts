/**
 * The load worker: owns a slice of the simulated clients, connects them over the ramp,
 * sends chat frames (open loop at a rate, or closed loop with N in flight), and books
 * every arrival by `client_msg_id`. Runs inside a child process (worker-entry.ts) or
 * in-process; it only talks through `emit`.
 */
import { bump, total, type Counts } from '../stats/counts.ts';
import { DeliveryBook, decodeTag, encodeTag, wallMs } from '../stats/delivery.ts';
import { encodeHistogram, newHistogram, recordMs } from '../stats/histogram.ts';
import type { FromWorker, ToWorker, WorkerExpect, WorkerInit, WorkerStart } from './protocol.ts';
import { SimClient, type SimHandlers } from './sim-client.ts';

/** How often the send loop wakes up (open loop), ms. */
const TICK_MS = 2;
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
  private padding = '';
  private startedAt = 0;
  private lastArrivalMs = 0;
  private expected = Infinity;
  private onDelivered: (() => void) | undefined;

  constructor(private readonly emit: (msg: FromWorker) => void) {}

  /** Handle one message from the orchestrator. */
  handle(msg: ToWorker): void {
    const run = (p: Promise<void>): void => {
      p.catch((err: unknown) => this.emit({ type: 'failed', message: err instanceof Error ? err.message : String(err) }));
    };
    if (msg.type === 'init') run(this.connectAll(msg));
    else if (msg.type === 'start') run(this.sendPhase(msg));
    else run(this.drain(msg));
  }

  private readonly handlers: SimHandlers = {
    onTagged: (client, id) => {
      const tag = decodeTag(id, (this.init as WorkerInit).run);
      // Not one of ours (REST traffic, another run): not an error, not counted.
      if (!tag) return;
      if (tag.sender === client.spec.index) {
        if (client.inflight > 0) client.inflight--;
        if (this.closedLoop && this.sending) this.sendOne(client);
        return;
      }
      if (this.book.receive(client.spec.index, tag.sender, tag.seq) === 'new') {
        const ms = wallMs() - tag.sentAtMs;
        recordMs(this.latency, ms);
        recordMs(this.interval, ms);
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
    this.padding = 'x'.repeat(Math.max(1, init.messageChars));
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
          recordMs(hist, await client.connect(init.wsBase, init.origin, init.connectTimeoutMs));
        } catch (reason) {
          bump(failures, String(reason));
        }
      }),
    );
    const connected = this.clients.filter((c) => c.open).map((c) => c.spec.index);
    this.emit({ type: 'connected', connected, connectHist: encodeHistogram(hist), failures });
  }

  private sendOne(client: SimClient): void {
    const id = encodeTag({ run: (this.init as WorkerInit).run, sender: client.spec.index, seq: client.seq, sentAtMs: wallMs() });
    if (client.send(`{"content":"${this.padding}","client_msg_id":"${id}"}`)) {
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

  /** Open loop: send round-robin over the clients so each one sends evenly spaced frames. */
  private openLoop(open: SimClient[], start: WorkerStart): Promise<void> {
    let rr = 0;
    let sent = 0;
    return new Promise((resolve) => {
      const tick = (): void => {
        const elapsed = performance.now() - this.startedAt;
        const due = Math.floor((Math.min(elapsed, start.durationMs) * start.ratePerS) / 1000) - sent;
        for (let i = 0; i < due; i++) {
          this.sendOne(open[rr++ % open.length] as SimClient);
          sent++;
        }
        if (elapsed >= start.durationMs) resolve();
        else setTimeout(tick, TICK_MS);
      };
      tick();
    });
  }

  private progress(): void {
    this.emit({ type: 'progress', sent: this.sentTotal, delivered: this.book.delivered, errors: total(this.errors), hist: encodeHistogram(this.interval) });
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
