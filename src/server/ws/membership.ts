/**
 * Auth and membership for a socket that has been accepted: the token (4401/4403), room and
 * user (4004: the frontend stops retrying only on that close), the join that fills a missing
 * name or avatar from the query, and the per-room cap on users online (1013).
 */
import type { WebSocket } from 'ws';
import { CloseCode } from '../../shared/protocol.ts';
import { lenientAvatar, lenientUsername } from '../../shared/validate.ts';
import type { AuthService } from '../auth/service.ts';
import type { Chat } from '../chat.ts';
import type { Config } from '../config.ts';
import type { Logger } from '../log.ts';
import type { ServerMetrics } from '../metrics/metrics.ts';
import { memberPatch, type Member, type Store } from '../store/store.ts';
import type { WsTarget } from './upgrade.ts';

/** What the membership checks need. */
export interface MembershipDeps {
  config: Config;
  store: Store;
  chat: Chat;
  log: Logger;
  /** Token checks (4401/4403 after accept); absent in bare hub tests. */
  auth?: AuthService;
  /** Present when GET /metrics is on. */
  metrics?: ServerMetrics | undefined;
}

/**
 * Check the token, find room and user and join: the member, or undefined once the socket has
 * been closed with the reason. Store failures are thrown (the caller closes 1013).
 */
export async function joinMember(ws: WebSocket, target: WsTarget, deps: MembershipDeps): Promise<Member | undefined> {
  const { store, chat, log } = deps;
  const ids = { room_id: target.roomId, user_id: target.userId };
  // The socket is handed over so a later logout or expiry can close it 4401 (auth/service.ts).
  const denied = await deps.auth?.socketDenial(target.token, target.userId, ws);
  if (denied) {
    deps.metrics?.wsRefused('auth');
    log.warn(`websocket closed ${denied.code}`, { ...ids, reason: denied.reason });
    ws.close(denied.code, denied.reason);
    return undefined;
  }
  const [room, user] = await Promise.all([store.getRoom(target.roomId), store.getUser(target.userId)]);
  if (!room || !user) {
    const reason = room ? 'User not found' : 'Room not found';
    deps.metrics?.wsRefused(room ? 'unknown_user' : 'unknown_room');
    log.warn('websocket closed 4004', { ...ids, reason });
    ws.close(CloseCode.NotFound, reason);
    return undefined;
  }
  const fill = memberPatch({
    username: lenientUsername(target.query.get('username')),
    avatar_url: lenientAvatar(target.query.get('avatar_url')),
  });
  return chat.join(target.roomId, target.userId, fill, 'fill');
}

/**
 * MAX_ROOM_ONLINE: distinct users online in this room on this instance. A user already
 * online (another tab) always gets in. The caller checks it with no await before hub.add, so
 * it is exact.
 */
export function roomIsFull(deps: Pick<MembershipDeps, 'config' | 'chat'>, target: WsTarget): boolean {
  const cap = deps.config.maxRoomMembersOnline;
  const hub = deps.chat.hub;
  return cap > 0 && hub.userSockets(target.roomId, target.userId) === 0 && hub.online(target.roomId) >= cap;
}
