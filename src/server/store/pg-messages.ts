/**
 * Writing a batch of chat messages to Postgres (PostgresStore's group commit): one multi-row
 * INSERT … RETURNING, one transaction, one WAL flush, whatever rooms the messages are for.
 * Why order and exactly-once still hold is in docs/persistence.md ("Group commit").
 */
import { randomUUID } from 'node:crypto';
import type { ItemResult } from './group-commit.ts';
import type { PgDatabase } from './pg-database.ts';
import type { Message, QueuedMessage } from './store.ts';

/** Result of storing one message: the stored one, and whether this call created it. */
export type Inserted = { message: Message; created: boolean };

/** First key of the per-room advisory lock (second key: hash of the room id). */
const ROOM_LOCK_CLASS = 73_019;

/**
 * The per-room advisory locks of every room in the batch, taken in key order (so two instances'
 * batches cannot deadlock) and held until the statement's transaction commits: within a room,
 * `seq` order is commit order, so a reader paging with `after` never sees seq N+1 before N
 * exists. The rows go in in batch order (`ORDER BY ord`), so identity values follow it.
 *
 * A row with `as_member` takes the sender's name and avatar from their membership, read by
 * the same statement, and is not inserted when there is none (the caller then joins the user
 * and retries): a POST is one round trip, not a lookup and then an insert.
 *
 * One text for every batch size (arrays, not N rows of placeholders) under a statement name:
 * each connection parses and plans it once. RETURNING gives back only what the caller does
 * not already have.
 */
const INSERT_BATCH = {
  name: 'vchat_insert_messages',
  text: `
WITH room_lock AS MATERIALIZED (
  SELECT count(pg_advisory_xact_lock(${ROOM_LOCK_CLASS}, k.h)) AS n
    FROM (SELECT DISTINCT hashtext(r::text) AS h FROM unnest($2::uuid[]) AS r ORDER BY 1) AS k
)
INSERT INTO messages (id, room_id, user_id, username, content, avatar_url, client_msg_id, created_at)
SELECT t.id, t.room_id, t.user_id,
       CASE WHEN t.as_member THEN rm.username ELSE t.username END,
       t.content,
       CASE WHEN t.as_member THEN rm.avatar_url ELSE t.avatar_url END,
       t.client_msg_id, clock_timestamp()
  FROM room_lock,
       unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::text[], $5::text[], $6::text[], $7::text[], $8::boolean[])
         WITH ORDINALITY AS t(id, room_id, user_id, username, content, avatar_url, client_msg_id, as_member, ord)
  LEFT JOIN room_members rm ON t.as_member AND rm.room_id = t.room_id AND rm.user_id = t.user_id
 WHERE NOT t.as_member OR rm.user_id IS NOT NULL
 ORDER BY t.ord
ON CONFLICT (room_id, user_id, client_msg_id) WHERE client_msg_id IS NOT NULL DO NOTHING
RETURNING id::text AS id, username, avatar_url, created_at`,
};

/** The stored originals of messages whose client_msg_id was already taken (a later statement: it sees them committed). */
const SELECT_ORIGINALS = `
SELECT m.id::text AS id, m.room_id::text AS room_id, m.user_id::text AS user_id, m.username, m.content, m.avatar_url,
       m.created_at, m.client_msg_id
  FROM messages m
  JOIN unnest($1::uuid[], $2::uuid[], $3::text[]) AS k(room_id, user_id, client_msg_id)
    ON m.room_id = k.room_id AND m.user_id = k.user_id AND m.client_msg_id = k.client_msg_id`;

/** A message row as the API wants it (ids as text). */
export type MessageRow = Omit<Message, 'client_msg_id'> & { client_msg_id: string | null };

/** A row as a Message (no `client_msg_id` key when it has none). */
export function toMessage(row: MessageRow): Message {
  const { client_msg_id, ...rest } = row;
  return client_msg_id === null ? rest : { ...rest, client_msg_id };
}

/** What one queued message became: stored (or its original), or null when `as_member` found no membership. */
export type Queued = Inserted | null;

/** The columns INSERT_BATCH returns. */
type InsertedRow = Pick<Message, 'id' | 'username' | 'avatar_url' | 'created_at'>;

const dedupeKey = (m: {
  room_id: string;
  user_id: string;
  client_msg_id?: string | null | undefined;
}): string | undefined =>
  m.client_msg_id == null ? undefined : `${m.room_id.toLowerCase()}|${m.user_id.toLowerCase()}|${m.client_msg_id}`;

