/**
 * The state one verify run threads through its steps: options, one connection pool, the
 * user/room/socket created along the way, and every timestamp seen (checked at the end).
 */
import { randomBytes, randomInt } from 'node:crypto';
import type { Agent } from 'undici';
import { createPool, httpRequest, type HttpResponse } from '../client/http.ts';
import { toWsUrl, wsConnect, type WsClient, type WsConnectResult } from '../client/ws.ts';
import type { ServerInfo, VerifyOptions } from './types.ts';

/** A timestamp seen on the wire and where it came from ("POST /users created_at"). */
export interface SeenTimestamp {
  where: string;
  value: unknown;
}

/** Identity created by the run. */
export interface Entity {
  id: string;
  name: string;
}

/** The throwaway account of the --account steps, once account-signup created it. */
export interface AccountState {
  id: string;
  username: string;
  email: string;
  password: string;
  /** The sign-up token (account-me, account-socket; revoked by account-logout). */
  token: string;
}

/** `vchat_` and 6 random base36 characters: valid (3-20 of [A-Za-z0-9_]) and unlikely to exist. */
export function throwawayUsername(): string {
  return `vchat_${randomInt(36 ** 6)
    .toString(36)
    .padStart(6, '0')}`;
}

/** Shared, mutable state of one run. Steps read what earlier steps stored. */
export class VerifyContext {
  readonly api: string;
  readonly ws: string;
  readonly primaryOrigin: string;
  readonly badOrigin: string;
  readonly timeoutMs: number;
  /** `vchat-verify-<time>`: the name of the test user and room, easy to spot and clean up. */
  readonly label: string;
  /** The avatar sent on join; the echo and history must carry one. */
  readonly avatarUrl: string;
  server: ServerInfo | null = null;
  user?: Entity;
  room?: Entity;
  /** The primary origin's chat socket (opened by ws-connect). */
  socket?: WsClient;
  /** The chat frame content ws-echo sent. */
  sentContent?: string;
  /** The echoed message frame, when it arrived. */
  echo?: Record<string, unknown>;
  readonly timestamps: SeenTimestamp[] = [];
  /** --account: the username, email and password account-signup uses. */
  readonly accountName: string;
  readonly accountEmail: string;
  readonly accountPassword: string;
  /** Set by account-signup when the server created the account. */
  account?: AccountState;
  /** Other tokens the run obtained (logins); account-logout revokes them too. */
  readonly extraTokens: string[] = [];
  /** `--header`s, under each request's own headers. */
  private readonly headers: Record<string, string>;
  private readonly pool: Agent;
  private readonly sockets = new Set<WsClient>();

  constructor(options: VerifyOptions) {
    this.api = options.api;
    this.ws = options.ws ?? toWsUrl(options.api);
    this.primaryOrigin = options.origins[0] as string;
    this.badOrigin = options.badOrigin;
    this.timeoutMs = options.timeoutMs;
    this.headers = options.headers ?? {};
    const now = (options.now ?? (() => new Date()))();
    this.label = `vchat-verify-${now.toISOString().replace(/[-:]/g, '')}`;
    this.avatarUrl = `https://ui-avatars.com/api/?name=vchat-verify`;
    this.accountName = throwawayUsername();
    this.accountEmail = `${this.accountName}@verify.invalid`;
    // Meets the rules (>= 8, upper, lower, digit) whatever the random part holds.
    this.accountPassword = `Vv9-${randomBytes(12).toString('base64url')}`;
    this.pool = createPool({ keepAliveTimeoutMs: 1000 });
  }

  /** A request to the API with the given Origin (null: none), bounded by the run's timeout. */
  request(
    method: 'GET' | 'POST' | 'OPTIONS',
    path: string,
    init: { origin?: string | null; json?: unknown; headers?: Record<string, string> } = {},
  ): Promise<HttpResponse> {
    return httpRequest({
      method,
      base: this.api,
      url: path,
      origin: init.origin,
      json: init.json,
      headers: { ...this.headers, ...init.headers },
      timeoutMs: this.timeoutMs,
      dispatcher: this.pool,
    });
  }

  /** Open a WebSocket at `path` (+ query) with `origin`; open sockets are closed by `dispose`. */
  async connect(pathAndQuery: string, origin: string | null): Promise<WsConnectResult> {
    const res = await wsConnect({
      url: this.ws + pathAndQuery,
      origin,
      headers: this.headers,
      timeoutMs: this.timeoutMs,
    });
    if (res.ok) this.sockets.add(res.socket);
    return res;
  }

  /** Record timestamps found at `where` (keys that look like times) for the timestamps step. */
  noteTimestamps(where: string, value: unknown, keys: string[] = ['timestamp', 'created_at', 'joined_at']): void {
    if (!value || typeof value !== 'object') return;
    for (const key of keys) {
      const v = (value as Record<string, unknown>)[key];
      if (v !== undefined && v !== null) this.timestamps.push({ where: `${where} ${key}`, value: v });
    }
  }

  /** Close every socket and the connection pool. */
  async dispose(): Promise<void> {
    await Promise.all([...this.sockets].map((s) => s.close(1000, 'vchat verify done', 1000)));
    await this.pool.close();
  }
}
