/**
 * Exact delivery accounting across workers. Expected deliveries of a message = the
 * members of its room connected when sending began, minus the sender. Each worker
 * reports per-sender distinct/duplicate/out-of-order totals for its own receivers; the
 * sums give delivered, and expected - delivered is what was lost.
 */
import type { ClientSpec, WorkerResult, WorkerSent } from './protocol.ts';
import type { DeliveryCounts, SenderIssue } from './result.ts';

/** Senders listed in the result when they had problems. */
const MAX_LISTED = 20;

export interface DeliveryTotals extends DeliveryCounts {
  senders_with_issues: SenderIssue[];
}

/**
 * From what was sent, work out how many deliveries each worker should see, and how to
 * turn the workers' results into totals.
 */
export function computeDelivery(
  clients: ClientSpec[],
  connected: Set<number>,
  sent: WorkerSent[],
  slices: ClientSpec[][],
) {
  const sentBy = new Map<number, number>();
  for (const s of sent)
    for (const [k, v] of Object.entries(s.sentBySender)) sentBy.set(Number(k), (sentBy.get(Number(k)) ?? 0) + v);
  const roomSent = new Map<string, number>();
  const roomConnected = new Map<string, number>();
  for (const c of clients) {
    roomSent.set(c.roomId, (roomSent.get(c.roomId) ?? 0) + (sentBy.get(c.index) ?? 0));
    if (connected.has(c.index)) roomConnected.set(c.roomId, (roomConnected.get(c.roomId) ?? 0) + 1);
  }
  // A connected receiver expects every message of every other sender in its room.
  const expectedPerWorker = slices.map((slice) =>
    slice.reduce(
      (n, c) => (connected.has(c.index) ? n + (roomSent.get(c.roomId) ?? 0) - (sentBy.get(c.index) ?? 0) : n),
      0,
    ),
  );

  const finish = (results: WorkerResult[]): DeliveryTotals => {
    const got = new Map<number, [number, number, number]>();
    for (const r of results) {
      for (const [k, [d, dup, ooo]] of Object.entries(r.delivery)) {
        const t = got.get(Number(k)) ?? [0, 0, 0];
        got.set(Number(k), [t[0] + d, t[1] + dup, t[2] + ooo]);
      }
    }
    const totals: DeliveryTotals = {
      sent: 0,
      expected: 0,
      delivered: 0,
      lost: 0,
      duplicated: 0,
      out_of_order: 0,
      senders_with_issues: [],
    };
    const issues: SenderIssue[] = [];
    for (const c of clients) {
      const sentN = sentBy.get(c.index) ?? 0;
      const [delivered, duplicated, outOfOrder] = got.get(c.index) ?? [0, 0, 0];
      const expected = sentN * Math.max(0, (roomConnected.get(c.roomId) ?? 0) - 1);
      const lost = Math.max(0, expected - delivered);
      totals.sent += sentN;
      totals.expected += expected;
      totals.delivered += delivered;
      totals.lost += lost;
      totals.duplicated += duplicated;
      totals.out_of_order += outOfOrder;
      if (lost || duplicated || outOfOrder) {
        issues.push({
          sender: c.index,
          user_id: c.userId,
          room_id: c.roomId,
          sent: sentN,
          expected,
          delivered,
          lost,
          duplicated,
          out_of_order: outOfOrder,
        });
      }
    }
    issues.sort((a, b) => b.lost + b.duplicated + b.out_of_order - (a.lost + a.duplicated + a.out_of_order));
    totals.senders_with_issues = issues.slice(0, MAX_LISTED);
    return totals;
  };
  return { expectedPerWorker, finish };
}
