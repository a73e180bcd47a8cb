/**
 * What one socket may send: every frame pays its bytes into one bucket and counts against the
 * bucket of its kind (chat, typing, control), so no frame type is free. Consecutive refusals
 * are strikes; enough of them, or more refused bytes than the refused-bytes allowance holds,
 * and the socket is closed 1008. The byte rule is there because reading is the cost: twenty
 * refused 64 KiB frames would be read (and unmasked) in full before the count rule closed the
 * socket. The allowance refills at the byte rate and is not reset by a frame that passes, so
 * small frames slipped in between cannot keep big refused ones coming.
 */
import type { Config } from '../config.ts';
import { TokenBucket } from '../limits/token-bucket.ts';

/** Which count bucket a frame draws from. */
export type FrameCost =
  /** Chat messages, and frames that are invalid or of an unknown type (a client's mistakes). */
  | 'chat'
  /** typing_start, typing_stop and JSON ping (each answered or relayed). */
  | 'typing'
  /** keep_alive, JSON pong, protocol ping and pong: nothing to do, but never free. */
  | 'control';

/** `ok`: handle the frame; `limited`: drop it and answer rate_limited; `close`: close 1008. */
export type Verdict = 'ok' | 'limited' | 'close';

type BudgetConfig = Pick<
  Config,
  'wsMessageRate' | 'wsTypingRate' | 'wsControlRate' | 'wsByteRate' | 'wsRateStrikes' | 'wsStrikeBytes'
>;

export class FrameBudget {
  private readonly bytes: TokenBucket;
  private readonly counts: Record<FrameCost, TokenBucket>;
  private strikes = 0;
  /** Bytes of refused frames a socket may send: WS_STRIKE_BYTES, refilled at the byte rate. */
  private readonly refusedBytes: TokenBucket;

  constructor(private readonly config: BudgetConfig) {
    this.bytes = new TokenBucket(config.wsByteRate);
    this.refusedBytes = new TokenBucket({ perSecond: config.wsByteRate.perSecond, burst: config.wsStrikeBytes });
    this.counts = {
      chat: new TokenBucket(config.wsMessageRate),
      typing: new TokenBucket(config.wsTypingRate),
      control: new TokenBucket(config.wsControlRate),
    };
  }

  /** Pay for a frame's payload bytes; checked before the frame is parsed. */
  payBytes(sizeBytes: number): Verdict {
    return this.bytes.take(undefined, sizeBytes) > 0 ? this.strike(sizeBytes) : 'ok';
  }

  /** Count a frame of `kind` (its bytes already paid); a frame that passes clears the strikes. */
  payFrame(kind: FrameCost): Verdict {
    if (this.counts[kind].take() > 0) return this.strike(0);
    this.strikes = 0;
    return 'ok';
  }

  /** Bytes and count together, for frames that need no parsing (protocol ping/pong). */
  pay(kind: FrameCost, sizeBytes: number): Verdict {
    const paid = this.payBytes(sizeBytes);
    return paid === 'ok' ? this.payFrame(kind) : paid;
  }

  private strike(sizeBytes: number): Verdict {
    this.strikes++;
    const overdrawn = sizeBytes > 0 && this.refusedBytes.take(undefined, sizeBytes) > 0;
    return overdrawn || this.strikes >= this.config.wsRateStrikes ? 'close' : 'limited';
  }
}
