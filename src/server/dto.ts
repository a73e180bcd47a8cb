/** Store records -> wire DTOs. Every timestamp goes out as toISOString() would write it (iso-time.ts). */
import type { MessageDto, RoomDto, RoomListItemDto, UserDto } from '../shared/protocol.ts';
import type { Message, RoomWithMembers, User } from './store/store.ts';
import { thumbnailPath } from './thumbnails.ts';
import { isoDate } from './iso-time.ts';

export function userDto(user: User): UserDto {
  const created = isoDate(user.created_at);
  return { id: user.id, username: user.username, avatar_url: user.avatar_url, created_at: created, joined_at: created };
}

/** `origin`: this API's public origin, for the absolute URL of an uploaded thumbnail. */
export function roomDto(room: RoomWithMembers, origin: string): RoomDto {
  return {
    id: room.id,
    name: room.name,
    thumbnail_url: room.thumbnail_id === null ? room.thumbnail_url : origin + thumbnailPath(room.thumbnail_id),
    created_at: isoDate(room.created_at),
    users: room.users,
  };
}

export function roomListItemDto(room: RoomWithMembers, online: number, origin: string): RoomListItemDto {
  return { ...roomDto(room, origin), online };
}

export function messageDto(m: Message): MessageDto {
  const dto: MessageDto = {
    type: 'message',
    id: m.id,
    room_id: m.room_id,
    user_id: m.user_id,
    username: m.username,
    content: m.content,
    avatar_url: m.avatar_url,
    timestamp: isoDate(m.created_at),
  };
  if (m.client_msg_id !== undefined) dto.client_msg_id = m.client_msg_id;
  return dto;
}
