/**
 * Group commit: callers submit one item each; the items that arrive while a write is in flight
 * wait and are written together by the next write, in arrival order. An item that finds a free
 * write slot is written at once: nothing waits for a timer.
 *
 * With `keyOf` (the room of a chat message) up to `maxInFlight` writes run at once, on disjoint
 * key sets: an item whose key is in a write still in flight waits for that write, so the items of
 * one key are written, and their results come back, in submission order.
 */

/**
 * Writes in flight at once in the database stores' message queues. One: the messages that
 * arrive during a write all go in the next one, so a batch grows with the load and the round
 * trip is paid once per batch, not per message. A second write in flight (on other rooms) was
 * measured slower on every figure, and more slower still: two transactions flush, lock and plan
 * where one would (bench/writes-in-flight.ts, docs/performance.md "Writes in flight").
 */
export const DEFAULT_WRITES_IN_FLIGHT = 1;

/** What the batch writer gives back for one item: its result, or the error for that item alone. */
export type ItemResult<O> = { ok: true; value: O } | { ok: false; error: unknown };

export interface GroupCommitOptions<I, O> {
  /** Write the items together; one result per item, in order. A rejection fails the whole batch. */
  write(items: I[]): Promise<Array<ItemResult<O>>>;
  /** Most items in one write. */
  maxBatch: number;
  /** Most writes in flight at once (default 1); more than one needs `keyOf`. */
  maxInFlight?: number;
  /** The ordering key of an item: items with the same key are never in two writes in flight. */
  keyOf?(item: I): string;
  /**
   * True when a batch's error means every waiting item would fail the same way (database
   * unreachable): the waiting items then fail at once instead of each waiting for its own timeout.
   */
  failsQueue?(err: unknown): boolean;
  /** Told each batch's size before it is written (for the bench's batch-size distribution). */
  onBatch?: (size: number) => void;
}

interface Pending<I, O> {
  item: I;
  /** keyOf(item), computed once (empty when keys are not tracked). */
  key: string;
  resolve(value: O): void;
  reject(err: unknown): void;
}

/** A queue of items written in batches by up to `maxInFlight` writers. */
export class GroupCommit<I, O> {
  private queue: Array<Pending<I, O>> = [];
  private inFlight = 0;
  /** Keys with an item in a write in flight. */
  private readonly busy = new Set<string>();
  private readonly maxInFlight: number;
  /**
   * options.keyOf, only when more than one write may be in flight: with one, a batch is taken
   * only when nothing is in flight, so no key is ever busy and keys would be computed and
   * tracked per item for nothing.
   */
  private readonly keyOf: ((item: I) => string) | undefined;

  constructor(private readonly options: GroupCommitOptions<I, O>) {
    this.maxInFlight = options.keyOf ? Math.max(1, options.maxInFlight ?? 1) : 1;
    this.keyOf = this.maxInFlight > 1 ? options.keyOf?.bind(options) : undefined;
  }

  /** Items waiting for a write (not counting those in flight). */
  get waiting(): number {
    return this.queue.length;
  }

  /** Resolves once the item is written (committed), or rejects with the reason it was not. */
  submit(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.queue.push({ item, key: this.keyOf?.(item) ?? '', resolve, reject });
      this.pump();
    });
  }

  /** Start writes while a slot is free and some waiting item's key is not in flight. */
  private pump(): void {
    while (this.inFlight < this.maxInFlight && this.queue.length > 0) {
      const batch = this.take();
      if (batch.length === 0) return;
      this.write(batch);
    }
  }

  /**
   * The next batch: waiting items in arrival order, skipping those whose key is in flight, up to
   * maxBatch. Each key's taken items are a prefix of its waiting ones (a skipped key stays busy
   * for the whole scan, and once the batch is full nothing more is taken), so per-key order holds.
   */
  private take(): Array<Pending<I, O>> {
    const max = this.options.maxBatch;
    if (this.busy.size === 0 && this.queue.length <= max) {
      const all = this.queue;
      this.queue = [];
      return all;
    }
    const batch: Array<Pending<I, O>> = [];
    const rest: Array<Pending<I, O>> = [];
    for (const p of this.queue) {
      if (batch.length < max && !this.busy.has(p.key)) batch.push(p);
      else rest.push(p);
    }
    this.queue = rest;
    return batch;
  }

  private write(batch: Array<Pending<I, O>>): void {
    this.inFlight++;
    if (this.keyOf) for (const p of batch) this.busy.add(p.key);
    this.options.onBatch?.(batch.length);
    let written: Promise<Array<ItemResult<O>>>;
    try {
      written = this.options.write(batch.map((p) => p.item));
    } catch (err) {
      // Passes on exactly what write() threw.
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
      written = Promise.reject(err);
    }
    const done = (): void => {
      this.inFlight--;
      if (this.keyOf) for (const p of batch) this.busy.delete(p.key);
      this.pump();
    };
    written.then(
      (results) => {
        batch.forEach((p, i) => {
          const r = results[i];
          if (!r) p.reject(new Error('group commit: the writer returned no result for an item'));
          else if (r.ok) p.resolve(r.value);
          else p.reject(r.error);
        });
        done();
      },
      (err: unknown) => {
        for (const p of batch) p.reject(err);
        if (this.options.failsQueue?.(err)) {
          const waiting = this.queue;
          this.queue = [];
          for (const p of waiting) p.reject(err);
        }
        done();
      },
    );
  }
}
