/**
 * MongoDB store (MONGODB_URI / MONGO_URL / MONGODB_URL): one MongoClient per process (MongoDatabase,
 * shared with the account store), chat messages written by group commit (mongo-messages.ts), collections users,
 * rooms, members, messages (+ counters for sequence numbers). Messages are ordered by a
 * per-room `seq` taken from `counters` with an atomic $inc, so the order is one total order
 * even with several server instances (ObjectId order is not: its middle bytes are per process).
 * Unreachable server -> StoreUnavailableError (503); the driver reconnects by itself and
 * indexes that could not be created at startup are created on the next use.
 */
import { randomUUID } from 'node:crypto';
import { Binary, MongoServerError, type Collection, type Document, type ObjectId } from 'mongodb';
import { decodeDataUrl } from '../thumbnails.ts';
import { DEFAULT_WRITES_IN_FLIGHT, GroupCommit } from './group-commit.ts';
import { MongoDatabase, type MongoDatabaseOptions } from './mongo-database.ts';
import { INDEXES, lit } from './mongo-helpers.ts';
import { docToMessage as toMessage, writeMongoBatch, type MessageDoc, type Queued } from './mongo-messages.ts';
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

/** Most messages in one group-commit write (one insertMany). */
export const DEFAULT_MONGO_MAX_BATCH = 256;

export interface MongoStoreOptions extends MongoDatabaseOptions {
  /** Most messages written by one insertMany (default DEFAULT_MONGO_MAX_BATCH). */
  maxBatch?: number;
}

interface UserDoc {
  _id: string;
  username: string;
  avatar_url: string | null;
  created_at: Date;
}
interface RoomDoc {
  _id: string;
  name: string;
  thumbnail_url: string | null;
  /** Absent on rooms written before thumbnails moved out (their data: URLs are moved by init). */
  thumbnail_id?: string | null;
  created_at: Date;
  seq: number;
}
/** An uploaded thumbnail, stored once under its content address. */
interface ThumbnailDoc {
  _id: string;
  content_type: string;
  data: Binary;
}
/** `_id` is the ObjectId the server assigns on upsert: one mongod's ObjectIds ascend, so it orders members by join. */
interface MemberDoc {
  _id: ObjectId;
  room_id: string;
  user_id: string;
  username: string;
  avatar_url: string | null;
  joined_at: Date;
}
interface CounterDoc {
  _id: string;
  seq: number;
}

export class MongoStore implements Store {
  readonly kind = 'mongo' as const;
  readonly persistent = true;
  /** The process's client (one pool) for this database; the account store shares it. */
  readonly database: MongoDatabase;
  private readonly users: Collection<UserDoc>;
  private readonly rooms: Collection<RoomDoc>;
  private readonly members: Collection<MemberDoc>;
  private readonly messages: Collection<MessageDoc>;
  private readonly counters: Collection<CounterDoc>;
  private readonly thumbnails: Collection<ThumbnailDoc>;
  private readonly batches: GroupCommit<QueuedMessage, Queued>;
  private ready: Promise<void> | undefined;

  constructor(options: MongoStoreOptions) {
    this.database = new MongoDatabase(options);
    const db = this.database.db;
    this.users = db.collection('users');
    this.rooms = db.collection('rooms');
    this.members = db.collection('members');
    this.messages = db.collection('messages');
    this.counters = db.collection('counters');
    this.thumbnails = db.collection('thumbnails');
    const collections = {
      knownRooms: async (ids: string[]) =>
        (await this.run(() => this.rooms.find({ _id: { $in: ids } }, { projection: { _id: 1 } }).toArray())).map(
          (r) => r._id,
        ),
      senders: (pairs: Array<{ room_id: string; user_id: string }>) =>
        this.run(() =>
          this.members
            .find(
              { $or: pairs.map((p) => ({ room_id: p.room_id, user_id: p.user_id })) },
              { projection: { _id: 0, room_id: 1, user_id: 1, username: 1, avatar_url: 1 } },
            )
            .toArray(),
        ),
      messages: this.messages,
      reserveSeq: (name: string, count: number) => this.nextSeq(name, count),
      run: <T>(op: () => Promise<T>) => this.run(op),
    };
    this.batches = new GroupCommit<QueuedMessage, Queued>({
      write: (batch) => writeMongoBatch(collections, batch),
      maxBatch: options.maxBatch ?? DEFAULT_MONGO_MAX_BATCH,
      // As in PostgresStore (measured there): one write in flight; a room is in one at a time.
      maxInFlight: DEFAULT_WRITES_IN_FLIGHT,
      keyOf: (m) => m.room_id,
      failsQueue: (err) => err instanceof StoreUnavailableError,
    });
  }

