/** Booking one tagged arrival: the same rule for the load workers and the soak. */
import { decodeTag, wallMs, type DeliveryBook } from '../stats/delivery.ts';

/** `foreign`: not this run's id; `own`: the receiver's own echo; else the book's verdict. */
export type ArrivalKind = 'foreign' | 'own' | 'new' | 'duplicate';

/**
 * Book message `id` arriving at client `receiver`; for a new delivery, `onLatency` gets the
 * time from the message's stamped send time (its due time in open loop) to now, ms.
 */
export function bookArrival(
  book: DeliveryBook,
  run: string,
  receiver: number,
  id: string,
  onLatency: (ms: number) => void,
): ArrivalKind {
  const tag = decodeTag(id, run);
  // Not one of ours (REST traffic, another run): not an error, not counted.
  if (!tag) return 'foreign';
  if (tag.sender === receiver) return 'own';
  const kind = book.receive(receiver, tag.sender, tag.seq);
  if (kind === 'new') onLatency(wallMs() - tag.sentAtMs);
  return kind;
}
