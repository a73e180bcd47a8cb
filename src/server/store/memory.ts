/**
 * The zero-setup default store. Everything lives in this process and is gone on restart;
 * each room keeps only its newest `historyLimit` messages so memory stays bounded.
 */
import { randomUUID } from 'node:crypto';
import {
  CursorNotFoundError,
  type Member,
  type MemberPatch,
  type Message,
  type NewMessage,
  type PageOptions,
  type Room,
  type RoomWithMembers,
  type Store,
  type UpsertMode,
  type User,
} from './store.ts';

export interface MemoryStoreOptions {
  /** Newest messages kept per room; older ones are dropped. */
  historyLimit?: number;
}

interface RoomState {
  room: Room;
  members: Map<string, Member>;
  /** Oldest first; `seqs[i]` is the sequence number of `messages[i]`. Entries before `head` are evicted. */
  messages: Message[];
  seqs: number[];
  head: number;
  /** `${user_id}\n${client_msg_id}` -> message id */
  dedupe: Map<string, string>;
}

export class MemoryStore implements Store {
  readonly kind = 'memory' as const;
  readonly persistent = false;
  readonly historyLimit: number;
  private users = new Map<string, User>();
  private rooms = new Map<string, RoomState>();
  /** message id -> its room and sequence number, for before/after cursors */
  private messageIndex = new Map<string, { roomId: string; seq: number }>();
  private seq = 0;

  constructor(options: MemoryStoreOptions = {}) {
    this.historyLimit = options.historyLimit ?? 10_000;
  }

  async init(): Promise<void> {}
  async close(): Promise<void> {}
  async ping(): Promise<boolean> {
    return true;
  }

  async createUser(input: { username: string; avatar_url?: string | null }): Promise<User> {
    const user: User = { id: randomUUID(), username: input.username, avatar_url: input.avatar_url ?? null, created_at: new Date() };
    this.users.set(user.id, user);
    return { ...user };
  }

  async getUser(id: string): Promise<User | null> {
    const user = this.users.get(id);
    return user ? { ...user } : null;
  }

  async updateUser(id: string, patch: MemberPatch): Promise<User | null> {
    const user = this.users.get(id);
    if (!user) return null;
    applyPatch(user, patch);
    for (const state of this.rooms.values()) {
      const member = state.members.get(id);
      if (member) applyPatch(member, patch);
    }
    return { ...user };
  }

  async createRoom(input: { name: string; thumbnail_url: string | null }): Promise<RoomWithMembers> {
    const room: Room = { id: randomUUID(), name: input.name, thumbnail_url: input.thumbnail_url, created_at: new Date() };
    this.rooms.set(room.id, { room, members: new Map(), messages: [], seqs: [], head: 0, dedupe: new Map() });
    return { ...room, users: [] };
  }

  async getRoom(id: string): Promise<RoomWithMembers | null> {
    const state = this.rooms.get(id);
    return state ? withMembers(state) : null;
  }

  async listRooms(): Promise<RoomWithMembers[]> {
    // Map iteration order is insertion order: oldest first.
    return [...this.rooms.values()].map(withMembers);
  }

  async upsertMember(roomId: string, userId: string, patch: MemberPatch, mode: UpsertMode): Promise<Member> {
    const state = this.rooms.get(roomId);
    const user = this.users.get(userId);
    if (!state || !user) throw new Error(`upsertMember: unknown ${state ? 'user' : 'room'}`);
    let member = state.members.get(userId);
    if (!member) {
      member = {
        room_id: roomId,
        user_id: userId,
        username: patch.username ?? user.username,
        avatar_url: patch.avatar_url ?? user.avatar_url,
        joined_at: new Date(),
      };
      state.members.set(userId, member);
    } else if (mode === 'overwrite') {
      applyPatch(member, patch);
    } else {
      if (!member.username && patch.username) member.username = patch.username;
      if (!member.avatar_url && patch.avatar_url) member.avatar_url = patch.avatar_url;
    }
    return { ...member };
  }

  async getMember(roomId: string, userId: string): Promise<Member | null> {
    const member = this.rooms.get(roomId)?.members.get(userId);
    return member ? { ...member } : null;
  }

