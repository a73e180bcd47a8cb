/**
 * Chat rules shared by REST and WebSocket: membership (join, auto-join), storing a
 * message once and broadcasting it once, presence frames. Callers have already checked
 * that the room and user exist.
 */
import type { FanoutHealth, MessageDto, ServerFrame } from '../shared/protocol.ts';
import type { Revocations } from './auth/service.ts';
import { messageDto } from './dto.ts';
import type { Hub, Peer } from './ws/hub.ts';
import type { Member, MemberMessage, MemberPatch, Message, NewMessage, Store, UpsertMode } from './store/store.ts';
import { isoNow } from './iso-time.ts';

/** Delivers frames to a room's sockets; the Redis fan-out (scale-out) wraps the hub. */
export interface Fanout {
  publish(roomId: string, frame: ServerFrame, exceptUserId?: string): void;
  /** Who is online across instances. Default: this process's hub (localPresence). */
  presence?: Presence;
  /** For /health. Default: {kind:'local', ok:true}. */
  health?(): FanoutHealth;
  /** Called once the Chat exists (the scale-out reaper announces user_left through it). */
  bind?(chat: Chat): void;
  /** Logouts to and from other instances, so their sockets close too (scale-out). */
  revocations?: Revocations;
}

/**
 * Presence decisions. `local*` is what this process's hub says; a cross-instance
 * implementation may answer asynchronously. A plain boolean keeps the single-process
 * path synchronous, exactly as before scale-out existed.
 */
export interface Presence {
  /** One more socket of the user in the room; true when it is the user's first anywhere. */
  join(roomId: string, userId: string, localFirst: boolean): boolean | Promise<boolean>;
  /** One socket fewer; true when it was the user's last anywhere. */
  leave(roomId: string, userId: string, localLast: boolean): boolean | Promise<boolean>;
  /** Distinct users online per room, in the order given. */
  online(roomIds: string[]): number[] | Promise<number[]>;
}

export interface PostInput {
  roomId: string;
  userId: string;
  content: string;
  clientMsgId?: string | undefined;
  /** The sender's membership when the caller already has it (skips the lookup). */
  member?: Member | undefined;
}

export interface PostResult {
  /** The stored message (the original one for a repeated client_msg_id). */
  message: MessageDto;
  /** False when a repeated client_msg_id stored and broadcast nothing. */
  created: boolean;
  /** The sender's membership, when the post read it (not when the store read it inside its insert). */
  member?: Member | undefined;
}

/**
 * The record to store: identity from the membership, using its own id strings rather than
 * the request's copies, so a stored message keeps no per-message duplicates of them alive.
 */
function newMessage(member: Member, input: PostInput): NewMessage {
  return {
    room_id: member.room_id,
    user_id: member.user_id,
    username: member.username,
    content: input.content,
    avatar_url: member.avatar_url,
    client_msg_id: input.clientMsgId,
  };
}

const LOCAL_FANOUT: FanoutHealth = Object.freeze({ kind: 'local', ok: true });

export class Chat {
  readonly presence: Presence;
  /** Messages stored and broadcast since startup (GET /metrics). */
  messagesAccepted = 0;
  /** Per room+user: announcements wait for earlier ones, so joined/left go out in Redis order. */
  private readonly announcing = new Map<string, Promise<void>>();

  constructor(
    private readonly store: Store,
    readonly hub: Hub,
    private readonly fanout: Fanout,
  ) {
    this.presence = fanout.presence ?? localPresence(hub);
    fanout.bind?.(this);
  }

  /** A socket entered its room: add it to the hub, announce user_joined on the user's first socket. */
  connected(peer: Peer, member: Member): void | Promise<void> {
    const { first } = this.hub.add(peer);
    const isFirst = this.presence.join(peer.roomId, peer.userId, first);
    if (typeof isFirst === 'boolean') {
      if (isFirst) this.userJoined(member);
      return;
    }
    return this.inOrder(peer, isFirst, (yes) => yes && this.userJoined(member));
  }

  /** A socket left its room: remove it from the hub, announce user_left on the user's last socket. */
  disconnected(peer: Peer, member: Member | undefined): void {
    const { last } = this.hub.remove(peer);
    const isLast = this.presence.leave(peer.roomId, peer.userId, last);
    if (typeof isLast === 'boolean') {
      if (isLast && member) this.userLeft(member);
      return;
    }
    void this.inOrder(peer, isLast, (yes) => yes && member && this.userLeft(member));
  }

  /** Distinct users online per room (across instances with scale-out). */
  async online(roomIds: string[]): Promise<number[]> {
    return this.presence.online(roomIds);
  }

  /** The fan-out's state for /health. */
  fanoutHealth(): FanoutHealth {
    return this.fanout.health?.() ?? LOCAL_FANOUT;
  }

