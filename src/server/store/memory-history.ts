/**
 * One room's message history for the in-memory store: the newest `limit` messages in order,
 * the client_msg_id dedupe index, and paging cursors. No I/O; MemoryStore owns one per room.
 */
import { CursorNotFoundError, type Message, type PageOptions } from './store.ts';

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
   * user_id -> client_msg_id -> the message it created. Two levels instead of one joined
   * key: a concatenated key is a fresh cons string to flatten and hash on every message.
   */
  private dedupe = new Map<string, Map<string, Message>>();

  constructor(private readonly limit: number) {}

  /** The message this user's client_msg_id already created, while it is still in the history. */
  find(userId: string, clientMsgId: string): Message | undefined {
    return this.dedupe.get(userId)?.get(clientMsgId);
  }

  /** Append a stored message; the oldest ones past the limit are dropped. */
  add(message: Message): void {
    this.messages.push(message);
    this.positions?.set(message.id, this.offset + this.messages.length - 1);
    const cmid = message.client_msg_id;
    if (cmid !== undefined) {
      const sent = this.dedupe.get(message.user_id);
      if (sent) sent.set(cmid, message);
      else this.dedupe.set(message.user_id, new Map([[cmid, message]]));
    }
    this.evict();
  }

  /** The stored messages of one page, oldest first. Throws CursorNotFoundError for an unknown cursor. */
  page(page: PageOptions): Message[] {
    let start = this.head;
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
      for (let i = this.head; i < this.messages.length; i++) positions.set((this.messages[i] as Message).id, this.offset + i);
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
    const over = this.messages.length - this.head - this.limit;
    if (over <= 0) return;
    for (let i = this.head; i < this.head + over; i++) {
      const m = this.messages[i] as Message;
      if (m.client_msg_id !== undefined) {
        const sent = this.dedupe.get(m.user_id);
        if (sent?.delete(m.client_msg_id) && sent.size === 0) this.dedupe.delete(m.user_id);
      }
      this.positions?.delete(m.id);
    }
    this.head += over;
    if (this.head >= 1024 && this.head * 2 >= this.messages.length) {
      this.messages = this.messages.slice(this.head);
      this.offset += this.head;
      this.head = 0;
    }
  }
}
