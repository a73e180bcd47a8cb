/**
 * Group commit: callers submit one item each; the items that arrive while a write is in flight
 * wait and are written together by the next write, in arrival order. One write at a time per
 * queue, so results come back in submission order. An item that finds no write in flight is
 * written at once: nothing waits for a timer.
 */

/** What the batch writer gives back for one item: its result, or the error for that item alone. */
export type ItemResult<O> = { ok: true; value: O } | { ok: false; error: unknown };

export interface GroupCommitOptions<I, O> {
  /** Write the items together; one result per item, in order. A rejection fails the whole batch. */
  write(items: I[]): Promise<Array<ItemResult<O>>>;
  /** Most items in one write. */
  maxBatch: number;
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
  resolve(value: O): void;
  reject(err: unknown): void;
}

/** A queue of items written in batches by one writer. */
export class GroupCommit<I, O> {
  private queue: Array<Pending<I, O>> = [];
  private writing = false;

  constructor(private readonly options: GroupCommitOptions<I, O>) {}

  /** Items waiting for the next write (not counting the one in flight). */
  get waiting(): number {
    return this.queue.length;
  }

  /** Resolves once the item is written (committed), or rejects with the reason it was not. */
  submit(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      if (!this.writing) this.next();
    });
  }

  private next(): void {
    if (this.queue.length === 0) {
      this.writing = false;
      return;
    }
    this.writing = true;
    const batch = this.queue.length <= this.options.maxBatch ? this.queue : this.queue.slice(0, this.options.maxBatch);
    this.queue = batch === this.queue ? [] : this.queue.slice(batch.length);
    this.options.onBatch?.(batch.length);
    let written: Promise<Array<ItemResult<O>>>;
    try {
      written = this.options.write(batch.map((p) => p.item));
    } catch (err) {
      // Passes on exactly what write() threw.
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
      written = Promise.reject(err);
    }
    written.then(
      (results) => {
        batch.forEach((p, i) => {
          const r = results[i];
          if (!r) p.reject(new Error('group commit: the writer returned no result for an item'));
          else if (r.ok) p.resolve(r.value);
          else p.reject(r.error);
        });
        this.next();
      },
      (err: unknown) => {
        for (const p of batch) p.reject(err);
        if (this.options.failsQueue?.(err)) {
          const waiting = this.queue;
          this.queue = [];
          for (const p of waiting) p.reject(err);
        }
        this.next();
      },
    );
  }
}
