/**
 * The storage interface every store (memory, mongo, postgres) implements, and the
 * one contract suite in test/store/ checks. Routes and the WebSocket hub only see this.
 */
import { randomUUID } from 'node:crypto';

export interface User {
  id: string;
  username: string;
  avatar_url: string | null;
  created_at: Date;
}

export interface Room {
  id: string;
  name: string;
  /** An http(s) thumbnail given at creation, passed through as is; null otherwise. */
  thumbnail_url: string | null;
  /** Content address (sha256, hex) of an uploaded `data:` thumbnail kept by the store; null otherwise. */
  thumbnail_id: string | null;
  created_at: Date;
}

/** A room with its member user ids, oldest member first. */
export interface RoomWithMembers extends Room {
  users: string[];
}

/** A room as listed: its position in creation order, the keyset for the next page. */
export interface ListedRoom extends RoomWithMembers {
  /** Creation order, unique and ascending in each store; the listing's cursor. */
  seq: number;
}

/** One page of rooms, newest first. */
export interface RoomPageOptions {
  /** Most rooms returned. */
  limit: number;
  /** Only rooms created before the one at this `seq` (exclusive): the previous page's last `seq`. */
  beforeSeq?: number;
}

/** Default page when a caller (tests, tools) does not say. */
export const DEFAULT_ROOM_PAGE: RoomPageOptions = { limit: 50 };

/** An uploaded thumbnail image, stored once under its content address. */
export interface Thumbnail {
  /** sha256 of `data`, lowercase hex. */
  id: string;
  /** `image/png`, `image/jpeg`, `image/webp` or `image/gif`. */
  content_type: string;
  data: Buffer;
}

export interface NewRoom {
  name: string;
  /** An http(s) URL (kept as is), or null. A `data:` URL never reaches the store: it arrives as `thumbnail`. */
  thumbnail_url: string | null;
  /** An uploaded image: stored once (a second room with the same image shares it). */
  thumbnail?: Thumbnail;
}

export interface Member {
  room_id: string;
  user_id: string;
  username: string;
  avatar_url: string | null;
  joined_at: Date;
}

export interface Message {
  id: string;
  room_id: string;
  user_id: string;
  username: string;
  content: string;
  avatar_url: string | null;
  created_at: Date;
  client_msg_id?: string;
}

export interface NewMessage {
  room_id: string;
  user_id: string;
  username: string;
  content: string;
  avatar_url: string | null;
  client_msg_id?: string;
}

/** A message sent under its sender's current membership: the name and avatar come from it. */
export interface MemberMessage {
  room_id: string;
  user_id: string;
  content: string;
  client_msg_id?: string;
}

/**
 * A message waiting in a database store's group-commit queue: a full record (`as_member`
 * false), or a MemberMessage whose name and avatar the batch reads from the sender's
 * membership (`as_member` true, `username` and `avatar_url` null until then).
 */
export interface QueuedMessage {
  room_id: string;
  user_id: string;
  content: string;
  client_msg_id?: string | undefined;
  username: string | null;
  avatar_url: string | null;
  as_member: boolean;
}

/** A NewMessage or a MemberMessage as a QueuedMessage. */
export function queuedMessage(input: NewMessage | MemberMessage, asMember: boolean): QueuedMessage {
  return {
    room_id: input.room_id,
    user_id: input.user_id,
    content: input.content,
    client_msg_id: input.client_msg_id,
    username: 'username' in input ? input.username : null,
    avatar_url: 'avatar_url' in input ? input.avatar_url : null,
    as_member: asMember,
  };
}

/**
 * A new message's record: a fresh id and the time now, without `client_msg_id` (each store
 * adds it its own way). Built field by field: a spread or a `delete` would give some
 * messages slow shapes in the in-memory store, which keeps these objects.
 */
export function newMessageRecord(input: NewMessage): Message {
  return {
    id: randomUUID(),
    room_id: input.room_id,
    user_id: input.user_id,
    username: input.username,
    content: input.content,
    avatar_url: input.avatar_url,
    created_at: new Date(),
  };
}

export interface MemberPatch {
  username?: string;
  avatar_url?: string | null;
}

/**
 * The one way request or frame input becomes a `MemberPatch`: a field left out (undefined)
 * is not in the patch, so the store leaves that field alone; `avatar_url: null` clears the avatar.
 */
export function memberPatch(fields: {
  username?: string | undefined;
  avatar_url?: string | null | undefined;
}): MemberPatch {
  const patch: MemberPatch = {};
  if (fields.username !== undefined) patch.username = fields.username;
  if (fields.avatar_url !== undefined) patch.avatar_url = fields.avatar_url;
  return patch;
}

