/**
 * Queueing: a socket's frames are handled one after another, so a sender's messages keep
 * their order. Handling is synchronous (with the in-memory store no promise at all) until a
 * handler returns a promise; the queue is then busy until it settles and goes on after.
 */

export class FrameQueue<T> {
  private frames: T[] = [];
  private busy: Promise<void> | undefined;

  constructor(
    /** Handle one frame; a returned promise holds the queue until it settles. */
    private readonly handle: (frame: T) => Promise<void> | void,
    /** A handler threw or rejected: report it; the queue goes on. */
    private readonly failed: (err: unknown) => void,
  ) {}

  /** Queue a frame; handled at once unless the queue is busy. */
  push(frame: T): void {
    this.frames.push(frame);
    if (!this.busy) this.pump();
  }

  /** Hold the queue until `work` settles (the socket's setup), then handle what arrived meanwhile. */
  holdUntil(work: Promise<void>): void {
    this.busy = work.then(
      () => this.resume(),
      (err: unknown) => {
        this.failed(err);
        this.resume();
      },
    );
  }

  /** Resolves once every frame queued so far has been handled (graceful shutdown). */
  async drained(): Promise<void> {
    while (this.busy) await this.busy;
  }

  private pump(): void {
    for (let frame = this.frames.shift(); frame !== undefined; frame = this.frames.shift()) {
      let pending: Promise<void> | void;
      try {
        pending = this.handle(frame);
      } catch (err) {
        this.failed(err);
        continue;
      }
      if (pending) {
        this.holdUntil(pending);
        return;
      }
    }
  }

  /** What the queue was waiting for is done: on with it. */
  private resume(): void {
    this.busy = undefined;
    this.pump();
  }
}
