/**
 * One room's message history for the in-memory store: the newest `limit` messages in order,
 * the client_msg_id dedupe index, and paging cursors. No I/O; MemoryStore owns one per room.
 */
import { CursorNotFoundError, newMessageRecord, type Message, type NewMessage, type PageOptions } from './store.ts';

/** Cursors among this many newest messages are found by scanning, without the position index. */
const RECENT_CURSOR_SCAN = 256;

export class RoomHistory {
  /** Oldest first. Entries before `head` are evicted. */
  private messages: Message[] = [];
  private head = 0;
  /** Absolute position of messages[0]: compaction drops a prefix of the array. */
  private offset = 0;
  /**
   * Message id -> absolute position. Built on the first cursor that is not among the newest
   * messages (see cursorIndex), then kept up to date; rooms never paged far never pay for it.
   */
  private positions: Map<string, number> | undefined;
  /**
   * client_msg_id -> the message it created. Keyed by the id alone, one lookup per chat
   * message: a key joined with the user id would be a fresh string to hash every time, a
   * map per user a second lookup. Dedupe is per user, so when two users in the room pick
   * the same id the entry holds both messages in an array (rare; `shared` counts them).
   */
  private dedupe = new Map<string, Message | Message[]>();
  private shared = 0;

  constructor(private readonly limit: number) {}

  /**
   * Store a message once: a client_msg_id this user already used (while the original is
   * still in the history) returns the original, created=false. The oldest messages past
   * the limit are dropped.
   */
  insert(input: NewMessage): { message: Message; created: boolean } {
    const cmid = input.client_msg_id;
    const prior = cmid === undefined ? undefined : this.dedupe.get(cmid);
    if (prior !== undefined) {
      const original = ownedBy(prior, input.user_id);
      if (original) return { message: original, created: false };
    }
    const message = newMessageRecord(input);
    this.messages.push(message);
    this.positions?.set(message.id, this.offset + this.messages.length - 1);
    if (cmid !== undefined) {
      message.client_msg_id = cmid;
      if (prior === undefined) {
        this.dedupe.set(cmid, message);
      } else if (Array.isArray(prior)) {
        prior.push(message);
      } else {
        this.dedupe.set(cmid, [prior, message]);
        this.shared++;
      }
    }
    this.evict();
    return { message, created: true };
  }

  /** The oldest message still kept, if any. */
  oldest(): Message | undefined {
    return this.messages[this.head];
  }

  /** The newest message kept, if any. */
  newest(): Message | undefined {
    return this.messages.length > this.head ? this.messages[this.messages.length - 1] : undefined;
  }

  /** Drop the oldest message (the store-wide budget evicts across rooms; see MemoryStore). */
  dropOldest(): void {
    if (this.head >= this.messages.length) return;
    this.evictUpTo(this.messages.length - this.head - 1);
  }

  /** The stored messages of one page, oldest first. Throws CursorNotFoundError for an unknown cursor. */
  page(page: PageOptions): Message[] {
    let start: number;
    let end = this.messages.length;
    if (page.before !== undefined) {
      end = this.cursorIndex(page.before);
      start = Math.max(this.head, end - page.limit);
    } else if (page.after !== undefined) {
      start = this.cursorIndex(page.after) + 1;
      end = Math.min(end, start + page.limit);
    } else {
      start = Math.max(this.head, end - page.limit);
    }
    return this.messages.slice(start, end);
  }

  /**
   * Where a cursor message sits. Recent cursors (the last message seen before a reconnect, a
   * page just loaded) are found by a short scan from the newest end; anything older goes
   * through the position index, built on first use. No index on the send path otherwise: it
   * would cost every chat message a map insert and delete.
   */
  private cursorIndex(id: string): number {
    const stop = Math.max(this.head, this.messages.length - RECENT_CURSOR_SCAN);
    for (let i = this.messages.length - 1; i >= stop; i--) {
      if ((this.messages[i] as Message).id === id) return i;
    }
    if (!this.positions) {
      const positions = new Map<string, number>();
      for (let i = this.head; i < this.messages.length; i++)
        positions.set((this.messages[i] as Message).id, this.offset + i);
      this.positions = positions;
    }
    const at = this.positions.get(id);
    if (at === undefined) throw new CursorNotFoundError(`Message ${id} not found in this room`);
    return at - this.offset;
  }

  /**
   * Drop the oldest messages past the limit. Eviction only moves `head`; the array is
   * compacted once the dead prefix is large, so an insert into a full room stays O(1)
   * amortised instead of shifting the whole history every time.
   */
  private evict(): void {
    this.evictUpTo(this.limit);
  }

  /** Drop the oldest messages until at most `keep` remain. */
  private evictUpTo(keep: number): void {
    const over = this.messages.length - this.head - keep;
    if (over <= 0) return;
    for (let i = this.head; i < this.head + over; i++) {
      const m = this.messages[i] as Message;
      if (m.client_msg_id !== undefined) this.forget(m, m.client_msg_id);
      this.positions?.delete(m.id);
    }
    this.head += over;
    if (this.head >= 1024 && this.head * 2 >= this.messages.length) {
      this.messages = this.messages.slice(this.head);
      this.offset += this.head;
      this.head = 0;
    }
  }

  /** An evicted message's client_msg_id may be used again. */
  private forget(m: Message, cmid: string): void {
    // No id shared by two users in this room: the entry is this message's.
    if (this.shared === 0) {
      this.dedupe.delete(cmid);
      return;
    }
    const entry = this.dedupe.get(cmid);
    if (!Array.isArray(entry)) {
      if (entry === m) this.dedupe.delete(cmid);
      return;
    }
    const rest = entry.filter((other) => other !== m);
    if (rest.length > 1) {
      this.dedupe.set(cmid, rest);
    } else {
      this.shared--;
      if (rest.length === 1) this.dedupe.set(cmid, rest[0] as Message);
      else this.dedupe.delete(cmid);
    }
  }
}

/** The entry's message sent by this user, if any. */
function ownedBy(entry: Message | Message[] | undefined, userId: string): Message | undefined {
  if (entry === undefined) return undefined;
  if (!Array.isArray(entry)) return entry.user_id === userId ? entry : undefined;
  return entry.find((m) => m.user_id === userId);
}
