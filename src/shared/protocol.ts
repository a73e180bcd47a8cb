/**
 * The vchat wire contract (v1): DTOs, frames, close codes, error codes and limits.
 * Shared by the server and the CLI; imports no Node I/O. Source of truth: API.md.
 */

/**
 * Limits from API.md, the one source for their values: the server's defaults (`DEFAULTS` in
 * src/server/config.ts) take the configurable ones from here, and may be overridden there.
 */
export const LIMITS = {
  /** Largest accepted JSON request body. */
  maxBodyBytes: 1024 * 1024,
  /** Message content length after trimming. */
  maxContentChars: 5000,
  /** Username / display name length after trimming. */
  maxUsernameChars: 50,
  minDisplayNameChars: 2,
  /** Room name length after trimming. */
  maxRoomNameChars: 100,
  /** http(s) avatar and thumbnail URLs. */
  maxUrlChars: 2000,
  /** `data:image/...;base64,` thumbnails uploaded by the frontend. */
  maxDataUrlBytes: 1024 * 1024,
  /** Path ids (room, user, message). */
  maxIdChars: 128,
  /** `client_msg_id` length. */
  maxClientMsgIdChars: 128,
  /** GET messages `limit` bounds and default. */
  minPageLimit: 1,
  maxPageLimit: 500,
  defaultPageLimit: 100,
  /** Largest WebSocket frame; larger closes 1009. */
  maxFrameBytes: 64 * 1024,
  /**
   * Chat frames per socket (token bucket; server: WS_MESSAGE_RATE_PER_S / _BURST). Past it each
   * frame gets a `rate_limited` error frame. The CLI's load test warns before a run goes past it.
   */
  chatFramesPerSocket: { perSecond: 10, burst: 20 },
} as const;