  /** Connect and create the indexes once; a failure is retried by the next call. */
  init(): Promise<void> {
    this.ready ??= (async () => {
      await this.database.connect();
      await Promise.all([
        this.rooms.createIndexes(INDEXES.rooms),
        this.members.createIndexes(INDEXES.members),
        this.messages.createIndexes(INDEXES.messages),
      ]);
      await this.moveLegacyThumbnails();
    })().catch((err: unknown) => {
      this.ready = undefined;
      // Any failure here (unreachable, DNS for mongodb+srv, auth) means "not usable yet": 503, retried on the next call.
      throw err instanceof StoreUnavailableError
        ? err
        : new StoreUnavailableError('Cannot prepare the MongoDB collections', { cause: err });
    });
    return this.ready;
  }

  async close(): Promise<void> {
    await this.database.close();
  }

  /** Collection metadata counts: cheap, and exact after a clean shutdown. */
  async counts(): Promise<StoreCounts> {
    const [rooms, users] = await this.run(() =>
      Promise.all([this.rooms.estimatedDocumentCount(), this.users.estimatedDocumentCount()]),
    );
    return { rooms, users };
  }

  async ping(): Promise<boolean> {
    try {
      await this.run(() => this.database.db.command({ ping: 1 }));
      return true;
    } catch {
      return false;
    }
  }

  poolUse(): PoolUse {
    return this.database.poolUse();
  }

  async createUser(input: { username: string; avatar_url?: string | null }): Promise<User> {
    const doc: UserDoc = {
      _id: randomUUID(),
      username: input.username,
      avatar_url: input.avatar_url ?? null,
      created_at: new Date(),
    };
    await this.run(() => this.users.insertOne(doc));
    return toUser(doc);
  }

  async getUser(id: string): Promise<User | null> {
    const doc = await this.run(() => this.users.findOne({ _id: id }));
    return doc ? toUser(doc) : null;
  }

  async updateUser(id: string, patch: MemberPatch): Promise<User | null> {
    const set = patchSet(patch);
    if (Object.keys(set).length === 0) return this.getUser(id);
    const doc = await this.run(() =>
      this.users.findOneAndUpdate({ _id: id }, { $set: set }, { returnDocument: 'after' }),
    );
    if (!doc) return null;
    await this.run(() => this.members.updateMany({ user_id: id }, { $set: set }));
    return toUser(doc);
  }

  async createRoom(input: NewRoom): Promise<RoomWithMembers> {
    const thumb = input.thumbnail;
    if (thumb) await this.run(() => this.saveThumbnail(thumb));
    const seq = await this.nextSeq('rooms');
    const doc: RoomDoc = {
      _id: randomUUID(),
      name: input.name,
      thumbnail_url: thumb ? null : input.thumbnail_url,
      thumbnail_id: thumb ? thumb.id : null,
      created_at: new Date(),
      seq,
    };
    await this.run(() => this.rooms.insertOne(doc));
    return toRoom(doc, []);
  }

  async getRoom(id: string): Promise<RoomWithMembers | null> {
    const [doc, members] = await Promise.all([
      this.run(() => this.rooms.findOne({ _id: id })),
      this.run(() =>
        this.members
          .find({ room_id: id }, { projection: { user_id: 1 } })
          .sort({ _id: 1 })
          .toArray(),
      ),
    ]);
    return doc
      ? toRoom(
          doc,
          members.map((m) => m.user_id),
        )
      : null;
  }

  async listRooms(page: RoomPageOptions = DEFAULT_ROOM_PAGE): Promise<ListedRoom[]> {
    // Newest first from the seq index: the page's rooms are read, never the whole collection.
    const filter: Document = page.beforeSeq === undefined ? {} : { seq: { $lt: page.beforeSeq } };
    const docs = await this.run(() => this.rooms.find(filter).sort({ seq: -1 }).limit(page.limit).toArray());
    if (docs.length === 0) return [];
    const members = await this.run(() =>
      this.members
        .find({ room_id: { $in: docs.map((d) => d._id) } }, { projection: { room_id: 1, user_id: 1 } })
        .sort({ _id: 1 })
        .toArray(),
    );
    const byRoom = new Map<string, string[]>();
    for (const m of members) {
      const list = byRoom.get(m.room_id);
      if (list) list.push(m.user_id);
      else byRoom.set(m.room_id, [m.user_id]);
    }
    return docs.map((d) => ({ ...toRoom(d, byRoom.get(d._id) ?? []), seq: d.seq }));
  }

