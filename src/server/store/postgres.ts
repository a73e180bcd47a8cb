/**
 * Postgres store (DATABASE_URL): the seed's schema via versioned migrations (./migrations/),
 * one `pg.Pool`, every request path a single indexed statement. Unreachable database ->
 * StoreUnavailableError (503); the pool reconnects by itself and a schema that could not be
 * created at startup is created on the next use.
 */
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { isPgConnectionError, isUuid, migrate } from './pg-helpers.ts';
import {
  CursorNotFoundError,
  StoreUnavailableError,
  type Member,
  type MemberPatch,
  type Message,
  type NewMessage,
  type PageOptions,
  type RoomWithMembers,
  type Store,
  type UpsertMode,
  type User,
} from './store.ts';

export interface PostgresStoreOptions {
  url: string;
  /** Pool size (default 10). */
  max?: number;
  /** Give up connecting after this long, so requests fail fast with 503 (default 3000). */
  connectionTimeoutMs?: number;
  /** Client-side limit for one query (default 10000). */
  queryTimeoutMs?: number;
}

/** First key of the per-room advisory lock taken by insertMessage (second key: hash of the room id). */
const ROOM_LOCK_CLASS = 73_019;

const USER_COLS = 'id::text AS id, username, avatar_url, created_at';
const ROOM_COLS =
  'r.id::text AS id, r.name, r.thumbnail_url, r.created_at, ARRAY(SELECT m.user_id::text FROM room_members m WHERE m.room_id = r.id ORDER BY m.seq) AS users';
const MEMBER_COLS = 'room_id::text AS room_id, user_id::text AS user_id, username, avatar_url, joined_at';
const MESSAGE_COLS = 'id::text AS id, room_id::text AS room_id, user_id::text AS user_id, username, content, avatar_url, created_at, client_msg_id';

export class PostgresStore implements Store {
  readonly kind = 'postgres' as const;
  readonly persistent = true;
  private readonly pool: pg.Pool;
  private ready: Promise<void> | undefined;
  private closed = false;

  constructor(options: PostgresStoreOptions) {
    assertPostgresUrl(options.url);
    this.pool = new pg.Pool({
      connectionString: options.url,
      max: options.max ?? 10,
      connectionTimeoutMillis: options.connectionTimeoutMs ?? 3000,
      query_timeout: options.queryTimeoutMs ?? 10_000,
      idleTimeoutMillis: 30_000,
      keepAlive: true,
    });
    // An idle client dropped by the server (restart, network): the pool replaces it on demand.
    this.pool.on('error', () => undefined);
  }

  /** Apply pending migrations once; a failure is retried by the next call. */
  init(): Promise<void> {
    this.ready ??= migrate(this.pool).then(
      () => undefined,
      (err: unknown) => {
        this.ready = undefined;
        throw toStoreError(err, 'Cannot create the Postgres schema');
      },
    );
    return this.ready;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.end();
  }

  async ping(): Promise<boolean> {
    try {
      await this.query('SELECT 1');
      return true;
    } catch {
      return false;
    }
  }

  async createUser(input: { username: string; avatar_url?: string | null }): Promise<User> {
    const { rows } = await this.query<User>(`INSERT INTO users (id, username, avatar_url) VALUES ($1, $2, $3) RETURNING ${USER_COLS}`, [
      randomUUID(),
      input.username,
      input.avatar_url ?? null,
    ]);
    return rows[0] as User;
  }

  async getUser(id: string): Promise<User | null> {
    if (!isUuid(id)) return null;
    const { rows } = await this.query<User>(`SELECT ${USER_COLS} FROM users WHERE id = $1`, [id]);
    return rows[0] ?? null;
  }

  async updateUser(id: string, patch: MemberPatch): Promise<User | null> {
    if (!isUuid(id)) return null;
    // One statement, so the user and all of their memberships change together.
    const set = `username = CASE WHEN $2::boolean THEN $3::text ELSE username END,
                 avatar_url = CASE WHEN $4::boolean THEN $5::text ELSE avatar_url END`;
    const { rows } = await this.query<User>(
      `WITH u AS (UPDATE users SET ${set} WHERE id = $1 RETURNING ${USER_COLS}),
            m AS (UPDATE room_members SET ${set} WHERE user_id = $1 AND EXISTS (SELECT 1 FROM u))
       SELECT * FROM u`,
      [id, patch.username !== undefined, patch.username ?? null, patch.avatar_url !== undefined, patch.avatar_url ?? null],
    );
    return rows[0] ?? null;
  }

