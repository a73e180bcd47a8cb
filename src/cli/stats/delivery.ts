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
 * The text of string field `key` in a raw JSON frame without a full JSON.parse (the load
 * client would otherwise spend its CPU parsing fan-out); tolerates `"key": "…"` (Python's
 * json.dumps). Falls back to JSON.parse when the value holds an escape.
 */
function stringField(raw: string, key: string): string | undefined {
  const name = `"${key}":`;
  const at = raw.indexOf(name);
  if (at < 0) return undefined;
  let start = at + name.length;
  while (raw[start] === ' ') start++;
  if (raw[start] !== '"') return undefined;
  start++;
  const end = raw.indexOf('"', start);
  if (end < 0) return undefined;
  const value = raw.slice(start, end);
  if (!value.includes('\\')) return value;
  try {
    const parsed = JSON.parse(raw) as Record<string, unknown>;
    return typeof parsed[key] === 'string' ? parsed[key] : undefined;
  } catch {
    return undefined;
  }
}

/** Pull `client_msg_id` out of a raw server frame (undefined when there is none). */
export function extractClientMsgId(raw: string): string | undefined {
  return stringField(raw, 'client_msg_id');
}

/**
 * The load-test id of a chat frame: its `client_msg_id`, or, for a server that does not echo
 * one (the seed's FastAPI backend), the nonce the content starts with (see chatFrame).
 */
export function extractTag(raw: string): string | undefined {
  const id = extractClientMsgId(raw);
  if (id !== undefined) return id;
  const content = stringField(raw, 'content');
  if (!content?.startsWith('lt.')) return undefined;
  const space = content.indexOf(' ');
  return space < 0 ? content : content.slice(0, space);
}

const PAD = 'x'.repeat(5000);

/**
 * One chat frame: the id both as `client_msg_id` and at the start of the content, so echoes
 * are matched on servers that drop unknown fields too; filler brings the content to
 * `contentChars` (never below the id, a space and one character).
 */
export function chatFrame(id: string, contentChars: number): string {
  return `{"content":"${id} ${PAD.slice(0, Math.max(1, contentChars - id.length - 1))}","client_msg_id":"${id}"}`;
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
    if (!perSender) this.streams.set(receiver, (perSender = new Map<number, Stream>()));
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