/**
 * Store a batch; one result per input, in order. A client_msg_id already stored, or given twice
 * in this batch, resolves to the one stored message with `created: false` for all but the first.
 * Rejects (the whole batch) when the database fails; a message naming an unknown room or user
 * fails alone (the batch is then written one by one).
 */
export async function writeMessageBatch(db: PgDatabase, batch: QueuedMessage[]): Promise<Array<ItemResult<Queued>>> {
  // The first of each client_msg_id goes to the database; later ones in this batch share its result.
  const firstOf = new Map<string, number>();
  const unique: number[] = [];
  const sameAs: Array<number | undefined> = batch.map((m, i) => {
    const key = dedupeKey(m);
    if (key === undefined) return void unique.push(i);
    const first = firstOf.get(key);
    if (first !== undefined) return first;
    firstOf.set(key, i);
    unique.push(i);
    return undefined;
  });
  const rows = unique.map((i) => batch[i] as QueuedMessage);
  let stored: Map<number, Inserted>;
  try {
    stored = await insertRows(db, rows, unique);
  } catch (err) {
    if ((err as { code?: string }).code !== '23503') throw err;
    if (batch.length === 1) return [{ ok: false, error: new Error('insertMessage: unknown room or user') }];
    // Someone's message names a room or user that does not exist: write one by one, so only that one fails.
    const results: Array<ItemResult<Queued>> = [];
    for (const m of batch) results.push(...(await writeMessageBatch(db, [m])));
    return results;
  }
  return batch.map((m, i) => {
    const first = sameAs[i];
    const result = stored.get(first ?? i);
    if (!result) {
      // No row and no original: the sender is not a member (as_member), else something is wrong.
      if (m.as_member) return { ok: true, value: null };
      return { ok: false, error: new Error('insertMessage: duplicate client_msg_id but no original found') };
    }
    return { ok: true, value: first === undefined ? result : { message: result.message, created: false } };
  });
}

/** The stored message for a queued one and the row INSERT_BATCH returned for it. */
function storedMessage(m: QueuedMessage, id: string, row: InsertedRow): Message {
  const message: Message = {
    id,
    // Postgres's uuid text is lower case; the caller's copy may not be.
    room_id: m.room_id.toLowerCase(),
    user_id: m.user_id.toLowerCase(),
    username: row.username,
    content: m.content,
    avatar_url: row.avatar_url,
    created_at: row.created_at,
  };
  if (m.client_msg_id != null) message.client_msg_id = m.client_msg_id;
  return message;
}

/** INSERT the rows (at batch positions `at`), then read back the originals of the ones that conflicted. */
async function insertRows(db: PgDatabase, rows: QueuedMessage[], at: number[]): Promise<Map<number, Inserted>> {
  const ids = rows.map(() => randomUUID());
  const col = <K extends keyof QueuedMessage>(k: K): Array<QueuedMessage[K] | null> => rows.map((m) => m[k] ?? null);
  const { rows: inserted } = await db.query<InsertedRow>(
    INSERT_BATCH.text,
    [
      ids,
      col('room_id'),
      col('user_id'),
      col('username'),
      col('content'),
      col('avatar_url'),
      col('client_msg_id'),
      col('as_member'),
    ],
    INSERT_BATCH.name,
  );
  const byId = new Map(inserted.map((r) => [r.id, r]));
  const out = new Map<number, Inserted>();
  const missing: number[] = [];
  rows.forEach((m, j) => {
    const id = ids[j] as string;
    const row = byId.get(id);
    if (row) out.set(at[j] as number, { message: storedMessage(m, id, row), created: true });
    else if (m.client_msg_id != null) missing.push(j);
  });
  if (missing.length === 0) return out;
  const { rows: originals } = await db.query<MessageRow>(SELECT_ORIGINALS, [
    missing.map((j) => rows[j]!.room_id),
    missing.map((j) => rows[j]!.user_id),
    missing.map((j) => rows[j]!.client_msg_id ?? null),
  ]);
  const byKey = new Map(originals.map((r) => [dedupeKey(r), r]));
  for (const j of missing) {
    const original = byKey.get(dedupeKey(rows[j]!));
    if (original) out.set(at[j] as number, { message: toMessage(original), created: false });
  }
  return out;
}