/**
 * How `upsertMember` treats an existing member:
 * - `overwrite`: the given fields replace the stored ones (POST /join).
 * - `fill`: the given fields only fill values the member lacks (WebSocket query params).
 */
export type UpsertMode = 'overwrite' | 'fill';

export interface PageOptions {
  limit: number;
  /** Message id: return the newest `limit` messages strictly older than it. */
  before?: string;
  /** Message id: return the oldest `limit` messages strictly newer than it. */
  after?: string;
}

export type StoreKind = 'memory' | 'mongo' | 'postgres';

/** A database store's connection pool right now (shown by /health). */
export interface PoolUse {
  /** Most connections the pool opens (DATABASE_POOL_SIZE). */
  max: number;
  /** Connections open now. */
  open: number;
  /** Open connections not in use. */
  idle: number;
  /** Operations waiting for a connection. */
  waiting: number;
}

/** Thrown by a store when its database cannot be reached; routes answer 503. */
export class StoreUnavailableError extends Error {
  override name = 'StoreUnavailableError';
  constructor(message = 'Storage is unavailable', options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** Thrown by listMessages when `before`/`after` names no message of that room. */
export class CursorNotFoundError extends Error {
  override name = 'CursorNotFoundError';
}

/**
 * The chat hot path without I/O, for a store that can answer at once (the in-memory store):
 * Chat stores and broadcasts a message with no promise in between. Stores that talk to a
 * database leave `Store.immediate` undefined.
 */
export interface ImmediateMessages {
  /**
   * The store's own record: kept current in place (updateUser, upsertMember) and never
   * removed, so a caller may keep it and pass it back as the sender of later messages.
   */
  getMember(roomId: string, userId: string): Member | null;
  insertMessage(input: NewMessage): { message: Message; created: boolean };
}

/**
 * Where users, rooms, memberships and messages live. Records a store returns are
 * read-only for callers: the in-memory store hands out its own objects on the hot paths
 * (getMember, insertMessage) instead of copying them per chat message.
 */
export interface Store {
  readonly kind: StoreKind;
  /** True when data survives a restart. */
  readonly persistent: boolean;
  /** Synchronous getMember/insertMessage, when the store needs no I/O for them. */
  readonly immediate?: ImmediateMessages;
  /** Connect and create indexes/schema. Idempotent. */
  init(): Promise<void>;
  close(): Promise<void>;
  /** A warning for /health (the in-memory store once its budget has evicted data); null when all is well. */
  warning?(): string | null;
  /** Cheap reachability check for /health; never throws. */
  ping(): Promise<boolean>;
  /** The connection pool's use, for a store that has one (shared with the account store). */
  poolUse?(): PoolUse;

  createUser(input: { username: string; avatar_url?: string | null }): Promise<User>;
  getUser(id: string): Promise<User | null>;
  /**
   * Update a user's name/avatar, and the same fields on all of that user's memberships,
   * so later messages and presence use the new values. Returns null for an unknown user.
   */
  updateUser(id: string, patch: MemberPatch): Promise<User | null>;

  createRoom(input: NewRoom): Promise<RoomWithMembers>;
  getRoom(id: string): Promise<RoomWithMembers | null>;
  /**
   * One page of rooms, newest first, read by keyset from an index: the cost is the page's,
   * never the number of rooms ever created.
   */
  listRooms(page?: RoomPageOptions): Promise<ListedRoom[]>;
  /** An uploaded thumbnail by content address, or null. */
  getThumbnail(id: string): Promise<Thumbnail | null>;

  /** Create or update a membership; idempotent. The room and user must exist. */
  upsertMember(roomId: string, userId: string, patch: MemberPatch, mode: UpsertMode): Promise<Member>;
  getMember(roomId: string, userId: string): Promise<Member | null>;

  /**
   * Store a message once. A repeated (room_id, user_id, client_msg_id) returns the
   * original with `created: false` and stores nothing.
   */
  insertMessage(input: NewMessage): Promise<{ message: Message; created: boolean }>;
  /**
   * insertMessage with the sender's name and avatar read from their membership by the same
   * statement (one round trip instead of getMember + insert); null, storing nothing, when the
   * user is not a member of the room. Optional: without it callers look the member up first.
   */
  insertMemberMessage?(input: MemberMessage): Promise<{ message: Message; created: boolean } | null>;
  /**
   * A page of a room's messages, oldest first. Messages with no avatar get the member's
   * (else the user's) current avatar. Throws CursorNotFoundError for an unknown cursor.
   */
  listMessages(roomId: string, page: PageOptions): Promise<Message[]>;
  /** How many rooms and users exist (GET /metrics); a store may answer with a cheap estimate. */
  counts?(): Promise<StoreCounts>;
}

/** Totals for the `vchat_rooms` and `vchat_users` gauges. */
export interface StoreCounts {
  rooms: number;
  users: number;
}
