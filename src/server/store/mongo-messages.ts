/**
 * Writing a batch of chat messages to MongoDB (MongoStore's group commit): one lookup of the
 * rooms, one of the senders' memberships (for messages sent as a member), one of the
 * client_msg_ids already stored, one counter increment per room for the whole batch's sequence
 * numbers, and one unordered insertMany. Why order and exactly-once
 * still hold is in docs/persistence.md ("Group commit").
 */
import { MongoBulkWriteError, MongoServerError, type Collection, type WriteError } from 'mongodb';
import type { ItemResult } from './group-commit.ts';
import { newMessageRecord, type Message, type NewMessage, type QueuedMessage } from './store.ts';

/** A stored message: the Message fields with the id as `_id`, plus the per-room order. */
export type MessageDoc = Omit<Message, 'id'> & { _id: string; seq: number };

/** Result of storing one message: the stored one, and whether this call created it. */
export type Inserted = { message: Message; created: boolean };

/** What one queued message became: stored (or its original), or null when `as_member` found no membership. */
export type Queued = Inserted | null;

/** The name and avatar a member's messages carry. */
export interface Sender {
  room_id: string;
  user_id: string;
  username: string;
  avatar_url: string | null;
}

/** What the batch writer needs from MongoStore. */
export interface MessageCollections {
  /** The ids among these that name a room. */
  knownRooms(ids: string[]): Promise<string[]>;
  /** The memberships among these (room, user) pairs. */
  senders(pairs: Array<{ room_id: string; user_id: string }>): Promise<Sender[]>;
  messages: Collection<MessageDoc>;
  /** Reserve `count` numbers of a named sequence at once; resolves with the last one. */
  reserveSeq(name: string, count: number): Promise<number>;
  /** Run one driver operation, mapping "unreachable" to StoreUnavailableError. */
  run<T>(op: () => Promise<T>): Promise<T>;
}

const keyOf = (m: { room_id: string; user_id: string; client_msg_id?: string | undefined }): string | undefined =>
  m.client_msg_id === undefined ? undefined : `${m.room_id}|${m.user_id}|${m.client_msg_id}`;

/** A stored document as a Message (no `client_msg_id` key when it has none). */
export function docToMessage(d: MessageDoc): Message {
  const m: Message = {
    id: d._id,
    room_id: d.room_id,
    user_id: d.user_id,
    username: d.username,
    content: d.content,
    avatar_url: d.avatar_url,
    created_at: d.created_at,
  };
  if (d.client_msg_id !== undefined) m.client_msg_id = d.client_msg_id;
  return m;
}

/**
 * Store a batch; one result per input, in order. A client_msg_id already stored, or given twice
 * in this batch, resolves to the one stored message with `created: false` for all but the first.
 * Rejects (the whole batch) when the server cannot be reached.
 */
