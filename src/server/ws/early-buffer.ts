/**
 * Early buffering: frames broadcast to a room while one of its sockets is still being set up
 * (token, room and user lookups, join) are held here, then sent in order once the socket is
 * in the room, so it misses nothing said during its own setup; dropped if it never gets in.
 */

export class EarlyBuffer {
  private frames: Array<Buffer | string> | null = [];
  private bytes = 0;

  /** `maxBytes`: more than this held means the reader is already too slow (WS_MAX_BUFFERED_BYTES). */
  constructor(private readonly maxBytes: number) {}

  /** True until `end()`: frames are held instead of sent. */
  get holding(): boolean {
    return this.frames !== null;
  }

  /** Hold one encoded frame; false once more than `maxBytes` are held. */
  hold(data: Buffer | string): boolean {
    this.bytes += data.length;
    this.frames?.push(data);
    return this.bytes <= this.maxBytes;
  }

  /** Stop holding and hand back what was held (empty after the first call). */
  end(): Array<Buffer | string> {
    const frames = this.frames ?? [];
    this.frames = null;
    return frames;
  }
}
