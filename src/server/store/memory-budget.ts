/**
 * The in-memory store's total budget (issue 15 finding 5): messages, rooms and bytes across
 * all rooms. Eviction rule: past MEMORY_MAX_MESSAGES or MEMORY_MAX_BYTES the oldest message
 * in the whole store goes, whichever room holds it; when no message is left to drop and the
 * bytes are still over (or past MEMORY_MAX_ROOMS), the least recently active room goes with
 * its members and thumbnail. Sizes are estimates of what V8 keeps, not exact heap bytes.
 */
import type { Message } from './store.ts';

export interface MemoryBudgetOptions {
  /** Most messages remembered across all rooms. */
  maxMessages: number;
  /** Most rooms. */
  maxRooms: number;
  /** Approximate bytes of messages, rooms, members and thumbnails. */
  maxBytes: number;
}

/** Defaults for a store built without a config (tests, embedding): the server's own defaults. */
export const DEFAULT_MEMORY_BUDGET: MemoryBudgetOptions = {
  maxMessages: 200_000,
  maxRooms: 10_000,
  maxBytes: 128 * 1024 * 1024,
};

/** Per-object overhead: the object, its id string, its Date. */
const MESSAGE_OVERHEAD_BYTES = 240;
export const ROOM_OVERHEAD_BYTES = 400;
export const MEMBER_OVERHEAD_BYTES = 200;

/** Estimated bytes a stored message holds (strings are 2 bytes per unit at worst). */
export function messageBytes(m: Message): number {
  return (
    MESSAGE_OVERHEAD_BYTES +
    2 * (m.content.length + m.username.length + (m.avatar_url?.length ?? 0) + (m.client_msg_id?.length ?? 0))
  );
}

/** What the store does when the budget says so. */
export interface Evictor {
  /** Drop `m` if it is still its room's oldest message; true when it was dropped. */
  dropMessage(m: Message): boolean;
  /** Drop the least recently active room; the bytes it freed, 0 when there is none. */
  dropRoom(): number;
}

export class MemoryBudget {
  /** Every message counted, oldest first (one entry each, dropped by the room's own limit or not). */
  private queue: Message[] = [];
  private head = 0;
  private bytes = 0;
  private evictedMessages = 0;
  private evictedRooms = 0;
  private lastEvictionAt: Date | null = null;

  constructor(
    readonly options: MemoryBudgetOptions,
    private readonly evictor: Evictor,
  ) {}

  /**
   * Count a new message. A message the room's own history limit drops stays counted here
   * until its turn comes: the budget bounds what is counted, so it bounds what is kept.
   */
  addMessage(m: Message): void {
    this.queue.push(m);
    this.bytes += messageBytes(m);
    if (this.queue.length - this.head > this.options.maxMessages || this.bytes > this.options.maxBytes) this.shrink();
  }

  /** Count bytes of something else kept (a room, a member, a thumbnail). */
  addBytes(n: number): void {
    this.bytes += n;
    if (this.bytes > this.options.maxBytes) this.shrink();
  }

  /** Bytes of something dropped. */
  removeBytes(n: number): void {
    this.bytes -= n;
  }

  /** Before adding a room: make room when the store is at MEMORY_MAX_ROOMS. */
  beforeNewRoom(roomCount: number): void {
    if (roomCount < this.options.maxRooms) return;
    const freed = this.evictor.dropRoom();
    if (freed > 0) this.noteRoomEvicted(freed);
  }

  /** The /health warning, once anything was evicted. */
  warning(): string | null {
    if (this.evictedMessages === 0 && this.evictedRooms === 0) return null;
    return (
      `in-memory store is full: ${this.evictedMessages} messages and ${this.evictedRooms} rooms evicted since start ` +
      `(last at ${this.lastEvictionAt?.toISOString()}); raise MEMORY_MAX_* or use a database`
    );
  }

  /** Bytes counted now (tests). */
  get countedBytes(): number {
    return this.bytes;
  }

  private shrink(): void {
    const { maxMessages, maxBytes } = this.options;
    while (this.head < this.queue.length && (this.queue.length - this.head > maxMessages || this.bytes > maxBytes)) {
      const m = this.queue[this.head] as Message;
      this.queue[this.head++] = undefined as unknown as Message;
      this.bytes -= messageBytes(m);
      if (this.evictor.dropMessage(m)) {
        this.evictedMessages++;
        this.lastEvictionAt = new Date();
      }
    }
    if (this.head >= 1024 && this.head * 2 >= this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
    while (this.bytes > maxBytes) {
      const freed = this.evictor.dropRoom();
      if (freed === 0) break;
      this.noteRoomEvicted(freed);
    }
  }

  private noteRoomEvicted(freedBytes: number): void {
    this.bytes -= freedBytes;
    this.evictedRooms++;
    this.lastEvictionAt = new Date();
  }
}