  async getThumbnail(id: string): Promise<Thumbnail | null> {
    const doc = await this.run(() => this.thumbnails.findOne({ _id: id }));
    return doc ? { id: doc._id, content_type: doc.content_type, data: Buffer.from(doc.data.buffer) } : null;
  }

  /**
   * Store an image once; a second room with the same bytes finds it there. No `run()`: init
   * calls it too (moving legacy thumbnails), and run() waits for init.
   */
  private async saveThumbnail(thumb: Thumbnail): Promise<void> {
    try {
      await this.thumbnails.updateOne(
        { _id: thumb.id },
        { $setOnInsert: { content_type: thumb.content_type, data: new Binary(thumb.data) } },
        { upsert: true },
      );
    } catch (err) {
      // Two rooms with the same new image raced on the upsert: the other one stored it.
      if (!(err instanceof MongoServerError && err.code === 11000)) throw err;
    }
  }

  /** Rooms written before thumbnails had their own collection: move each data: URL once. */
  private async moveLegacyThumbnails(): Promise<void> {
    const legacy = this.rooms.find({ thumbnail_url: { $regex: '^data:' } }, { projection: { thumbnail_url: 1 } });
    for await (const doc of legacy) {
      const thumb = decodeDataUrl(doc.thumbnail_url ?? '');
      if (thumb) await this.saveThumbnail(thumb);
      await this.rooms.updateOne(
        { _id: doc._id },
        { $set: { thumbnail_url: null, thumbnail_id: thumb ? thumb.id : null } },
      );
    }
  }

  async upsertMember(roomId: string, userId: string, patch: MemberPatch, mode: UpsertMode): Promise<Member> {
    const [room, user] = await Promise.all([
      this.run(() => this.rooms.findOne({ _id: roomId }, { projection: { _id: 1 } })),
      this.run(() => this.users.findOne({ _id: userId })),
    ]);
    if (!room || !user) throw new Error(`upsertMember: unknown ${room ? 'user' : 'room'}`);
    // One atomic pipeline upsert: new member -> patch else user values; existing -> overwrite or fill.
    const update = [{ $set: memberFields(patch, mode, user) }];
    const upsert = () =>
      this.members.findOneAndUpdate({ room_id: roomId, user_id: userId }, update, {
        upsert: true,
        returnDocument: 'after',
      });
    let doc: MemberDoc | null;
    try {
      doc = await this.run(upsert);
    } catch (err) {
      // Two first joins raced on the unique index: the other one inserted; apply ours as an update.
      if (!(err instanceof MongoServerError && err.code === 11000)) throw err;
      doc = await this.run(upsert);
    }
    return toMember(doc as MemberDoc);
  }

  async getMember(roomId: string, userId: string): Promise<Member | null> {
    const doc = await this.run(() => this.members.findOne({ room_id: roomId, user_id: userId }));
    return doc ? toMember(doc) : null;
  }

  /** Written by group commit: resolves once the batch holding it is stored. */
  async insertMessage(input: NewMessage): Promise<{ message: Message; created: boolean }> {
    const stored = await this.batches.submit(queuedMessage(input, false));
    if (!stored) throw new Error('insertMessage: no result');
    return stored;
  }

  /** insertMessage with the sender's name and avatar from the membership, looked up once per batch. */
  insertMemberMessage(input: MemberMessage): Promise<{ message: Message; created: boolean } | null> {
    return this.batches.submit(queuedMessage(input, true));
  }

  async listMessages(roomId: string, page: PageOptions): Promise<Message[]> {
    const filter: Document = { room_id: roomId };
    let ascending = false;
    if (page.before !== undefined) {
      filter.seq = { $lt: await this.cursorSeq(roomId, page.before) };
    } else if (page.after !== undefined) {
      filter.seq = { $gt: await this.cursorSeq(roomId, page.after) };
      ascending = true;
    }
    // Served by the (room_id, seq) index: no scan beyond the page.
    const docs = await this.run(() =>
      this.messages
        .find(filter)
        .sort({ seq: ascending ? 1 : -1 })
        .limit(page.limit)
        .toArray(),
    );
    if (!ascending) docs.reverse();
    return this.fillAvatars(roomId, docs.map(toMessage));
  }

