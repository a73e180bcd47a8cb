/**
 * The zero-setup default store. Everything lives in this process and is gone on restart;
 * each room keeps only its newest `historyLimit` messages so memory stays bounded.
 */
import { randomUUID } from 'node:crypto';
import { RoomHistory } from './memory-history.ts';
import {
  DEFAULT_ROOM_PAGE,
  type ImmediateMessages,
  type ListedRoom,
  type Member,
  type MemberPatch,
  type Message,
  type NewMessage,
  type NewRoom,
  type PageOptions,
  type Room,
  type RoomPageOptions,
  type RoomWithMembers,
  type Store,
  type StoreCounts,
  type Thumbnail,
  type UpsertMode,
  type User,
} from './store.ts';

export interface MemoryStoreOptions {
  /** Newest messages kept per room; older ones are dropped. */
  historyLimit?: number;
}

interface RoomState {
  room: Room;
  /** Creation order: the listing's keyset. */
  seq: number;
  members: Map<string, Member>;
  history: RoomHistory;
}

export class MemoryStore implements Store {
  readonly kind = 'memory' as const;
  readonly persistent = false;
  readonly immediate: ImmediateMessages = {
    getMember: (roomId, userId) => this.memberNow(roomId, userId),
    insertMessage: (input) => this.insertNow(input),
  };
  readonly historyLimit: number;
  private users = new Map<string, User>();
  private rooms = new Map<string, RoomState>();
  /** Every room in creation order (ascending `seq`), so a page is a binary search and a slice. */
  private order: RoomState[] = [];
  private nextSeq = 1;
  /** Uploaded thumbnails by content address, with how many rooms use each. */
  private thumbnails = new Map<string, { thumbnail: Thumbnail; rooms: number }>();
  private lastRoom: RoomState | undefined;

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

  async createRoom(input: NewRoom): Promise<RoomWithMembers> {
    const thumb = input.thumbnail;
    if (thumb) {
      const kept = this.thumbnails.get(thumb.id);
      if (kept) kept.rooms++;
      else this.thumbnails.set(thumb.id, { thumbnail: thumb, rooms: 1 });
    }
    const room: Room = {
      id: randomUUID(),
      name: input.name,
      thumbnail_url: thumb ? null : input.thumbnail_url,
      thumbnail_id: thumb ? thumb.id : null,
      created_at: new Date(),
    };
    const state: RoomState = { room, seq: this.nextSeq++, members: new Map(), history: new RoomHistory(this.historyLimit) };
    this.rooms.set(room.id, state);
    this.order.push(state);
    return { ...room, users: [] };
  }

  async getRoom(id: string): Promise<RoomWithMembers | null> {
    const state = this.rooms.get(id);
    return state ? withMembers(state) : null;
  }

  async counts(): Promise<StoreCounts> {
    return { rooms: this.rooms.size, users: this.users.size };
  }

  async listRooms(page: RoomPageOptions = DEFAULT_ROOM_PAGE): Promise<ListedRoom[]> {
    const order = this.order;
    const end = page.beforeSeq === undefined ? order.length : firstAtOrAfter(order, page.beforeSeq);
    const out: ListedRoom[] = [];
    for (let i = end - 1; i >= 0 && out.length < page.limit; i--) {
      const state = order[i] as RoomState;
      out.push({ ...withMembers(state), seq: state.seq });
    }
    return out;
  }

  async getThumbnail(id: string): Promise<Thumbnail | null> {
    return this.thumbnails.get(id)?.thumbnail ?? null;
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
    return this.memberNow(roomId, userId);
  }

  /** The stored record itself (every chat message looks it up): read-only for callers. */
  private memberNow(roomId: string, userId: string): Member | null {
    const state = this.roomState(roomId);
    return state?.members.get(userId) ?? null;
  }

  /**
   * A room's state. The last one found is kept: a chat message looks its room up twice (member,
   * then insert), and a string comparison is cheaper than a second map lookup. Rooms are never
   * deleted, so the kept state cannot go stale.
   */
  private roomState(roomId: string): RoomState | undefined {
    const last = this.lastRoom;
    if (last !== undefined && last.room.id === roomId) return last;
    const state = this.rooms.get(roomId);
    if (state) this.lastRoom = state;
    return state;
  }

  async insertMessage(input: NewMessage): Promise<{ message: Message; created: boolean }> {
    return this.insertNow(input);
  }

  /**
   * Returns the stored record itself, not a copy (this is the hot path of every chat message):
   * callers must treat it as read-only, as they do every store result.
   */
  private insertNow(input: NewMessage): { message: Message; created: boolean } {
    const state = this.roomState(input.room_id);
    if (!state) throw new Error('insertMessage: unknown room');
    return state.history.insert(input);
  }

  async listMessages(roomId: string, page: PageOptions): Promise<Message[]> {
    const state = this.rooms.get(roomId);
    if (!state) return [];
    return state.history.page(page).map((m) => this.withAvatar(state, m));
  }

  /** A copy with the member's (else the user's) current avatar when the message has none. */
  private withAvatar(state: RoomState, m: Message): Message {
    const avatar = m.avatar_url || (state.members.get(m.user_id)?.avatar_url ?? this.users.get(m.user_id)?.avatar_url ?? null);
    const copy: Message = {
      id: m.id,
      room_id: m.room_id,
      user_id: m.user_id,
      username: m.username,
      content: m.content,
      avatar_url: avatar,
      created_at: m.created_at,
    };
    if (m.client_msg_id !== undefined) copy.client_msg_id = m.client_msg_id;
    return copy;
  }
}

function applyPatch(target: { username: string; avatar_url: string | null }, patch: MemberPatch): void {
  if (patch.username !== undefined) target.username = patch.username;
  if (patch.avatar_url !== undefined) target.avatar_url = patch.avatar_url;
}

/** Index of the first room whose seq is >= `seq` (order.length when none): a binary search. */
function firstAtOrAfter(order: RoomState[], seq: number): number {
  let lo = 0;
  let hi = order.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((order[mid] as RoomState).seq < seq) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function withMembers(state: RoomState): RoomWithMembers {
  return { ...state.room, users: [...state.members.keys()] };
}
