/**
 * The live state of one soak: its clients, the delivery book, the latency histograms and the
 * error counts, with the three things an interval does to them: reconnect some clients, send
 * at the rate (the shared open-loop pacer), and wait for the last deliveries.
 */
import { bookArrival } from '../load/arrivals.ts';
import { paceOpenLoop, perfToWallMs } from '../load/pacer.ts';
import type { ClientSpec } from '../load/protocol.ts';
import { SimClient, type SimHandlers, type SimTarget } from '../load/sim-client.ts';
import { bump, type Counts } from '../stats/counts.ts';
import { chatFrame, DeliveryBook, encodeTag } from '../stats/delivery.ts';
import { newHistogram, recordMs, type Histogram } from '../stats/histogram.ts';

const TICK_MS = 20;
/** Content length of a soak message (characters). */
const SOAK_MESSAGE_CHARS = 48;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, Math.max(0, ms)));

/** One interval's reconnects. */
export interface ReconnectRound {
  attempted: number;
  failed: number;
  failures: Counts;
  hist: Histogram;
}

export class SoakSession {
  readonly book = new DeliveryBook();
  readonly errors: Counts = {};
  /** Every delivery's latency, and the current interval's. */
  readonly total = newHistogram();
  interval = newHistogram();
  readonly clients: SimClient[];
  /** Messages sent, and deliveries expected at send time (open members of the room minus the sender). */
  sent = 0;
  expected = 0;
  /** Total length of the send windows so far, ms (what the schedule planned for). */
  sendMs = 0;
  private rotate = 0;
  private rr = 0;

  constructor(
    specs: ClientSpec[],
    private readonly run: string,
    private readonly target: SimTarget,
  ) {
    const handlers: SimHandlers = {
      onTagged: (client, id) =>
        void bookArrival(this.book, run, client.spec.index, id, (ms) => {
          recordMs(this.total, ms);
          recordMs(this.interval, ms);
        }),
      onOther: (_c, frame) => {
        if (frame.type === 'error') bump(this.errors, `server_error_${String(frame.code)}`);
      },
      onClosed: (_c, code) => bump(this.errors, `closed_${code}`),
    };
    this.clients = specs.map((spec) => new SimClient(spec, handlers));
  }

  /** Connect every client; failures are counted as `connect_<reason>`. Returns the connect histogram. */
  async connectAll(): Promise<Histogram> {
    const hist = newHistogram();
    await Promise.all(
      this.clients.map((c) =>
        c.connect(this.target).then(
          (ms) => recordMs(hist, ms),
          (why: unknown) => bump(this.errors, `connect_${String(why)}`),
        ),
      ),
    );
    return hist;
  }

  /** Close and reopen the next `k` clients in rotation, plus every client that is down. */
  async reconnect(k: number): Promise<ReconnectRound> {
    const chosen = new Set<SimClient>(this.clients.filter((c) => !c.open));
    for (let i = 0; i < Math.min(k, this.clients.length); i++)
      chosen.add(this.clients[this.rotate++ % this.clients.length] as SimClient);
    const round: ReconnectRound = { attempted: 0, failed: 0, failures: {}, hist: newHistogram() };
    await Promise.all(
      [...chosen].map(async (c) => {
        round.attempted++;
        await c.close();
        try {
          recordMs(round.hist, await c.connect(this.target));
        } catch (why) {
          round.failed++;
          bump(round.failures, String(why));
          bump(this.errors, `reconnect_${String(why)}`);
        }
      }),
    );
    return round;
  }

  /** Send at `ratePerS` for `durationMs`, round-robin over the open clients, each message stamped with its due time. */
  send(ratePerS: number, durationMs: number): Promise<void> {
    this.sendMs += Math.max(0, durationMs);
    return paceOpenLoop({ ratePerS, durationMs }, (_k, dueAtMs) => {
      const open = this.clients.filter((c) => c.open);
      if (open.length === 0) {
        bump(this.errors, 'send_not_open');
        return;
      }
      this.sendOne(open[this.rr++ % open.length] as SimClient, perfToWallMs(dueAtMs));
    });
  }

  /** Wait until every expected delivery arrived, or until `untilMs` (performance.now() clock). */
  async drain(untilMs: number): Promise<void> {
    while (this.book.delivered < this.expected && performance.now() < untilMs) await sleep(TICK_MS);
  }

  /** Open clients, over all or in one room. */
  openCount(roomId?: string): number {
    return this.clients.reduce((n, c) => (c.open && (roomId === undefined || c.spec.roomId === roomId) ? n + 1 : n), 0);
  }

  /** Duplicates and out-of-order arrivals over every sender. */
  anomalies(): { duplicated: number; outOfOrder: number } {
    let duplicated = 0;
    let outOfOrder = 0;
    for (const t of this.book.bySender.values()) {
      duplicated += t.duplicated;
      outOfOrder += t.outOfOrder;
    }
    return { duplicated, outOfOrder };
  }

  closeAll(): Promise<unknown[]> {
    return Promise.all(this.clients.map((c) => c.close()));
  }

  private sendOne(c: SimClient, sentAtMs: number): void {
    const id = encodeTag({ run: this.run, sender: c.spec.index, seq: c.seq, sentAtMs });
    if (!c.send(chatFrame(id, SOAK_MESSAGE_CHARS))) {
      bump(this.errors, 'send_not_open');
      return;
    }
    c.seq++;
    this.sent++;
    this.expected += this.openCount(c.spec.roomId) - 1;
  }
}
