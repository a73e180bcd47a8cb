/**
 * Framing and slow-reader protection for one socket: broadcasts are written framed once per
 * broadcast (wire.ts), and a reader whose send buffer passes WS_MAX_BUFFERED_BYTES is not
 * written to; it is closed 1013 and cut if the close frame cannot get through either.
 */
import type { Duplex } from 'node:stream';
import type { WebSocket } from 'ws';
import { CloseCode } from '../../shared/protocol.ts';
import type { SendResult } from './hub.ts';
import { framed, rawSocket } from './wire.ts';

/** Buffers from the hub are UTF-8 JSON: send them as text frames, not binary. */
const TEXT_FRAME = { binary: false } as const;

/** After a 1013 (slow reader) or 1008 (flooder) close, give the close frame this long before cutting. */
const CLOSE_GRACE_MS = 1000;

export class Outbound {
  /** Where broadcast frames are written, framed once per broadcast (see wire.ts); undefined: through ws.send. */
  private readonly socket: Duplex | undefined;
  /** The socket is corked until the end of the current tick (see corkForThisTick). */
  private corked = false;

  constructor(
    private readonly ws: WebSocket,
    private readonly maxBufferedBytes: number,
  ) {
    this.socket = rawSocket(ws);
  }

  /** Write one encoded frame, unless the socket is no longer open or the reader is too far behind. */
  write(data: Buffer | string): SendResult {
    const ws = this.ws;
    if (ws.readyState !== ws.OPEN) return 'closed';
    if (ws.bufferedAmount > this.maxBufferedBytes) return 'slow';
    if (this.socket !== undefined && typeof data !== 'string') {
      this.corkForThisTick(this.socket);
      this.socket.write(framed(data));
    } else ws.send(data, TEXT_FRAME);
    return 'queued';
  }

  /**
   * Hold this tick's frames for the socket and send them in one write when the tick ends. A
   * group commit on a database store resolves a whole batch of messages in one tick, so a
   * socket gets several broadcast frames at once: corked, they leave in one `writev` instead of
   * one syscall each (docs/performance.md). Order is unchanged: everything written to the socket
   * in the meantime, ws's own frames included, goes out in the order it was written.
   */
  private corkForThisTick(socket: Duplex): void {
    if (this.corked) return;
    this.corked = true;
    socket.cork();
    process.nextTick(() => {
      this.corked = false;
      socket.uncork();
    });
  }

  /** Close 1013 ("Too slow to keep up") and cut the TCP connection if it stays stuck. */
  closeSlow(): void {
    this.closeThenCut(CloseCode.TryAgainLater, 'Too slow to keep up');
  }

  /**
   * Close 1008 ("Rate limit exceeded") and stop reading at once: what the peer keeps sending
   * waits in the kernel, unread and unparsed, until the connection is cut (its close frame too,
   * so the cut always comes after the grace).
   */
  closeFlooder(): void {
    this.ws.pause();
    this.closeThenCut(CloseCode.PolicyViolation, 'Rate limit exceeded');
  }

  private closeThenCut(code: number, reason: string): void {
    this.ws.close(code, reason);
    setTimeout(() => this.ws.terminate(), CLOSE_GRACE_MS).unref();
  }
}
