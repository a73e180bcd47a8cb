/**
 * The only reader of process.env. Every default lives in DEFAULTS (those the CLI also knows
 * are taken from LIMITS in shared/protocol.ts); `loadConfig` reports every bad variable at once. Tests build configs with `testConfig()` and never set env.
 */
import { LIMITS } from '../shared/protocol.ts';
import { packageVersion } from '../shared/version.ts';
import { parseOriginList, type OriginPolicy } from './http/cors.ts';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';

export interface StorageConfig {
  kind: 'memory' | 'mongo' | 'postgres';
  /** Connection string for mongo/postgres. */
  url?: string;
  /** Which env var selected it (logged at startup). */
  source?: string;
}

export interface RateConfig {
  /** Tokens added per second. */
  perSecond: number;
  /** Bucket size. */
  burst: number;
}

export interface Config {
  host: string;
  port: number;
  version: string;
  commit: string | null;
  environment: string;
  /** True on Railway or with NODE_ENV=production: warn about the in-memory store. */
  production: boolean;
  logLevel: LogLevel;
  origins: OriginPolicy;
  /** Accept WebSocket upgrades without an Origin header (native clients). */
  wsAllowNoOrigin: boolean;
  /** Take the client IP from the last X-Forwarded-For hop. */
  trustProxy: boolean;
  storage: StorageConfig;
  /** Connections in the one pool per database (Postgres or MongoDB; accounts and chat share it). */
  databasePoolSize: number;
  redisUrl: string | null;
  /** Namespace for every Redis key and channel (several deployments can share one Redis). */
  redisPrefix: string;
  /** An instance whose heartbeat key is older than this is dead; survivors clean up its presence. */
  redisPresenceTtlMs: number;
  /** Newest messages kept per room by the in-memory store. */
  historyLimit: number;
  maxBodyBytes: number;
  maxFrameBytes: number;
  rateLimitWrite: RateConfig;
  rateLimitRead: RateConfig;
  wsMessageRate: RateConfig;
  wsTypingRate: RateConfig;
  /** keep_alive, pong and protocol ping/pong frames per socket. */
  wsControlRate: RateConfig;
  /** Bytes of frames of every kind per socket (tokens are bytes). */
  wsByteRate: RateConfig;
  /** WebSocket upgrade attempts per client IP, refused or not. */
  wsUpgradeRate: RateConfig;
  /** GET /health per client IP: generous, so platform checks and monitors never see a 429. */
  healthRate: RateConfig;
  /** Refused-upgrade log lines per second; the rest are counted in one "suppressed" line. */
  wsRejectLogPerSecond: number;
  /** Test-only: SIGUSR2 raises this fault so the crash policy can be tested; refused in production. */
  testFault: 'exception' | 'rejection' | null;
  /** Rate-limit strikes on one socket before it is closed 1008. */
  wsRateStrikes: number;
  /** Bytes of refused frames one socket may send (refilled at the byte rate); past it, close 1008. */
  wsStrikeBytes: number;
  /**
   * Sockets closed 1008 for flooding, per client IP: a bucket of `burst` closes refilled at
   * `perSecond`; while it is empty, upgrades from that IP are refused 429.
   */
  wsAbuseRate: RateConfig;
  /** Protocol ping interval; a socket that missed one pong is terminated. */
  heartbeatMs: number;
  /** Send buffer above which a slow reader is closed 1013. */
  wsMaxBufferedBytes: number;
  maxConnections: number;
  maxConnectionsPerIp: number;
  /** 0 = no cap. */
  maxRoomMembersOnline: number;
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  keepAliveTimeoutMs: number;
  shutdownTimeoutMs: number;
  /** Writes (POST/PUT…) and WebSockets need a valid account token; reads stay open. */
  requireAuth: boolean;
  /** Lifetime of a login token. */
  tokenTtlDays: number;
  /** Login and sign-up attempts per client IP. */
  loginRateIp: RateConfig;
  /** Login attempts per account (username and email share it), or per unknown name tried. */
  loginRateUser: RateConfig;
  /** Public origin of this API (`https://api.example.com`) for absolute URLs such as thumbnail_url; null: from the request. */
  publicUrl: string | null;
  /** Rooms in a GET /rooms page without `limit`. */
  roomsPageDefault: number;
  /** Largest `limit` GET /rooms accepts. */
  roomsPageMax: number;
  /** Request-body bytes being read at once from one client IP (per instance). */
  maxBodyBytesInFlightPerIp: number;
  /** Request-body bytes being read at once from everyone (per instance). */
  maxBodyBytesInFlight: number;
  /** Open TCP connections (HTTP and WebSocket) from one client address; not applied behind TRUST_PROXY. */
  maxTcpConnectionsPerIp: number;
  /** Open TCP connections in total (server.maxConnections). */
  maxTcpConnections: number;
  /** Rooms created per client IP (and per account) per hour. */
  roomCreateRate: RateConfig;
  /** Users created per client IP per hour. */
  userCreateRate: RateConfig;
  /** In-memory store: most messages kept across all rooms; past it the oldest message anywhere goes. */
  memoryMaxMessages: number;
  /** In-memory store: most rooms; past it the least recently active room goes. */
  memoryMaxRooms: number;
  /** In-memory store: approximate bytes of messages, rooms and thumbnails; past it the oldest messages go, then rooms. */
  memoryMaxBytes: number;
  /** METRICS_TOKEN: GET /metrics needs `Authorization: Bearer <token>`; null: no token asked. */
  metricsToken: string | null;
  /** METRICS_PORT: serve /metrics on this port only (0: any free port, tests); null: not on a port of its own. */
  metricsPort: number | null;
}