  async createRoom(input: { name: string; thumbnail_url: string | null }): Promise<RoomWithMembers> {
    const { rows } = await this.query<RoomWithMembers>(
      `INSERT INTO rooms AS r (id, name, thumbnail_url) VALUES ($1, $2, $3) RETURNING ${ROOM_COLS}`,
      [randomUUID(), input.name, input.thumbnail_url],
    );
    return rows[0] as RoomWithMembers;
  }

  async getRoom(id: string): Promise<RoomWithMembers | null> {
    if (!isUuid(id)) return null;
    const { rows } = await this.query<RoomWithMembers>(`SELECT ${ROOM_COLS} FROM rooms r WHERE r.id = $1`, [id]);
    return rows[0] ?? null;
  }

  async listRooms(): Promise<RoomWithMembers[]> {
    const { rows } = await this.query<RoomWithMembers>(`SELECT ${ROOM_COLS} FROM rooms r ORDER BY r.seq`);
    return rows;
  }

  async upsertMember(roomId: string, userId: string, patch: MemberPatch, mode: UpsertMode): Promise<Member> {
    if (!isUuid(roomId) || !isUuid(userId)) throw new Error(`upsertMember: unknown ${isUuid(roomId) ? 'user' : 'room'}`);
    // $3 name, $4 avatar, $5 "avatar given" (overwrite only). New member: the patch, else the user's values.
    const overwrite = mode === 'overwrite';
    const onConflict = overwrite
      ? `username = COALESCE($3::text, room_members.username),
         avatar_url = CASE WHEN $5::boolean THEN $4::text ELSE room_members.avatar_url END`
      : `username = CASE WHEN COALESCE(room_members.username, '') = '' AND COALESCE($3::text, '') <> '' THEN $3::text ELSE room_members.username END,
         avatar_url = CASE WHEN COALESCE(room_members.avatar_url, '') = '' AND COALESCE($4::text, '') <> '' THEN $4::text ELSE room_members.avatar_url END`;
    const values: unknown[] = [roomId, userId, patch.username ?? null, patch.avatar_url ?? null];
    if (overwrite) values.push(patch.avatar_url !== undefined);
    try {
      const { rows } = await this.query<Member>(
        `INSERT INTO room_members (room_id, user_id, username, avatar_url)
           SELECT $1, u.id, COALESCE($3::text, u.username), COALESCE($4::text, u.avatar_url) FROM users u WHERE u.id = $2
         ON CONFLICT (room_id, user_id) DO UPDATE SET ${onConflict}
         RETURNING ${MEMBER_COLS}`,
        values,
      );
      if (!rows[0]) throw new Error('upsertMember: unknown user');
      return rows[0];
    } catch (err) {
      if ((err as { code?: string }).code === '23503') throw new Error('upsertMember: unknown room');
      throw err;
    }
  }

  async getMember(roomId: string, userId: string): Promise<Member | null> {
    if (!isUuid(roomId) || !isUuid(userId)) return null;
    const { rows } = await this.query<Member>(`SELECT ${MEMBER_COLS} FROM room_members WHERE room_id = $1 AND user_id = $2`, [roomId, userId]);
    return rows[0] ?? null;
  }

