/**
 * The zero-setup default store. Everything lives in this process and is gone on restart;
 * each room keeps only its newest `historyLimit` messages so memory stays bounded.
 */
import { randomUUID } from 'node:crypto';
import {
  DEFAULT_MEMORY_BUDGET,
  MEMBER_OVERHEAD_BYTES,
  MemoryBudget,
  ROOM_OVERHEAD_BYTES,
  type MemoryBudgetOptions,
} from './memory-budget.ts';
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
  /** The store-wide budget and its eviction rule (memory-budget.ts). */
  budget?: MemoryBudgetOptions;
}

interface RoomState {
  room: Room;
  /** Creation order: the listing's keyset. */
  seq: number;
  members: Map<string, Member>;
  history: RoomHistory;
  /** Estimated bytes of the room and its members (its messages are counted one by one). */
  bytes: number;
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
  private readonly budget: MemoryBudget;

  constructor(options: MemoryStoreOptions = {}) {
    this.historyLimit = options.historyLimit ?? 10_000;
    this.budget = new MemoryBudget(options.budget ?? DEFAULT_MEMORY_BUDGET, {
      dropMessage: (m) => this.dropMessage(m),
      dropRoom: () => this.dropLeastActiveRoom(),
    });
  }

  /** Set once the store-wide budget has evicted anything (shown by /health). */
  warning(): string | null {
    return this.budget.warning();
  }

  async init(): Promise<void> {}
  async close(): Promise<void> {}
  async ping(): Promise<boolean> {
    return true;
  }

  async createUser(input: { username: string; avatar_url?: string | null }): Promise<User> {
    const user: User = {
      id: randomUUID(),
      username: input.username,
      avatar_url: input.avatar_url ?? null,
      created_at: new Date(),
    };
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
    this.budget.beforeNewRoom(this.rooms.size);
    const thumb = input.thumbnail;
    let newBytes = 0;
    if (thumb) {
      const kept = this.thumbnails.get(thumb.id);
      if (kept) kept.rooms++;
      else {
        this.thumbnails.set(thumb.id, { thumbnail: thumb, rooms: 1 });
        newBytes += thumbnailBytes(thumb);
      }
    }
    const room: Room = {
      id: randomUUID(),
      name: input.name,
      thumbnail_url: thumb ? null : input.thumbnail_url,
      thumbnail_id: thumb ? thumb.id : null,
      created_at: new Date(),
    };
    const bytes = ROOM_OVERHEAD_BYTES + 2 * (room.name.length + (room.thumbnail_url?.length ?? 0));
    const state: RoomState = {
      room,
      seq: this.nextSeq++,
      members: new Map(),
      history: new RoomHistory(this.historyLimit),
      bytes,
    };
    this.rooms.set(room.id, state);
    this.order.push(state);
    this.budget.addBytes(bytes + newBytes);
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
      const bytes = MEMBER_OVERHEAD_BYTES + 2 * (member.username.length + (member.avatar_url?.length ?? 0));
      state.bytes += bytes;
      this.budget.addBytes(bytes);
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
   * then insert), and a string comparison is cheaper than a second map lookup. Only the budget
   * deletes rooms (dropLeastActiveRoom), and it clears this cache.
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
    const result = state.history.insert(input);
    if (result.created) this.budget.addMessage(result.message);
    return result;
  }

  /** Budget eviction: `m` goes if it is still its room's oldest message. */
  private dropMessage(m: Message): boolean {
    const state = this.rooms.get(m.room_id);
    if (state === undefined || state.history.oldest() !== m) return false;
    state.history.dropOldest();
    return true;
  }

  /**
   * Budget eviction: the room whose last message (else its creation) is oldest goes, with its
   * members, history and (when no other room uses it) thumbnail. A scan over all rooms: it runs
   * only when the store is full, and room creation is budgeted per client.
   */
  private dropLeastActiveRoom(): number {
    let victim: RoomState | undefined;
    let victimAt = Infinity;
    for (const state of this.order) {
      const at = (state.history.newest()?.created_at ?? state.room.created_at).getTime();
      if (at < victimAt) {
        victim = state;
        victimAt = at;
      }
    }
    if (victim === undefined) return 0;
    this.rooms.delete(victim.room.id);
    this.order.splice(firstAtOrAfter(this.order, victim.seq), 1);
    if (this.lastRoom === victim) this.lastRoom = undefined;
    let freed = victim.bytes;
    const thumbId = victim.room.thumbnail_id;
    const kept = thumbId === null ? undefined : this.thumbnails.get(thumbId);
    if (kept && --kept.rooms === 0) {
      this.thumbnails.delete(kept.thumbnail.id);
      freed += thumbnailBytes(kept.thumbnail);
    }
    return freed;
  }

  async listMessages(roomId: string, page: PageOptions): Promise<Message[]> {
    const state = this.rooms.get(roomId);
    if (!state) return [];
    return state.history.page(page).map((m) => this.withAvatar(state, m));
  }

  /** A copy with the member's (else the user's) current avatar when the message has none. */
  private withAvatar(state: RoomState, m: Message): Message {
    const avatar =
      m.avatar_url || (state.members.get(m.user_id)?.avatar_url ?? this.users.get(m.user_id)?.avatar_url ?? null);
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

function thumbnailBytes(thumb: Thumbnail): number {
  return thumb.data.length + 200;
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