/** GET /metrics exists at all: a token or a port of its own was configured. */
export function metricsEnabled(config: Config): boolean {
  return config.metricsToken !== null || config.metricsPort !== null;
}

/** A metrics token shorter than this is refused at startup (it guards an endpoint on the public port). */
export const MIN_METRICS_TOKEN_LENGTH = 16;

export const DEFAULT_ORIGINS =
  'http://localhost:3000,https://video-chat-frontend-seven.vercel.app,' +
  'https://video-chat-frontend-iio886s1j-dalkirks-projects.vercel.app,' +
  'https://video-chat-frontend-*-dalkirks-projects.vercel.app';

const DEFAULTS = {
  host: '0.0.0.0',
  port: 8000,
  logLevel: 'info' as LogLevel,
  historyLimit: 10_000,
  databasePoolSize: 10,
  maxBodyBytes: LIMITS.maxBodyBytes,
  maxFrameBytes: LIMITS.maxFrameBytes,
  rateLimitWrite: { perSecond: 20, burst: 40 },
  rateLimitRead: { perSecond: 50, burst: 100 },
  wsMessageRate: LIMITS.chatFramesPerSocket,
  wsTypingRate: { perSecond: 10, burst: 10 },
  wsControlRate: { perSecond: 2, burst: 10 },
  wsByteRate: { perSecond: 64 * 1024, burst: 256 * 1024 },
  wsUpgradeRate: { perSecond: 10, burst: 100 },
  healthRate: { perSecond: 20, burst: 100 },
  wsRejectLogPerSecond: 10,
  testFault: null as Config['testFault'],
  wsRateStrikes: 20,
  wsStrikeBytes: 256 * 1024,
  wsAbuseRate: { perSecond: 6 / 60, burst: 3 },
  heartbeatMs: 30_000,
  wsMaxBufferedBytes: 1024 * 1024,
  maxConnections: 10_000,
  maxConnectionsPerIp: 100,
  maxRoomMembersOnline: 0,
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  keepAliveTimeoutMs: 5_000,
  shutdownTimeoutMs: 10_000,
  redisPrefix: 'vchat',
  redisPresenceTtlMs: 15_000,
  requireAuth: false,
  tokenTtlDays: 30,
  loginRateIp: { perSecond: 20 / 60, burst: 20 },
  loginRateUser: { perSecond: 5 / 60, burst: 10 },
  roomsPageDefault: 50,
  roomsPageMax: 100,
  maxBodyBytesInFlightPerIp: 4 * 1024 * 1024,
  maxBodyBytesInFlight: 64 * 1024 * 1024,
  maxTcpConnectionsPerIp: 256,
  maxTcpConnections: 12_000,
  roomCreateRate: { perSecond: 30 / 3600, burst: 30 },
  userCreateRate: { perSecond: 120 / 3600, burst: 120 },
  memoryMaxMessages: 200_000,
  memoryMaxRooms: 10_000,
  memoryMaxBytes: 128 * 1024 * 1024,
};

