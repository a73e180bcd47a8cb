/**
 * Postgres store (DATABASE_URL): the seed's schema via versioned migrations (./migrations/),
 * one pool per database per process (PgDatabase, shared with the account store), every request
 * path a single indexed statement, and chat messages written by group commit (pg-messages.ts).
 * Unreachable database -> StoreUnavailableError (503); the pool reconnects by itself and a
 * schema that could not be created at startup is created on the next use.
 */
import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { DEFAULT_WRITES_IN_FLIGHT, GroupCommit } from './group-commit.ts';
import { PgDatabase, type PgDatabaseOptions } from './pg-database.ts';
import { isUuid } from './pg-helpers.ts';
import { toMessage, writeMessageBatch, type MessageRow, type Queued } from './pg-messages.ts';
import {
  CursorNotFoundError,
  DEFAULT_ROOM_PAGE,
  StoreUnavailableError,
  queuedMessage,
  type Member,
  type MemberMessage,
  type MemberPatch,
  type ListedRoom,
  type Message,
  type NewMessage,
  type NewRoom,
  type PageOptions,
  type PoolUse,
  type QueuedMessage,
  type RoomPageOptions,
  type RoomWithMembers,
  type Store,
  type StoreCounts,
  type Thumbnail,
  type UpsertMode,
  type User,
} from './store.ts';

/** Most messages in one group-commit write (one INSERT statement). */
export const DEFAULT_MAX_BATCH = 256;

export interface PostgresStoreOptions extends PgDatabaseOptions {
  /** Most messages written by one INSERT (default DEFAULT_MAX_BATCH). */
  maxBatch?: number;
  /** Most batches written at once (default DEFAULT_WRITES_IN_FLIGHT; a room is in one at a time). */
  writesInFlight?: number;
  /** Told the size of each group-commit batch (the bench's batch-size distribution). */
  onBatch?: (size: number) => void;
}

/** Tables larger than this are counted by estimate for /metrics (see counts()). */
const ESTIMATE_ABOVE = 100_000;

const USER_COLS = 'id::text AS id, username, avatar_url, created_at';
const ROOM_COLS =
  'r.id::text AS id, r.name, r.thumbnail_url, r.thumbnail_id, r.created_at, ARRAY(SELECT m.user_id::text FROM room_members m WHERE m.room_id = r.id ORDER BY m.seq) AS users';
const MEMBER_COLS = 'room_id::text AS room_id, user_id::text AS user_id, username, avatar_url, joined_at';

export class PostgresStore implements Store {
  readonly kind = 'postgres' as const;
  readonly persistent = true;
  /** The process's pool and migrations for this database; the account store shares it. */
  readonly database: PgDatabase;
  private readonly messages: GroupCommit<QueuedMessage, Queued>;

  constructor(options: PostgresStoreOptions) {
    this.database = new PgDatabase(options);
    this.messages = new GroupCommit<QueuedMessage, Queued>({
      write: (batch) => writeMessageBatch(this.database, batch),
      maxBatch: options.maxBatch ?? DEFAULT_MAX_BATCH,
      maxInFlight: options.writesInFlight ?? DEFAULT_WRITES_IN_FLIGHT,
      // Per-room order: a room's messages are never in two batches in flight.
      keyOf: (m) => m.room_id.toLowerCase(),
      failsQueue: (err) => err instanceof StoreUnavailableError,
      ...(options.onBatch ? { onBatch: options.onBatch } : {}),
    });
  }

  /** Apply pending migrations once; a failure is retried by the next call. */
  init(): Promise<void> {
    return this.database.init();
  }

  async close(): Promise<void> {
    await this.database.close();
  }

  async ping(): Promise<boolean> {
    try {
      await this.query('SELECT 1');
      return true;
    } catch {
      return false;
    }
  }

  poolUse(): PoolUse {
    return this.database.poolUse();
  }

  /**
   * Exact up to ESTIMATE_ABOVE rows, then the planner's estimate (pg_class.reltuples, kept by
   * autovacuum): an exact count scans the whole table, and this runs on every scrape.
   */
  async counts(): Promise<StoreCounts> {
    const { rows } = await this.query<{ rooms: number | null; users: number | null }>(
      "SELECT (SELECT reltuples FROM pg_class WHERE oid = to_regclass('rooms'))::float8 AS rooms, (SELECT reltuples FROM pg_class WHERE oid = to_regclass('users'))::float8 AS users",
    );
    const count = async (table: 'rooms' | 'users', estimate: number | null): Promise<number> => {
      if (estimate !== null && estimate > ESTIMATE_ABOVE) return Math.round(estimate);
      const exact = await this.query<{ n: string }>(`SELECT count(*) AS n FROM ${table}`);
      return Number(exact.rows[0]?.n ?? 0);
    };
    const [rooms, users] = await Promise.all([
      count('rooms', rows[0]?.rooms ?? null),
      count('users', rows[0]?.users ?? null),
    ]);
    return { rooms, users };
  }