/** Stable error codes carried in `{detail, code}` bodies and `error` frames. */
export const ErrorCode = {
  InvalidJson: 'invalid_json',
  UserNotFound: 'user_not_found',
  RoomNotFound: 'room_not_found',
  NotFound: 'not_found',
  OriginNotAllowed: 'origin_not_allowed',
  MethodNotAllowed: 'method_not_allowed',
  PayloadTooLarge: 'payload_too_large',
  UnsupportedMediaType: 'unsupported_media_type',
  ValidationError: 'validation_error',
  RateLimited: 'rate_limited',
  NotConfigured: 'not_configured',
  StorageUnavailable: 'storage_unavailable',
  InternalError: 'internal_error',
  TooManyConnections: 'too_many_connections',
  /** A server-wide budget (request bodies being read) is spent: not the client's fault, retry. */
  ServerBusy: 'server_busy',
  UnknownType: 'unknown_type',
  /** Login with an unknown user or a wrong password (the same answer for both). */
  InvalidCredentials: 'invalid_credentials',
  /** A bearer token that is unknown, expired or revoked. */
  InvalidToken: 'invalid_token',
  /** No token where one is required (REQUIRE_AUTH, /auth/me, an account's profile). */
  AuthRequired: 'auth_required',
  /** A valid token used to act as another user. */
  Forbidden: 'forbidden',
  UsernameTaken: 'username_taken',
  EmailTaken: 'email_taken',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** WebSocket close codes (API.md "Close codes"). */
export const CloseCode = {
  Normal: 1000,
  GoingAway: 1001,
  UnsupportedData: 1003,
  Abnormal: 1006,
  PolicyViolation: 1008,
  MessageTooBig: 1009,
  TryAgainLater: 1013,
  /**
   * Missing, invalid, expired or revoked token (after accept); also closes an open socket when
   * its token is logged out (on every instance) or expires, and a tokenless socket for an account user.
   */
  Unauthorized: 4401,
  /** The token belongs to another user than the path names. */
  Forbidden: 4403,
  NotFound: 4004,
} as const;
export type CloseCode = (typeof CloseCode)[keyof typeof CloseCode];

export interface FieldError {
  field: string;
  message: string;
}

/** Every error response body. `detail` is always a human sentence. */
export interface ErrorBody {
  detail: string;
  // Clients must cope with codes newer than this file, so any string is allowed.
  // eslint-disable-next-line @typescript-eslint/no-redundant-type-constituents
  code: ErrorCode | string;
  errors?: FieldError[];
}

export interface UserDto {
  id: string;
  username: string;
  avatar_url: string | null;
  created_at: string;
  /** Seed field; equal to created_at. */
  joined_at: string;
}

export interface RoomDto {
  id: string;
  name: string;
  thumbnail_url: string | null;
  created_at: string;
  /** Member user ids. */
  users: string[];
}

export interface RoomListItemDto extends RoomDto {
  /** Users connected now. */
  online: number;
}

export interface JoinResponseDto {
  message: string;
  room_id: string;
  user_id: string;
}

/** An account's user: the usual user fields plus the account's email. */
export interface AccountUserDto extends UserDto {
  email: string;
}

/** POST /auth/signup (201) and POST /auth/login (200). */
export interface AuthResponseDto {
  user: AccountUserDto;
  /** Opaque bearer token: send `Authorization: Bearer <token>`, or `?token=` on the WebSocket. */
  token: string;
  /** When the token stops working. */
  expires_at: string;
}

export interface ProfileResponseDto {
  success: true;
  user: UserDto;
}

export interface MessageDto {
  type: 'message';
  id: string;
  room_id: string;
  user_id: string;
  username: string;
  content: string;
  avatar_url: string | null;
  timestamp: string;
  client_msg_id?: string;
}

export interface StorageHealth {
  kind: 'memory' | 'mongo' | 'postgres';
  persistent: boolean;
  ok: boolean;
  /** Set when the in-memory store's total budget has evicted messages or rooms (MEMORY_MAX_*). */
  warning?: string;
  /** Database stores: the one connection pool (chat and accounts share it). `max` is DATABASE_POOL_SIZE. */
  pool?: { max: number; open: number; idle: number; waiting: number };
}

/** Cross-instance fan-out in /health: `local` (one process) or `redis` (REDIS_URL). `ok:false` = Redis unreachable, delivering to this instance only; it does not change `status`. */
export interface FanoutHealth {
  kind: 'local' | 'redis';
  ok: boolean;
  /** This process's id in the Redis presence tables (redis only). */
  instance_id?: string;
  /** Why ok is false, in a sentence (redis only). */
  detail?: string;
  /** Since start (redis only): frames sent to / received from other instances, and not sent because Redis was down. */
  frames?: { published: number; received: number; skipped: number };
}

export interface HealthDto {
  status: 'healthy' | 'degraded';
  timestamp: string;
  version: string;
  commit: string | null;
  environment: string;
  uptime_s: number;
  storage: StorageHealth;
  fanout: FanoutHealth;
  active_rooms: number;
  active_connections: number;
  memory_rss_bytes: number;
  heap_used_bytes: number;
}

/* ---------- WebSocket frames ---------- */

export type TypingType = 'typing_start' | 'typing_stop';

export interface UserJoinedFrame {
  type: 'user_joined';
  user_id: string;
  username: string;
  avatar_url: string | null;
  message: string;
  timestamp: string;
}

export interface UserLeftFrame {
  type: 'user_left';
  user_id: string;
  username: string;
  message: string;
  timestamp: string;
}

export interface TypingFrame {
  type: TypingType;
  user_id: string;
  username: string;
  room_id: string;
  timestamp: string;
}

export interface ErrorFrame {
  type: 'error';
  // Clients must cope with codes newer than this file, so any string is allowed.
  // eslint-disable-next-line @typescript-eslint/no-redundant-type-constituents
  code: ErrorCode | string;
  detail: string;
}

export interface PongFrame {
  type: 'pong';
}

/** Everything the server ever sends. The frontend draws any other type as a chat bubble. */
export type ServerFrame = MessageDto | UserJoinedFrame | UserLeftFrame | TypingFrame | ErrorFrame | PongFrame;

export const SERVER_FRAME_TYPES: ReadonlySet<ServerFrame['type']> = new Set([
  'message',
  'user_joined',
  'user_left',
  'typing_start',
  'typing_stop',
  'error',
  'pong',
]);

/** Client chat frame: the frontend sends it with no `type`. */
export interface ChatFrame {
  type?: 'message';
  content: string;
  username?: string;
  user_id?: string;
  avatar?: string;
  client_msg_id?: string;
}

export type ClientFrame =
  | ChatFrame
  | { type: TypingType; user_id?: string; room_id?: string; timestamp?: string }
  | { type: 'keep_alive'; timestamp?: string }
  | { type: 'ping' }
  | { type: 'pong' };

/* ---------- paths ---------- */

/** Path builders, so the CLI and tests never hand-concatenate routes. */
export const paths = {
  health: () => '/health',
  users: () => '/users',
  user: (id: string) => `/users/${encodeURIComponent(id)}`,
  profile: (id: string) => `/users/${encodeURIComponent(id)}/profile`,
  rooms: () => '/rooms',
  room: (id: string) => `/rooms/${encodeURIComponent(id)}`,
  join: (id: string) => `/rooms/${encodeURIComponent(id)}/join`,
  messages: (id: string) => `/rooms/${encodeURIComponent(id)}/messages`,
  signup: () => '/auth/signup',
  login: () => '/auth/login',
  logout: () => '/auth/logout',
  me: () => '/auth/me',
  ws: (roomId: string, userId: string) => `/ws/${encodeURIComponent(roomId)}/${encodeURIComponent(userId)}`,
} as const;

/** `Date#toISOString()`: RFC 3339 UTC, milliseconds, a single `Z`. */
export const TIMESTAMP_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

export function isTimestamp(value: unknown): value is string {
  return typeof value === 'string' && TIMESTAMP_RE.test(value) && !Number.isNaN(Date.parse(value));
}