export class ConfigError extends Error {
  override name = 'ConfigError';
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
  }
}

/** A complete config for tests and embedding: defaults, quiet logs, port 0 on loopback. */
export function testConfig(overrides: Partial<Config> = {}): Config {
  return {
    ...DEFAULTS,
    host: '127.0.0.1',
    port: 0,
    version: packageVersion(),
    commit: null,
    environment: 'test',
    production: false,
    logLevel: 'silent',
    origins: parseOriginList(DEFAULT_ORIGINS).policy,
    wsAllowNoOrigin: false,
    trustProxy: false,
    storage: { kind: 'memory' },
    redisUrl: null,
    redisPrefix: DEFAULTS.redisPrefix,
    redisPresenceTtlMs: DEFAULTS.redisPresenceTtlMs,
    publicUrl: null,
    metricsToken: null,
    metricsPort: null,
    ...overrides,
  };
}

type Env = Record<string, string | undefined>;

/** Read and check every variable; throws one ConfigError naming all problems. */
export function loadConfig(env: Env = process.env): Config {
  const problems: string[] = [];
  const int = (name: string, fallback: number, min = 0, max = Number.MAX_SAFE_INTEGER): number => {
    const raw = env[name];
    if (raw === undefined || raw.trim() === '') return fallback;
    const n = Number(raw);
    if (!/^\s*\d+\s*$/.test(raw) || n < min || n > max) {
      problems.push(`${name}=${JSON.stringify(raw)} must be a whole number from ${min} to ${max}`);
      return fallback;
    }
    return n;
  };
  const bool = (name: string, fallback: boolean): boolean => {
    const raw = env[name]?.trim().toLowerCase();
    if (raw === undefined || raw === '') return fallback;
    if (['1', 'true', 'yes', 'on'].includes(raw)) return true;
    if (['0', 'false', 'no', 'off'].includes(raw)) return false;
    problems.push(`${name}=${JSON.stringify(env[name])} must be true or false`);
    return fallback;
  };
  const rate = (prefix: string, fallback: RateConfig): RateConfig => ({
    perSecond: int(`${prefix}_PER_S`, fallback.perSecond, 1),
    burst: int(`${prefix}_BURST`, fallback.burst, 1),
  });

  /** `${prefix}_PER_MIN` and `${prefix}_BURST`: slow buckets (login attempts) counted per minute. */
  const perMinute = (prefix: string, fallback: RateConfig): RateConfig => ({
    perSecond: int(`${prefix}_PER_MIN`, Math.round(fallback.perSecond * 60), 1) / 60,
    burst: int(`${prefix}_BURST`, fallback.burst, 1),
  });

  /** `${prefix}_PER_HOUR`: creation budgets, a bucket of one hour's allowance refilled evenly. */
  const perHour = (name: string, fallback: RateConfig): RateConfig => {
    const n = int(name, fallback.burst, 1);
    return { perSecond: n / 3600, burst: n };
  };

  const onRailway = Boolean(env.RAILWAY_ENVIRONMENT);
  const production = onRailway || env.NODE_ENV === 'production';
  // Development logs every socket error and Redis reconnect attempt; production starts at info.
  const logLevel = (env.LOG_LEVEL?.trim().toLowerCase() || (production ? DEFAULTS.logLevel : 'debug')) as LogLevel;
  if (!['debug', 'info', 'warn', 'error', 'silent'].includes(logLevel)) {
    problems.push(`LOG_LEVEL=${JSON.stringify(env.LOG_LEVEL)} must be one of debug, info, warn, error, silent`);
  }

  const origins = parseOriginList(env.ALLOWED_ORIGINS?.trim() ? env.ALLOWED_ORIGINS : DEFAULT_ORIGINS);
  problems.push(...origins.problems.map((p) => `ALLOWED_ORIGINS: ${p}`));

  const storage = pickStorage(env, problems);
  const redisUrl = env.REDIS_URL?.trim() || null;
  if (redisUrl && !/^rediss?:\/\//.test(redisUrl)) problems.push('REDIS_URL must start with redis:// or rediss://');

  const config: Config = {
    host: env.HOST?.trim() || DEFAULTS.host,
    port: int('PORT', DEFAULTS.port, 0, 65535),
    version: packageVersion(),
    commit: env.RAILWAY_GIT_COMMIT_SHA?.trim() || env.SOURCE_COMMIT?.trim() || env.GIT_COMMIT?.trim() || null,
    environment: env.RAILWAY_ENVIRONMENT?.trim() || env.NODE_ENV?.trim() || 'development',
    production,
    logLevel,
    origins: origins.policy,
    wsAllowNoOrigin: bool('WS_ALLOW_NO_ORIGIN', false),
    trustProxy: bool('TRUST_PROXY', onRailway),
    storage,
    databasePoolSize: int('DATABASE_POOL_SIZE', DEFAULTS.databasePoolSize, 1, 1000),
    redisUrl,
    redisPrefix: env.REDIS_PREFIX?.trim() || DEFAULTS.redisPrefix,
    redisPresenceTtlMs: int('REDIS_PRESENCE_TTL_MS', DEFAULTS.redisPresenceTtlMs, 1000, 600_000),
    historyLimit: int('HISTORY_LIMIT', DEFAULTS.historyLimit, 1),
    maxBodyBytes: int('MAX_BODY_BYTES', DEFAULTS.maxBodyBytes, 1024),
    maxFrameBytes: int('MAX_FRAME_BYTES', DEFAULTS.maxFrameBytes, 1024),
    rateLimitWrite: rate('RATE_LIMIT_WRITE', DEFAULTS.rateLimitWrite),
    rateLimitRead: rate('RATE_LIMIT_READ', DEFAULTS.rateLimitRead),
    wsMessageRate: rate('WS_MESSAGE_RATE', DEFAULTS.wsMessageRate),
    wsTypingRate: rate('WS_TYPING_RATE', DEFAULTS.wsTypingRate),
    wsControlRate: rate('WS_CONTROL_RATE', DEFAULTS.wsControlRate),
    wsByteRate: rate('WS_BYTE_RATE', DEFAULTS.wsByteRate),
    wsUpgradeRate: rate('WS_UPGRADE_RATE', DEFAULTS.wsUpgradeRate),
    healthRate: rate('HEALTH_RATE', DEFAULTS.healthRate),
    wsRejectLogPerSecond: int('WS_REJECT_LOG_PER_S', DEFAULTS.wsRejectLogPerSecond, 1),
    testFault: testFault(env, onRailway || env.NODE_ENV === 'production', problems),
    wsRateStrikes: int('WS_RATE_STRIKES', DEFAULTS.wsRateStrikes, 1),
    wsStrikeBytes: int('WS_STRIKE_BYTES', DEFAULTS.wsStrikeBytes, 1),
    wsAbuseRate: perMinute('WS_ABUSE_CLOSES', DEFAULTS.wsAbuseRate),
    heartbeatMs: int('HEARTBEAT_MS', DEFAULTS.heartbeatMs, 1000),
    wsMaxBufferedBytes: int('WS_MAX_BUFFERED_BYTES', DEFAULTS.wsMaxBufferedBytes, 1024),
    maxConnections: int('MAX_CONNECTIONS', DEFAULTS.maxConnections, 1),
    maxConnectionsPerIp: int('MAX_CONNECTIONS_PER_IP', DEFAULTS.maxConnectionsPerIp, 1),
    maxRoomMembersOnline: int('MAX_ROOM_ONLINE', DEFAULTS.maxRoomMembersOnline, 0),
    headersTimeoutMs: int('HEADERS_TIMEOUT_MS', DEFAULTS.headersTimeoutMs, 100),
    requestTimeoutMs: int('REQUEST_TIMEOUT_MS', DEFAULTS.requestTimeoutMs, 100),
    keepAliveTimeoutMs: int('KEEP_ALIVE_TIMEOUT_MS', DEFAULTS.keepAliveTimeoutMs, 100),
    shutdownTimeoutMs: int('SHUTDOWN_TIMEOUT_MS', DEFAULTS.shutdownTimeoutMs, 100),
    requireAuth: bool('REQUIRE_AUTH', DEFAULTS.requireAuth),
    tokenTtlDays: int('TOKEN_TTL_DAYS', DEFAULTS.tokenTtlDays, 1, 3650),
    loginRateIp: perMinute('LOGIN_RATE_IP', DEFAULTS.loginRateIp),
    loginRateUser: perMinute('LOGIN_RATE_USER', DEFAULTS.loginRateUser),
    publicUrl: publicOrigin(env.PUBLIC_URL, problems),
    roomsPageDefault: int('ROOMS_PAGE_DEFAULT', DEFAULTS.roomsPageDefault, 1, 1000),
    roomsPageMax: int('ROOMS_PAGE_MAX', DEFAULTS.roomsPageMax, 1, 1000),
    maxBodyBytesInFlightPerIp: int('MAX_BODY_BYTES_IN_FLIGHT_PER_IP', DEFAULTS.maxBodyBytesInFlightPerIp, 1024),
    maxBodyBytesInFlight: int('MAX_BODY_BYTES_IN_FLIGHT', DEFAULTS.maxBodyBytesInFlight, 1024),
    maxTcpConnectionsPerIp: int('MAX_TCP_CONNECTIONS_PER_IP', DEFAULTS.maxTcpConnectionsPerIp, 1),
    maxTcpConnections: int('MAX_TCP_CONNECTIONS', DEFAULTS.maxTcpConnections, 1),
    roomCreateRate: perHour('ROOMS_PER_HOUR', DEFAULTS.roomCreateRate),
    userCreateRate: perHour('USERS_PER_HOUR', DEFAULTS.userCreateRate),
    memoryMaxMessages: int('MEMORY_MAX_MESSAGES', DEFAULTS.memoryMaxMessages, 1),
    memoryMaxRooms: int('MEMORY_MAX_ROOMS', DEFAULTS.memoryMaxRooms, 1),
    memoryMaxBytes: int('MEMORY_MAX_BYTES', DEFAULTS.memoryMaxBytes, 1024 * 1024),
    metricsToken: env.METRICS_TOKEN?.trim() || null,
    metricsPort: env.METRICS_PORT?.trim() ? int('METRICS_PORT', 0, 1, 65535) : null,
  };
  if (config.roomsPageDefault > config.roomsPageMax) {
    problems.push(
      `ROOMS_PAGE_DEFAULT (${config.roomsPageDefault}) must not be larger than ROOMS_PAGE_MAX (${config.roomsPageMax})`,
    );
  }
  if (config.metricsToken !== null && config.metricsToken.length < MIN_METRICS_TOKEN_LENGTH) {
    problems.push(`METRICS_TOKEN must be at least ${MIN_METRICS_TOKEN_LENGTH} characters (try: openssl rand -hex 24)`);
  }
  if (config.metricsPort !== null && config.metricsPort === config.port) {
    problems.push(`METRICS_PORT (${config.metricsPort}) must differ from PORT: /metrics gets a listener of its own`);
  }
  if (config.headersTimeoutMs > config.requestTimeoutMs) {
    // node:http refuses this combination at startup with a less helpful RangeError.
    problems.push(
      `HEADERS_TIMEOUT_MS (${config.headersTimeoutMs}) must not be larger than REQUEST_TIMEOUT_MS (${config.requestTimeoutMs})`,
    );
  }
  if (config.wsByteRate.burst < config.maxFrameBytes) {
    // A frame larger than the whole byte burst could never be accepted.
    problems.push(
      `WS_BYTE_RATE_BURST (${config.wsByteRate.burst}) must be at least MAX_FRAME_BYTES (${config.maxFrameBytes})`,
    );
  }
  if (config.wsStrikeBytes < config.maxFrameBytes) {
    // Below one frame, a single refused frame would close the socket: no warning frame first.
    problems.push(
      `WS_STRIKE_BYTES (${config.wsStrikeBytes}) must be at least MAX_FRAME_BYTES (${config.maxFrameBytes})`,
    );
  }
  if (problems.length) throw new ConfigError(problems);
  return config;
}

/** PUBLIC_URL as a bare origin (`https://host[:port]`, no path), or null when unset. */
function publicOrigin(raw: string | undefined, problems: string[]): string | null {
  const value = raw?.trim().replace(/\/+$/, '');
  if (!value) return null;
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (!url || !/^https?:$/.test(url.protocol) || url.pathname !== '/' || url.search || url.hash || url.username) {
    problems.push(
      `PUBLIC_URL=${JSON.stringify(raw)} must be this API's public origin, like https://api.example.com (no path)`,
    );
    return null;
  }
  return url.origin;
}

/** VCHAT_TEST_FAULT (test-only): `exception` or `rejection`, raised on SIGUSR2; refused in production. */
function testFault(env: Env, production: boolean, problems: string[]): Config['testFault'] {
  const raw = env.VCHAT_TEST_FAULT?.trim();
  if (!raw) return null;
  if (production) {
    problems.push(
      'VCHAT_TEST_FAULT is for tests only and cannot be set in production (NODE_ENV=production or on Railway)',
    );
    return null;
  }
  if (raw === 'exception' || raw === 'rejection') return raw;
  problems.push(`VCHAT_TEST_FAULT=${JSON.stringify(raw)} must be exception or rejection (test-only)`);
  return null;
}

function pickStorage(env: Env, problems: string[]): StorageConfig {
  const mongoVar = ['MONGODB_URI', 'MONGO_URL', 'MONGODB_URL'].find((name) => env[name]?.trim());
  const pgUrl = env.DATABASE_URL?.trim();
  if (mongoVar && pgUrl) {
    problems.push(
      `both ${mongoVar} (MongoDB) and DATABASE_URL (Postgres) are set; vchat will not guess which database holds your data. Unset one of them.`,
    );
    return { kind: 'memory' };
  }
  if (mongoVar) {
    const url = (env[mongoVar] as string).trim();
    if (!/^mongodb(\+srv)?:\/\/[^/?#]+/.test(url)) {
      problems.push(`${mongoVar} must be a mongodb:// or mongodb+srv:// connection string`);
    }
    return { kind: 'mongo', url, source: mongoVar };
  }
  if (pgUrl) {
    if (!/^postgres(ql)?:\/\//.test(pgUrl))
      problems.push('DATABASE_URL must be a postgres:// or postgresql:// connection string');
    return { kind: 'postgres', url: pgUrl, source: 'DATABASE_URL' };
  }
  return { kind: 'memory' };
}
