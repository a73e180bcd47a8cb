/**
 * MongoDB store (MONGODB_URI / MONGO_URL / MONGODB_URL): one MongoClient, collections users,
 * rooms, members, messages (+ counters for sequence numbers). Messages are ordered by a
 * per-room `seq` taken from `counters` with an atomic $inc, so the order is one total order
 * even with several server instances (ObjectId order is not: its middle bytes are per process).
 * Unreachable server -> StoreUnavailableError (503); the driver reconnects by itself and
 * indexes that could not be created at startup are created on the next use.
 */
import { randomUUID } from 'node:crypto';
import { MongoClient, MongoServerError, type Collection, type Db, type Document, type ObjectId } from 'mongodb';
import { dbNameFromUri, INDEXES, isMongoUnavailable, lit } from './mongo-helpers.ts';
import {
  CursorNotFoundError,
  newMessageRecord,
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

export interface MongoStoreOptions {
  url: string;
  /** Database name; default: the one in the URI, else `vchat`. */
  dbName?: string;
  /** How long an operation waits for a reachable server before failing with 503 (default 3000). */
  serverSelectionTimeoutMs?: number;
  /** Connection pool size (default 10). */
  maxPoolSize?: number;
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
  created_at: Date;
  seq: number;
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
/** A stored message: the Message fields with the id as `_id`, plus the per-room order. */
type MessageDoc = Omit<Message, 'id'> & { _id: string; seq: number };
interface CounterDoc {
  _id: string;
  seq: number;
}

export class MongoStore implements Store {
  readonly kind = 'mongo' as const;
  readonly persistent = true;
  private readonly client: MongoClient;
  private readonly db: Db;
  private readonly users: Collection<UserDoc>;
  private readonly rooms: Collection<RoomDoc>;
  private readonly members: Collection<MemberDoc>;
  private readonly messages: Collection<MessageDoc>;
  private readonly counters: Collection<CounterDoc>;
  private ready: Promise<void> | undefined;

  constructor(options: MongoStoreOptions) {
    try {
      this.client = new MongoClient(options.url, {
        serverSelectionTimeoutMS: options.serverSelectionTimeoutMs ?? 3000,
        connectTimeoutMS: 5000,
        maxPoolSize: options.maxPoolSize ?? 10,
      });
    } catch (err) {
      // Never echo the URI: it usually holds a password.
      throw new Error(`MongoDB connection string is not valid: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    }
    this.db = this.client.db(options.dbName ?? dbNameFromUri(options.url));
    this.users = this.db.collection('users');
    this.rooms = this.db.collection('rooms');
    this.members = this.db.collection('members');
    this.messages = this.db.collection('messages');
    this.counters = this.db.collection('counters');
  }

  /** Connect and create the indexes once; a failure is retried by the next call. */
  init(): Promise<void> {
    this.ready ??= (async () => {
      await this.client.connect();
      await Promise.all([
        this.rooms.createIndexes(INDEXES.rooms),
        this.members.createIndexes(INDEXES.members),
        this.messages.createIndexes(INDEXES.messages),
      ]);
    })().catch((err: unknown) => {
      this.ready = undefined;
      // Any failure here (unreachable, DNS for mongodb+srv, auth) means "not usable yet": 503, retried on the next call.
      throw err instanceof StoreUnavailableError ? err : new StoreUnavailableError('Cannot prepare the MongoDB collections', { cause: err });
    });
    return this.ready;
  }

  async close(): Promise<void> {
    await this.client.close();
  }

  async ping(): Promise<boolean> {
    try {
      await this.run(() => this.db.command({ ping: 1 }));
      return true;
    } catch {
      return false;
    }
  }

  async createUser(input: { username: string; avatar_url?: string | null }): Promise<User> {
    const doc: UserDoc = { _id: randomUUID(), username: input.username, avatar_url: input.avatar_url ?? null, created_at: new Date() };
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
    const doc = await this.run(() => this.users.findOneAndUpdate({ _id: id }, { $set: set }, { returnDocument: 'after' }));
    if (!doc) return null;
    await this.run(() => this.members.updateMany({ user_id: id }, { $set: set }));
    return toUser(doc);
  }

  async createRoom(input: { name: string; thumbnail_url: string | null }): Promise<RoomWithMembers> {
    const seq = await this.nextSeq('rooms');
    const doc: RoomDoc = { _id: randomUUID(), name: input.name, thumbnail_url: input.thumbnail_url, created_at: new Date(), seq };
    await this.run(() => this.rooms.insertOne(doc));
    return toRoom(doc, []);
  }

  async getRoom(id: string): Promise<RoomWithMembers | null> {
    const [doc, members] = await Promise.all([
      this.run(() => this.rooms.findOne({ _id: id })),
      this.run(() => this.members.find({ room_id: id }, { projection: { user_id: 1 } }).sort({ _id: 1 }).toArray()),
    ]);
    return doc ? toRoom(doc, members.map((m) => m.user_id)) : null;
  }

  async listRooms(): Promise<RoomWithMembers[]> {
    const docs = await this.run(() => this.rooms.find({}).sort({ seq: 1 }).toArray());
    if (docs.length === 0) return [];
    const members = await this.run(() =>
      this.members
        .find({ room_id: { $in: docs.map((d) => d._id) } }, { projection: { room_id: 1, user_id: 1 } })
        .sort({ _id: 1 })
        .toArray(),
    );
    const byRoom = new Map<string, string[]>();
    for (const m of members) byRoom.set(m.room_id, [...(byRoom.get(m.room_id) ?? []), m.user_id]);
    return docs.map((d) => toRoom(d, byRoom.get(d._id) ?? []));
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
      this.members.findOneAndUpdate({ room_id: roomId, user_id: userId }, update, { upsert: true, returnDocument: 'after' });
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

  async insertMessage(input: NewMessage): Promise<{ message: Message; created: boolean }> {
    const cmid = input.client_msg_id;
    const [room, existing] = await Promise.all([
      this.run(() => this.rooms.findOne({ _id: input.room_id }, { projection: { _id: 1 } })),
      cmid === undefined ? null : this.findByClientMsgId(input.room_id, input.user_id, cmid),
    ]);
    if (!room) throw new Error('insertMessage: unknown room');
    if (existing) return { message: toMessage(existing), created: false };
    const seq = await this.nextSeq(`messages:${input.room_id}`);
    const { id, ...fields } = newMessageRecord(input);
    const doc: MessageDoc = { _id: id, ...fields, seq, ...(cmid === undefined ? {} : { client_msg_id: cmid }) };
    try {
      await this.run(() => this.messages.insertOne(doc));
    } catch (err) {
      // The same client_msg_id was stored meanwhile (a retry through another instance): return that one.
      if (cmid !== undefined && err instanceof MongoServerError && err.code === 11000) {
        const original = await this.findByClientMsgId(input.room_id, input.user_id, cmid);
        if (original) return { message: toMessage(original), created: false };
      }
      throw err;
    }
    return { message: toMessage(doc), created: true };
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
      this.run(() => this.members.find({ room_id: roomId, user_id: { $in: userIds } }, { projection: { user_id: 1, avatar_url: 1 } }).toArray()),
      this.run(() => this.users.find({ _id: { $in: userIds } }, { projection: { avatar_url: 1 } }).toArray()),
    ]);
    const memberAvatar = new Map(members.map((m) => [m.user_id, m.avatar_url]));
    const userAvatar = new Map(users.map((u) => [u._id, u.avatar_url]));
    return messages.map((m) =>
      m.avatar_url ? m : { ...m, avatar_url: memberAvatar.get(m.user_id) ?? userAvatar.get(m.user_id) ?? null },
    );
  }

  private findByClientMsgId(roomId: string, userId: string, cmid: string): Promise<MessageDoc | null> {
    // `$type: 'string'` matches the partial filter, so the planner may use the dedupe index.
    return this.run(() => this.messages.findOne({ room_id: roomId, user_id: userId, client_msg_id: { $type: 'string', $eq: cmid } }));
  }

  private async cursorSeq(roomId: string, id: string): Promise<number> {
    const doc = await this.run(() => this.messages.findOne({ _id: id, room_id: roomId }, { projection: { seq: 1 } }));
    if (!doc) throw new CursorNotFoundError(`Message ${id} not found in this room`);
    return doc.seq;
  }

  /** The next number of a named sequence; atomic on the server, so unique across instances. */
  private async nextSeq(name: string): Promise<number> {
    const inc = () => this.counters.findOneAndUpdate({ _id: name }, { $inc: { seq: 1 } }, { upsert: true, returnDocument: 'after' });
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
    try {
      return await op();
    } catch (err) {
      throw toStoreError(err, 'MongoDB is unavailable');
    }
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

function toStoreError(err: unknown, message: string): unknown {
  if (err instanceof StoreUnavailableError) return err;
  return isMongoUnavailable(err) ? new StoreUnavailableError(message, { cause: err }) : err;
}

function toUser(d: UserDoc): User {
  return { id: d._id, username: d.username, avatar_url: d.avatar_url, created_at: d.created_at };
}

function toRoom(d: RoomDoc, users: string[]): RoomWithMembers {
  return { id: d._id, name: d.name, thumbnail_url: d.thumbnail_url, created_at: d.created_at, users };
}

function toMember(d: MemberDoc): Member {
  return { room_id: d.room_id, user_id: d.user_id, username: d.username, avatar_url: d.avatar_url, joined_at: d.joined_at };
}

function toMessage(d: MessageDoc): Message {
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