export async function writeMongoBatch(
  c: MessageCollections,
  batch: QueuedMessage[],
): Promise<Array<ItemResult<Queued>>> {
  const results: Array<ItemResult<Queued> | undefined> = batch.map(() => undefined);
  const firstOf = new Map<string, number>();
  const sameAs = new Map<number, number>();
  batch.forEach((m, i) => {
    const key = keyOf(m);
    if (key === undefined) return;
    const first = firstOf.get(key);
    if (first === undefined) firstOf.set(key, i);
    else sameAs.set(i, first);
  });
  const unique = batch.map((_, i) => i).filter((i) => !sameAs.has(i));

  const roomIds = [...new Set(unique.map((i) => batch[i]!.room_id))];
  const withCmid = unique.filter((i) => batch[i]!.client_msg_id !== undefined);
  const asMember = unique.filter((i) => batch[i]!.as_member);
  const [rooms, members, existing] = await Promise.all([
    c.knownRooms(roomIds),
    asMember.length === 0 ? [] : c.senders(asMember.map((i) => batch[i]!)),
    withCmid.length === 0
      ? []
      : findOriginals(
          c,
          withCmid.map((i) => batch[i]!),
        ),
  ]);
  const known = new Set(rooms);
  const stored = new Map(existing.map((d) => [keyOf(d), d]));
  const senderOf = new Map(members.map((m) => [`${m.room_id}|${m.user_id}`, m]));
  // A message sent as a member carries the membership's name and avatar; without one it is refused.
  const records = new Map<number, NewMessage>();
  for (const i of unique) {
    const m = batch[i]!;
    const sender = m.as_member ? senderOf.get(`${m.room_id}|${m.user_id}`) : m;
    if (!sender) continue;
    const record: NewMessage = {
      room_id: m.room_id,
      user_id: m.user_id,
      username: sender.username ?? '',
      content: m.content,
      avatar_url: sender.avatar_url,
    };
    if (m.client_msg_id !== undefined) record.client_msg_id = m.client_msg_id;
    records.set(i, record);
  }

  // Per room, in batch order: the messages to insert, numbered by one counter increment.
  const toInsert = new Map<string, number[]>();
  for (const i of unique) {
    const m = batch[i]!;
    const original = stored.get(keyOf(m));
    if (original) results[i] = { ok: true, value: { message: docToMessage(original), created: false } };
    else if (!records.has(i)) results[i] = { ok: true, value: null };
    else if (!known.has(m.room_id))
      results[i] = m.as_member
        ? { ok: true, value: null }
        : { ok: false, error: new Error('insertMessage: unknown room') };
    else toInsert.set(m.room_id, [...(toInsert.get(m.room_id) ?? []), i]);
  }
  const docs: Array<{ at: number; doc: MessageDoc }> = [];
  await Promise.all(
    [...toInsert].map(async ([roomId, positions]) => {
      const last = await c.reserveSeq(`messages:${roomId}`, positions.length);
      positions.forEach((i, k) => {
        const m = records.get(i)!;
        const { id, ...fields } = newMessageRecord(m);
        const doc: MessageDoc = { _id: id, ...fields, seq: last - positions.length + 1 + k };
        if (m.client_msg_id !== undefined) doc.client_msg_id = m.client_msg_id;
        docs.push({ at: i, doc });
      });
    }),
  );
  docs.sort((a, b) => a.at - b.at);

  const failed = await insertUnordered(
    c,
    docs.map((d) => d.doc),
  );
  const retry: number[] = [];
  docs.forEach(({ at, doc }, k) => {
    const error = failed.get(k);
    if (error === undefined) results[at] = { ok: true, value: { message: docToMessage(doc), created: true } };
    else if (error === 'duplicate') retry.push(at);
    else results[at] = { ok: false, error };
  });
  // Stored meanwhile through another instance (the unique index said so): return that one.
  if (retry.length > 0) {
    const originals = new Map(
      (
        await findOriginals(
          c,
          retry.map((i) => batch[i]!),
        )
      ).map((d) => [keyOf(d), d]),
    );
    for (const i of retry) {
      const original = originals.get(keyOf(batch[i]!));
      results[i] = original
        ? { ok: true, value: { message: docToMessage(original), created: false } }
        : { ok: false, error: new Error('insertMessage: duplicate client_msg_id but no original found') };
    }
  }
  for (const [i, first] of sameAs) {
    const r = results[first];
    results[i] = r?.ok && r.value ? { ok: true, value: { message: r.value.message, created: false } } : r;
  }
  return results.map((r) => r ?? { ok: false, error: new Error('insertMessage: no result') });
}

/** The stored messages for these (room, user, client_msg_id) keys. */
function findOriginals(c: MessageCollections, messages: QueuedMessage[]): Promise<MessageDoc[]> {
  // `$type: 'string'` matches the partial filter, so the planner may use the dedupe index.
  const or = messages.map((m) => ({
    room_id: m.room_id,
    user_id: m.user_id,
    client_msg_id: { $type: 'string' as const, $eq: m.client_msg_id },
  }));
  return c.run(() => c.messages.find({ $or: or }).toArray());
}

/** insertMany, unordered; the index of each document that failed, with 'duplicate' for a taken client_msg_id. */
async function insertUnordered(c: MessageCollections, docs: MessageDoc[]): Promise<Map<number, unknown>> {
  const failed = new Map<number, unknown>();
  if (docs.length === 0) return failed;
  try {
    await c.run(() => c.messages.insertMany(docs, { ordered: false }));
  } catch (err) {
    if (!(err instanceof MongoBulkWriteError)) throw err;
    const writeErrors = ([] as WriteError[]).concat(err.writeErrors);
    if (writeErrors.length === 0) throw err;
    for (const w of writeErrors) {
      const duplicateCmid = w.code === 11000 && docs[w.index]?.client_msg_id !== undefined;
      failed.set(
        w.index,
        duplicateCmid ? 'duplicate' : new MongoServerError({ message: w.errmsg ?? 'write failed', code: w.code }),
      );
    }
  }
  return failed;
}