  async insertMessage(input: NewMessage): Promise<{ message: Message; created: boolean }> {
    if (!isUuid(input.room_id) || !isUuid(input.user_id)) throw new Error('insertMessage: unknown room');
    const cmid = input.client_msg_id ?? null;
    // The per-room advisory lock is held until this statement's transaction commits, so
    // within a room `seq` order is commit order: a reader paging with `after` never sees
    // seq N+1 before N exists. Different rooms do not wait for each other.
    let inserted: pg.QueryResult<MessageRow>;
    try {
      inserted = await this.query<MessageRow>(
        `INSERT INTO messages (id, room_id, user_id, username, content, avatar_url, client_msg_id, created_at)
           SELECT $1, $2, $3, $4, $5, $6, $7, clock_timestamp() FROM (SELECT pg_advisory_xact_lock($8, hashtext($9))) AS room_lock
         ON CONFLICT (room_id, user_id, client_msg_id) WHERE client_msg_id IS NOT NULL DO NOTHING
         RETURNING ${MESSAGE_COLS}`,
        [randomUUID(), input.room_id, input.user_id, input.username, input.content, input.avatar_url, cmid, ROOM_LOCK_CLASS, input.room_id],
      );
    } catch (err) {
      if ((err as { code?: string }).code === '23503') throw new Error('insertMessage: unknown room or user');
      throw err;
    }
    if (inserted.rows[0]) return { message: toMessage(inserted.rows[0]), created: true };
    const { rows } = await this.query<MessageRow>(
      `SELECT ${MESSAGE_COLS} FROM messages WHERE room_id = $1 AND user_id = $2 AND client_msg_id = $3`,
      [input.room_id, input.user_id, cmid],
    );
    if (!rows[0]) throw new Error('insertMessage: duplicate client_msg_id but no original found');
    return { message: toMessage(rows[0]), created: false };
  }

  async listMessages(roomId: string, page: PageOptions): Promise<Message[]> {
    const cursor = page.before ?? page.after;
    if (!isUuid(roomId)) {
      if (cursor !== undefined) throw new CursorNotFoundError(`Message ${cursor} not found in this room`);
      return [];
    }
    let where = '';
    let order = 'DESC';
    const values: unknown[] = [roomId, page.limit];
    if (cursor !== undefined) {
      const seq = await this.cursorSeq(roomId, cursor);
      where = page.before !== undefined ? 'AND m.seq < $3' : 'AND m.seq > $3';
      if (page.before === undefined) order = 'ASC';
      values.push(seq);
    }
    // One statement per page: the index (room_id, seq) picks the page, the joins fill avatars.
    const { rows } = await this.query<MessageRow>(
      `SELECT p.id::text AS id, p.room_id::text AS room_id, p.user_id::text AS user_id, p.username, p.content,
              COALESCE(NULLIF(p.avatar_url, ''), rm.avatar_url, u.avatar_url) AS avatar_url, p.created_at, p.client_msg_id
         FROM (SELECT * FROM messages m WHERE m.room_id = $1 ${where} ORDER BY m.seq ${order} LIMIT $2) p
         LEFT JOIN room_members rm ON rm.room_id = p.room_id AND rm.user_id = p.user_id
         LEFT JOIN users u ON u.id = p.user_id
        ORDER BY p.seq`,
      values,
    );
    return rows.map(toMessage);
  }

  private async cursorSeq(roomId: string, id: string): Promise<string> {
    const { rows } = isUuid(id)
      ? await this.query<{ seq: string }>('SELECT seq FROM messages WHERE id = $1 AND room_id = $2', [id, roomId])
      : { rows: [] };
    if (!rows[0]) throw new CursorNotFoundError(`Message ${id} not found in this room`);
    return rows[0].seq;
  }

  /** Ensure the schema, run one statement, and turn "cannot reach the database" into a 503. */
  private async query<R extends pg.QueryResultRow>(text: string, values: unknown[] = []): Promise<pg.QueryResult<R>> {
    await this.init();
    try {
      return await this.pool.query<R>(text, values);
    } catch (err) {
      throw toStoreError(err, 'Postgres is unavailable');
    }
  }
}

type MessageRow = Omit<Message, 'client_msg_id'> & { client_msg_id: string | null };

function toMessage(row: MessageRow): Message {
  const { client_msg_id, ...rest } = row;
  return client_msg_id === null ? rest : { ...rest, client_msg_id };
}

function toStoreError(err: unknown, message: string): unknown {
  if (err instanceof StoreUnavailableError) return err;
  return isPgConnectionError(err) ? new StoreUnavailableError(message, { cause: err }) : err;
}

/** Fail fast at startup on a DATABASE_URL that is not a postgres:// URL (never echoes it: it may hold a password). */
function assertPostgresUrl(url: string): void {
  let ok = false;
  try {
    ok = /^postgres(ql)?:$/.test(new URL(url).protocol);
  } catch {
    ok = false;
  }
  if (!ok) throw new Error('DATABASE_URL is not a valid postgres:// or postgresql:// connection string');
}