  async createUser(input: { username: string; avatar_url?: string | null }): Promise<User> {
    const { rows } = await this.query<User>(
      `INSERT INTO users (id, username, avatar_url) VALUES ($1, $2, $3) RETURNING ${USER_COLS}`,
      [randomUUID(), input.username, input.avatar_url ?? null],
    );
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
      [
        id,
        patch.username !== undefined,
        patch.username ?? null,
        patch.avatar_url !== undefined,
        patch.avatar_url ?? null,
      ],
    );
    return rows[0] ?? null;
  }

  async createRoom(input: NewRoom): Promise<RoomWithMembers> {
    const thumb = input.thumbnail;
    if (!thumb) {
      const { rows } = await this.query<RoomWithMembers>(
        `INSERT INTO rooms AS r (id, name, thumbnail_url) VALUES ($1, $2, $3) RETURNING ${ROOM_COLS}`,
        [randomUUID(), input.name, input.thumbnail_url],
      );
      return rows[0] as RoomWithMembers;
    }
    // One statement: the image is stored once (a second room with the same bytes shares the
    // row), and the foreign key is checked at the end of the statement, after the CTE's insert.
    const { rows } = await this.query<RoomWithMembers>(
      `WITH t AS (INSERT INTO thumbnails (id, content_type, data) VALUES ($3, $4, $5) ON CONFLICT (id) DO NOTHING)
       INSERT INTO rooms AS r (id, name, thumbnail_id) VALUES ($1, $2, $3) RETURNING ${ROOM_COLS}`,
      [randomUUID(), input.name, thumb.id, thumb.content_type, thumb.data],
    );
    return rows[0] as RoomWithMembers;
  }

  async getRoom(id: string): Promise<RoomWithMembers | null> {
    if (!isUuid(id)) return null;
    const { rows } = await this.query<RoomWithMembers>(`SELECT ${ROOM_COLS} FROM rooms r WHERE r.id = $1`, [id]);
    return rows[0] ?? null;
  }

  async listRooms(page: RoomPageOptions = DEFAULT_ROOM_PAGE): Promise<ListedRoom[]> {
    // Two texts rather than `$2 IS NULL OR seq < $2`, so each has a plan that walks rooms_seq_key.
    const { rows } =
      page.beforeSeq === undefined
        ? await this.query<ListedRoomRow>(`SELECT ${ROOM_COLS}, r.seq FROM rooms r ORDER BY r.seq DESC LIMIT $1`, [
            page.limit,
          ])
        : await this.query<ListedRoomRow>(
            `SELECT ${ROOM_COLS}, r.seq FROM rooms r WHERE r.seq < $2 ORDER BY r.seq DESC LIMIT $1`,
            [page.limit, page.beforeSeq],
          );
    return rows.map((row) => ({ ...row, seq: Number(row.seq) }));
  }

  async getThumbnail(id: string): Promise<Thumbnail | null> {
    if (!/^[0-9a-f]{64}$/.test(id)) return null;
    const { rows } = await this.query<Thumbnail>('SELECT id, content_type, data FROM thumbnails WHERE id = $1', [id]);
    return rows[0] ?? null;
  }

  async upsertMember(roomId: string, userId: string, patch: MemberPatch, mode: UpsertMode): Promise<Member> {
    if (!isUuid(roomId) || !isUuid(userId))
      throw new Error(`upsertMember: unknown ${isUuid(roomId) ? 'user' : 'room'}`);
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
      if ((err as { code?: string }).code === '23503') throw new Error('upsertMember: unknown room', { cause: err });
      throw err;
    }
  }

  async getMember(roomId: string, userId: string): Promise<Member | null> {
    if (!isUuid(roomId) || !isUuid(userId)) return null;
    const { rows } = await this.query<Member>(
      `SELECT ${MEMBER_COLS} FROM room_members WHERE room_id = $1 AND user_id = $2`,
      [roomId, userId],
    );
    return rows[0] ?? null;
  }

  /** Written by group commit: resolves once the batch holding it has committed. */
  async insertMessage(input: NewMessage): Promise<{ message: Message; created: boolean }> {
    if (!isUuid(input.room_id) || !isUuid(input.user_id)) throw new Error('insertMessage: unknown room');
    const stored = await this.messages.submit(queuedMessage(input, false));
    if (!stored) throw new Error('insertMessage: no result');
    return stored;
  }

  /** insertMessage reading the sender's name and avatar from the membership, in the same batched statement. */
  insertMemberMessage(input: MemberMessage): Promise<{ message: Message; created: boolean } | null> {
    if (!isUuid(input.room_id) || !isUuid(input.user_id)) return Promise.resolve(null);
    return this.messages.submit(queuedMessage(input, true));
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

  private query<R extends pg.QueryResultRow>(text: string, values: unknown[] = []): Promise<pg.QueryResult<R>> {
    return this.database.query<R>(text, values);
  }
}

/** node-postgres returns BIGINT as a string. */
type ListedRoomRow = Omit<ListedRoom, 'seq'> & { seq: string };