  /** Messages without an avatar get the member's (else the user's) current one: two batched lookups per page. */
  private async fillAvatars(roomId: string, messages: Message[]): Promise<Message[]> {
    const userIds = [...new Set(messages.filter((m) => !m.avatar_url).map((m) => m.user_id))];
    if (userIds.length === 0) return messages;
    const [members, users] = await Promise.all([
      this.run(() =>
        this.members
          .find({ room_id: roomId, user_id: { $in: userIds } }, { projection: { user_id: 1, avatar_url: 1 } })
          .toArray(),
      ),
      this.run(() => this.users.find({ _id: { $in: userIds } }, { projection: { avatar_url: 1 } }).toArray()),
    ]);
    const memberAvatar = new Map(members.map((m) => [m.user_id, m.avatar_url]));
    const userAvatar = new Map(users.map((u) => [u._id, u.avatar_url]));
    return messages.map((m) =>
      m.avatar_url ? m : { ...m, avatar_url: memberAvatar.get(m.user_id) ?? userAvatar.get(m.user_id) ?? null },
    );
  }

  private async cursorSeq(roomId: string, id: string): Promise<number> {
    const doc = await this.run(() => this.messages.findOne({ _id: id, room_id: roomId }, { projection: { seq: 1 } }));
    if (!doc) throw new CursorNotFoundError(`Message ${id} not found in this room`);
    return doc.seq;
  }

  /** Reserve the next `count` numbers of a named sequence and return the last; atomic on the server, so unique across instances. */
  private async nextSeq(name: string, count = 1): Promise<number> {
    const inc = () =>
      this.counters.findOneAndUpdate(
        { _id: name },
        { $inc: { seq: count } },
        { upsert: true, returnDocument: 'after' },
      );
    try {
      return ((await this.run(inc)) as CounterDoc).seq;
    } catch (err) {
      // Two first increments raced to create the counter (servers before 4.2 do not retry this themselves).
      if (!(err instanceof MongoServerError && err.code === 11000)) throw err;
      return ((await this.run(inc)) as CounterDoc).seq;
    }
  }

  /** Ensure connection and indexes, run one operation, and turn "cannot reach the server" into a 503. */
  private async run<T>(op: () => Promise<T>): Promise<T> {
    await this.init();
    return this.database.run(op);
  }
}

/** The `$set` stage of upsertMember; every value from the caller goes through $literal. */
function memberFields(patch: MemberPatch, mode: UpsertMode, user: UserDoc): Document {
  const isNew = { $eq: [{ $type: '$joined_at' }, 'missing'] };
  const isEmpty = (field: string) => ({ $in: [{ $ifNull: [field, ''] }, ['']] });
  const existing = (field: 'username' | 'avatar_url'): unknown => {
    const value = patch[field];
    if (mode === 'overwrite') return value === undefined ? `$${field}` : lit(value);
    return value ? { $cond: [isEmpty(`$${field}`), lit(value), `$${field}`] } : `$${field}`;
  };
  return {
    username: { $cond: [isNew, lit(patch.username ?? user.username), existing('username')] },
    avatar_url: { $cond: [isNew, lit(patch.avatar_url ?? user.avatar_url), existing('avatar_url')] },
    joined_at: { $cond: [isNew, '$$NOW', '$joined_at'] },
  };
}

function patchSet(patch: MemberPatch): Partial<Pick<UserDoc, 'username' | 'avatar_url'>> {
  const set: Partial<Pick<UserDoc, 'username' | 'avatar_url'>> = {};
  if (patch.username !== undefined) set.username = patch.username;
  if (patch.avatar_url !== undefined) set.avatar_url = patch.avatar_url;
  return set;
}

function toUser(d: UserDoc): User {
  return { id: d._id, username: d.username, avatar_url: d.avatar_url, created_at: d.created_at };
}

function toRoom(d: RoomDoc, users: string[]): RoomWithMembers {
  return {
    id: d._id,
    name: d.name,
    thumbnail_url: d.thumbnail_url,
    thumbnail_id: d.thumbnail_id ?? null,
    created_at: d.created_at,
    users,
  };
}

function toMember(d: MemberDoc): Member {
  return {
    room_id: d.room_id,
    user_id: d.user_id,
    username: d.username,
    avatar_url: d.avatar_url,
    joined_at: d.joined_at,
  };
}
