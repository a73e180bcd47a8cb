/**
 * Delivery bookkeeping by `client_msg_id`, never by content. Every chat frame the load
 * tool sends carries an id naming the run, the sender and the sender's sequence number,
 * plus the send time; a receiver turns each arrival into new / duplicate / out-of-order
 * per sender. Counts are aggregated per sender so a worker's report stays O(clients).
 */

/** Fields packed into a load-test `client_msg_id`. */
export interface MsgTag {
  run: string;
  sender: number;
  seq: number;
  /** Wall-clock send time in ms (performance.timeOrigin + now(), shared across local processes). */
  sentAtMs: number;
}

/** Wall-clock milliseconds with sub-millisecond precision, comparable across processes on one host. */
export function wallMs(): number {
  return performance.timeOrigin + performance.now();
}

/** Build the `client_msg_id` for one message: `lt.<run>.<sender>.<seq>.<sent at, µs>` (run is hex). */
export function encodeTag(tag: MsgTag): string {
  return `lt.${tag.run}.${tag.sender}.${tag.seq}.${Math.round(tag.sentAtMs * 1000)}`;
}

/** Parse a `client_msg_id`; undefined when it is not one of this run's ids. */
export function decodeTag(id: string, run: string): MsgTag | undefined {
  const parts = id.split('.');
  if (parts.length !== 5 || parts[0] !== 'lt' || parts[1] !== run) return undefined;
  const sender = Number(parts[2]);
  const seq = Number(parts[3]);
  const sentAtUs = Number(parts[4]);
  if (!Number.isInteger(sender) || !Number.isInteger(seq) || !Number.isInteger(sentAtUs)) return undefined;
  return { run, sender, seq, sentAtMs: sentAtUs / 1000 };
}

/**
 * Pull `client_msg_id` out of a raw server frame without a full JSON.parse (the load
 * client would otherwise spend its CPU parsing fan-out). Falls back to JSON.parse when
 * the fast path does not find a plain string.
 */
export function extractClientMsgId(raw: string): string | undefined {
  const key = '"client_msg_id":"';
  const at = raw.indexOf(key);
  if (at < 0) return undefined;
  const start = at + key.length;
  const end = raw.indexOf('"', start);
  if (end < 0) return undefined;
  const id = raw.slice(start, end);
  if (!id.includes('\\')) return id;
  try {
    const parsed = JSON.parse(raw) as { client_msg_id?: unknown };
    return typeof parsed.client_msg_id === 'string' ? parsed.client_msg_id : undefined;
  } catch {
    return undefined;
  }
}

/** What one receiver has seen from one sender: a contiguous prefix plus any seqs ahead of it. */
class Stream {
  next = 0;
  max = -1;
  ahead: Set<number> | undefined;
}

/** Per-sender totals over every receiver tracked by one book. */
export interface SenderTotals {
  delivered: number;
  duplicated: number;
  outOfOrder: number;
}

export type Arrival = 'new' | 'duplicate';

/** Tracks arrivals for many receivers; totals are kept per sender. */
export class DeliveryBook {
  private readonly streams = new Map<number, Map<number, Stream>>();
  readonly bySender = new Map<number, SenderTotals>();
  /** Distinct deliveries over all receivers and senders. */
  delivered = 0;

  /** Record that `receiver` got message `seq` of `sender`. */
  receive(receiver: number, sender: number, seq: number): Arrival {
    let perSender = this.streams.get(receiver);
    if (!perSender) this.streams.set(receiver, (perSender = new Map()));
    let s = perSender.get(sender);
    if (!s) perSender.set(sender, (s = new Stream()));
    let totals = this.bySender.get(sender);
    if (!totals) this.bySender.set(sender, (totals = { delivered: 0, duplicated: 0, outOfOrder: 0 }));

    if (seq < s.next || s.ahead?.has(seq)) {
      totals.duplicated++;
      return 'duplicate';
    }
    if (seq < s.max) totals.outOfOrder++;
    if (seq > s.max) s.max = seq;
    if (seq === s.next) {
      s.next++;
      while (s.ahead?.delete(s.next)) s.next++;
    } else {
      (s.ahead ??= new Set()).add(seq);
    }
    totals.delivered++;
    this.delivered++;
    return 'new';
  }

  /** Serialisable totals: sender index -> [delivered, duplicated, outOfOrder]. */
  toJSON(): Record<string, [number, number, number]> {
    const out: Record<string, [number, number, number]> = {};
    for (const [sender, t] of this.bySender) out[sender] = [t.delivered, t.duplicated, t.outOfOrder];
    return out;
  }
}
