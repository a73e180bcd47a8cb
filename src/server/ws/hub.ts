/**
 * The hub is a data structure (after socket.io-adapter's in-memory adapter): rooms as
 * two maps, room -> peers and room -> user -> socket count. It knows nothing about
 * sockets: a Peer is an interface, so hub tests need none.
 */
import type { ServerFrame } from '../../shared/protocol.ts';

/**
 * What `Peer.send` did with a frame:
 * - `queued`: written to the socket, or held until its setup is done;
 * - `slow`: not written, the reader is too far behind: the peer must be dropped (`dropSlow`);
 * - `closed`: not written, the socket is already closing or gone; nothing more to do.
 */
export type SendResult = 'queued' | 'slow' | 'closed';

export interface Peer {
  readonly roomId: string;
  readonly userId: string;
  /** Queue an encoded text frame (UTF-8 bytes or a string). */
  send(data: Buffer | string): SendResult;
  /** Called by the hub after a broadcast for peers whose send returned `slow`. */
  dropSlow(): void;
}

export class Hub {
  private rooms = new Map<string, Set<Peer>>();
  /** room -> user -> number of that user's sockets in the room */
  private presence = new Map<string, Map<string, number>>();
  private connections = 0;
  /**
   * Sockets accepted but still being set up (room/user lookup). Broadcasts reach them too
   * (they buffer), so nothing sent to the room in that gap is lost. Not counted as presence.
   */
  private pending = new Map<string, Set<Peer>>();
  /** Frames queued to peers by broadcasts since startup (GET /metrics). */
  deliveries = 0;
  /** Peers found too far behind during the current broadcast (reused, not allocated per frame). */
  private slow: Peer[] = [];

  /** Let a socket that is still being set up receive the room's broadcasts. */
  addPending(peer: Peer): void {
    let peers = this.pending.get(peer.roomId);
    if (!peers) this.pending.set(peer.roomId, (peers = new Set()));
    peers.add(peer);
  }

  /** Setup finished (or failed): stop delivering to the pending socket. */
  removePending(peer: Peer): void {
    const peers = this.pending.get(peer.roomId);
    if (peers?.delete(peer) && peers.size === 0) this.pending.delete(peer.roomId);
  }

  /** Register a peer. `first` is true when it is the user's first socket in the room. */
  add(peer: Peer): { first: boolean } {
    let peers = this.rooms.get(peer.roomId);
    if (!peers) this.rooms.set(peer.roomId, (peers = new Set()));
    if (peers.has(peer)) return { first: false };
    peers.add(peer);
    this.connections++;
    let users = this.presence.get(peer.roomId);
    if (!users) this.presence.set(peer.roomId, (users = new Map<string, number>()));
    const count = users.get(peer.userId) ?? 0;
    users.set(peer.userId, count + 1);
    return { first: count === 0 };
  }

  /** Unregister a peer. `last` is true when it was the user's last socket in the room. */
  remove(peer: Peer): { last: boolean } {
    const peers = this.rooms.get(peer.roomId);
    if (!peers?.delete(peer)) return { last: false };
    this.connections--;
    if (peers.size === 0) this.rooms.delete(peer.roomId);
    const users = this.presence.get(peer.roomId);
    const count = (users?.get(peer.userId) ?? 1) - 1;
    if (count > 0) {
      users?.set(peer.userId, count);
      return { last: false };
    }
    users?.delete(peer.userId);
    if (users && users.size === 0) this.presence.delete(peer.roomId);
    return { last: true };
  }

  /**
   * Send one frame to every peer in a room, encoded once. Peers of `exceptUserId` are
   * skipped. Slow peers are collected and dropped after the loop, so the set is never
   * mutated while it is iterated. Returns the number of peers the frame was queued to (not a
   * socket already closed, not one dropped as too slow): what `vchat_deliveries_total` counts.
   */
  broadcast(roomId: string, frame: ServerFrame, exceptUserId?: string): number {
    const peers = this.rooms.get(roomId);
    // Rooms leave `pending` when their last pending socket does: while it is empty (nearly
    // always), a broadcast skips the lookup.
    const pending = this.pending.size === 0 ? undefined : this.pending.get(roomId);
    if (!peers && !pending) return 0;
    // Encoded to UTF-8 once: handing ws a string would re-encode it for every peer.
    const data = Buffer.from(JSON.stringify(frame));
    let sent = 0;
    if (peers) sent += this.sendAll(peers, data, exceptUserId);
    if (pending) sent += this.sendAll(pending, data, exceptUserId);
    this.deliveries += sent;
    if (this.slow.length > 0) {
      // Swapped out first: dropping a peer announces user_left, which broadcasts again.
      const slow = this.slow;
      this.slow = [];
      for (const peer of slow) peer.dropSlow();
    }
    return sent;
  }

  /**
   * Send to every peer in `set` but the excepted user's; peers too far behind go to `this.slow`.
   * Returns the frames queued.
   */
  private sendAll(set: Set<Peer>, data: Buffer, exceptUserId: string | undefined): number {
    let sent = 0;
    for (const peer of set) {
      if (peer.userId === exceptUserId) continue;
      const result = peer.send(data);
      if (result === 'queued') sent++;
      else if (result === 'slow') this.slow.push(peer);
    }
    return sent;
  }

  /** Distinct users connected to a room now. */
  online(roomId: string): number {
    return this.presence.get(roomId)?.size ?? 0;
  }

  /** Sockets of one user in one room. */
  userSockets(roomId: string, userId: string): number {
    return this.presence.get(roomId)?.get(userId) ?? 0;
  }

  /** Every [room, user, sockets] on this process (scale-out re-registers them after a Redis outage). */
  userCounts(): Array<[roomId: string, userId: string, sockets: number]> {
    const out: Array<[string, string, number]> = [];
    for (const [roomId, users] of this.presence) for (const [userId, n] of users) out.push([roomId, userId, n]);
    return out;
  }

  get activeRooms(): number {
    return this.rooms.size;
  }

  get activeConnections(): number {
    return this.connections;
  }
}
