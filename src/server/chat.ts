/**
 * Chat rules shared by REST and WebSocket: membership (join, auto-join), storing a
 * message once and broadcasting it once, presence frames. Callers have already checked
 * that the room and user exist.
 */
import type { MessageDto, ServerFrame } from '../shared/protocol.ts';
import { messageDto } from './dto.ts';
import type { Hub } from './ws/hub.ts';
import type { Member, MemberPatch, Store, UpsertMode } from './store/store.ts';

/** Delivers frames to a room's sockets; the Redis fan-out (scale-out) wraps the hub. */
export interface Fanout {
  publish(roomId: string, frame: ServerFrame, exceptUserId?: string): void;
}

export interface PostInput {
  roomId: string;
  userId: string;
  content: string;
  clientMsgId?: string;
  /** Values that only fill a member the user does not have yet (auto-join). */
  fill?: MemberPatch;
}

export class Chat {
  constructor(
    private readonly store: Store,
    readonly hub: Hub,
    private readonly fanout: Fanout,
  ) {}

  /** Create or update a membership. `overwrite` for POST /join, `fill` for sockets. */
  join(roomId: string, userId: string, patch: MemberPatch, mode: UpsertMode): Promise<Member> {
    return this.store.upsertMember(roomId, userId, patch, mode);
  }

  /**
   * Store a chat message with the member's identity, then broadcast it to the whole room
   * (the sender too). A repeated client_msg_id stores and broadcasts nothing and returns
   * the original with created=false.
   */
  async post(input: PostInput): Promise<{ message: MessageDto; created: boolean; member: Member }> {
    const member =
      (await this.store.getMember(input.roomId, input.userId)) ??
      (await this.store.upsertMember(input.roomId, input.userId, input.fill ?? {}, 'fill'));
    const { message, created } = await this.store.insertMessage({
      room_id: input.roomId,
      user_id: input.userId,
      username: member.username,
      content: input.content,
      avatar_url: member.avatar_url,
      ...(input.clientMsgId === undefined ? {} : { client_msg_id: input.clientMsgId }),
    });
    const dto = messageDto(message);
    if (created) this.fanout.publish(input.roomId, dto);
    return { message: dto, created, member };
  }

  userJoined(member: Member): void {
    this.fanout.publish(member.room_id, {
      type: 'user_joined',
      user_id: member.user_id,
      username: member.username,
      avatar_url: member.avatar_url,
      message: `${member.username} joined the chat`,
      timestamp: new Date().toISOString(),
    });
  }

  userLeft(member: Pick<Member, 'room_id' | 'user_id' | 'username'>): void {
    this.fanout.publish(member.room_id, {
      type: 'user_left',
      user_id: member.user_id,
      username: member.username,
      message: `${member.username} left the chat`,
      timestamp: new Date().toISOString(),
    });
  }

  typing(type: 'typing_start' | 'typing_stop', member: Pick<Member, 'room_id' | 'user_id' | 'username'>): void {
    this.fanout.publish(
      member.room_id,
      { type, user_id: member.user_id, username: member.username, room_id: member.room_id, timestamp: new Date().toISOString() },
      member.user_id,
    );
  }
}

/** The single-process fan-out: straight into the local hub. */
export function localFanout(hub: Hub): Fanout {
  return { publish: (roomId, frame, except) => void hub.broadcast(roomId, frame, except) };
}