  async insertMessage(input: NewMessage): Promise<{ message: Message; created: boolean }> {
    const state = this.rooms.get(input.room_id);
    if (!state) throw new Error('insertMessage: unknown room');
    const dedupeKey = input.client_msg_id === undefined ? undefined : `${input.user_id}\n${input.client_msg_id}`;
    if (dedupeKey !== undefined) {
      const existingId = state.dedupe.get(dedupeKey);
      const existing = existingId === undefined ? undefined : this.findInRoom(state, existingId);
      if (existing) return { message: { ...existing }, created: false };
    }
    // Built field by field: a `delete` of an absent client_msg_id would make it a slow dictionary object.
    const message: Message = {
      id: randomUUID(),
      room_id: input.room_id,
      user_id: input.user_id,
      username: input.username,
      content: input.content,
      avatar_url: input.avatar_url,
      created_at: new Date(),
    };
    if (input.client_msg_id !== undefined) message.client_msg_id = input.client_msg_id;
    const seq = ++this.seq;
    state.messages.push(message);
    state.seqs.push(seq);
    this.messageIndex.set(message.id, { roomId: input.room_id, seq });
    if (dedupeKey !== undefined) state.dedupe.set(dedupeKey, message.id);
    this.evict(state);
    return { message: { ...message }, created: true };
  }

  async listMessages(roomId: string, page: PageOptions): Promise<Message[]> {
    const state = this.rooms.get(roomId);
    if (!state) return [];
    const first = state.head;
    let start = first;
    let end = state.messages.length;
    if (page.before !== undefined) {
      end = lowerBound(state.seqs, this.cursorSeq(roomId, page.before), first);
      start = Math.max(first, end - page.limit);
    } else if (page.after !== undefined) {
      start = lowerBound(state.seqs, this.cursorSeq(roomId, page.after) + 1, first);
      end = Math.min(end, start + page.limit);
    } else {
      start = Math.max(first, end - page.limit);
    }
    return state.messages.slice(start, end).map((m) => this.withAvatar(state, m));
  }

  private cursorSeq(roomId: string, id: string): number {
    const entry = this.messageIndex.get(id);
    if (!entry || entry.roomId !== roomId) throw new CursorNotFoundError(`Message ${id} not found in this room`);
    return entry.seq;
  }

  private withAvatar(state: RoomState, m: Message): Message {
    if (m.avatar_url) return { ...m };
    const avatar = state.members.get(m.user_id)?.avatar_url ?? this.users.get(m.user_id)?.avatar_url ?? null;
    return { ...m, avatar_url: avatar };
  }

  private findInRoom(state: RoomState, id: string): Message | undefined {
    const entry = this.messageIndex.get(id);
    if (!entry) return undefined;
    const i = lowerBound(state.seqs, entry.seq, state.head);
    return state.messages[i]?.id === id ? state.messages[i] : undefined;
  }

  /**
   * Drop the oldest messages past the history limit. Eviction only moves `head`; the arrays
   * are compacted once the dead prefix is large, so an insert into a full room stays O(1)
   * amortised instead of shifting the whole history every time.
   */
  private evict(state: RoomState): void {
    const over = state.messages.length - state.head - this.historyLimit;
    if (over <= 0) return;
    for (let i = state.head; i < state.head + over; i++) {
      const m = state.messages[i] as Message;
      this.messageIndex.delete(m.id);
      if (m.client_msg_id !== undefined) state.dedupe.delete(`${m.user_id}\n${m.client_msg_id}`);
    }
    state.head += over;
    if (state.head >= 1024 && state.head * 2 >= state.messages.length) {
      state.messages = state.messages.slice(state.head);
      state.seqs = state.seqs.slice(state.head);
      state.head = 0;
    }
  }
}

function applyPatch(target: { username: string; avatar_url: string | null }, patch: MemberPatch): void {
  if (patch.username !== undefined) target.username = patch.username;
  if (patch.avatar_url !== undefined) target.avatar_url = patch.avatar_url;
}

function withMembers(state: RoomState): RoomWithMembers {
  return { ...state.room, users: [...state.members.keys()] };
}

/** First index at or after `from` whose value is >= target in an ascending array. */
function lowerBound(values: number[], target: number, from = 0): number {
  let lo = from;
  let hi = values.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((values[mid] as number) < target) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