  /** user_left for a user whose last socket was on an instance that died (scale-out reaper). */
  async userLeftById(roomId: string, userId: string): Promise<void> {
    const member = await this.store.getMember(roomId, userId);
    if (member) this.userLeft(member);
  }

  private inOrder(peer: Peer, decided: Promise<boolean>, then: (yes: boolean) => unknown): Promise<void> {
    const key = `${peer.roomId}|${peer.userId}`;
    const next = (this.announcing.get(key) ?? Promise.resolve())
      .then(() => decided)
      .then(then, () => undefined)
      .then(() => {
        if (this.announcing.get(key) === next) this.announcing.delete(key);
      });
    this.announcing.set(key, next);
    return next;
  }

  /** Create or update a membership. `overwrite` for POST /join, `fill` for sockets. */
  join(roomId: string, userId: string, patch: MemberPatch, mode: UpsertMode): Promise<Member> {
    return this.store.upsertMember(roomId, userId, patch, mode);
  }

  /**
   * Store a chat message with the member's identity, then broadcast it to the whole room
   * (the sender too). A repeated client_msg_id stores and broadcasts nothing and returns
   * the original with created=false.
   */
  async post(input: PostInput): Promise<PostResult> {
    let member = input.member;
    if (!member) {
      const direct = this.postAsMember(input);
      if (direct) {
        const result = await direct;
        if (result) return result;
      } else {
        member = (await this.store.getMember(input.roomId, input.userId)) ?? undefined;
      }
      // Not a member yet: auto-join with the user's own name and avatar, then store under the new membership.
      member ??= await this.store.upsertMember(input.roomId, input.userId, {}, 'fill');
    }
    return this.published(member.room_id, await this.store.insertMessage(newMessage(member, input)), member);
  }

  /**
   * post() in one store round trip: the store reads the sender's membership in the statement
   * that inserts (Store.insertMemberMessage). Undefined when the store cannot; resolves to null,
   * having stored nothing, when the user is not a member of the room (join, then post()).
   */
  postAsMember(input: PostInput): Promise<PostResult | null> | undefined {
    if (!this.store.insertMemberMessage) return undefined;
    const message: MemberMessage = { room_id: input.roomId, user_id: input.userId, content: input.content };
    if (input.clientMsgId !== undefined) message.client_msg_id = input.clientMsgId;
    return this.store
      .insertMemberMessage(message)
      .then((stored) => stored && this.published(stored.message.room_id, stored, undefined));
  }

  /**
   * post() without a promise in between, when the store answers at once (in-memory) and the
   * sender is already a member. Undefined when that is not the case: call post() instead.
   */
  postNow(input: PostInput): PostResult | undefined {
    const now = this.store.immediate;
    if (!now) return undefined;
    const member = input.member ?? now.getMember(input.roomId, input.userId);
    if (!member) return undefined;
    return this.published(member.room_id, now.insertMessage(newMessage(member, input)), member);
  }

  /** Broadcast a newly stored message; the DTO for the sender either way. */
  private published(
    roomId: string,
    stored: { message: Message; created: boolean },
    member: Member | undefined,
  ): PostResult {
    const dto = messageDto(stored.message);
    if (stored.created) {
      this.messagesAccepted++;
      this.fanout.publish(roomId, dto);
    }
    return { message: dto, created: stored.created, member };
  }

  userJoined(member: Member): void {
    this.fanout.publish(member.room_id, {
      type: 'user_joined',
      user_id: member.user_id,
      username: member.username,
      avatar_url: member.avatar_url,
      message: `${member.username} joined the chat`,
      timestamp: isoNow(),
    });
  }

  userLeft(member: Pick<Member, 'room_id' | 'user_id' | 'username'>): void {
    this.fanout.publish(member.room_id, {
      type: 'user_left',
      user_id: member.user_id,
      username: member.username,
      message: `${member.username} left the chat`,
      timestamp: isoNow(),
    });
  }

  typing(type: 'typing_start' | 'typing_stop', member: Pick<Member, 'room_id' | 'user_id' | 'username'>): void {
    this.fanout.publish(
      member.room_id,
      {
        type,
        user_id: member.user_id,
        username: member.username,
        room_id: member.room_id,
        timestamp: isoNow(),
      },
      member.user_id,
    );
  }
}

/** The single-process presence: this hub's socket counts. */
export function localPresence(hub: Hub): Presence {
  return {
    join: (_roomId, _userId, localFirst) => localFirst,
    leave: (_roomId, _userId, localLast) => localLast,
    online: (roomIds) => roomIds.map((id) => hub.online(id)),
  };
}

/** The single-process fan-out: straight into the local hub. */
export function localFanout(hub: Hub): Fanout {
  return { publish: (roomId, frame, except) => void hub.broadcast(roomId, frame, except) };
}
