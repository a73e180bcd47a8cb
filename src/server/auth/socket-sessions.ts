/**
 * Which open sockets were admitted with which token, so a socket lives no longer than its
 * token: logout closes them at once (4401), expiry within a sweep interval. Transport-neutral:
 * it only needs `close(code, reason)` and a `close` event.
 */
import { CloseCode } from '../../shared/protocol.ts';

/** What a socket must offer to be watched (a `ws` WebSocket does). */
export interface WatchedSocket {
  /** 3 = closed (WebSocket.CLOSED): its `close` event has already fired. */
  readonly readyState: number;
  close(code: number, reason: string): void;
  once(event: 'close', listener: () => void): unknown;
}

/** Close reasons: the frontend shows none of them, a person reading logs or a native client does. */
export const LOGGED_OUT_REASON = 'Logged out: log in again';
export const EXPIRED_REASON = 'Session expired: log in again';

/** How often expiries are checked: "within seconds" of a token's expiry. */
export const SESSION_SWEEP_MS = 1000;
/**
 * A revocation is remembered this long, so a socket whose token check was already under way
 * when the token was revoked (here or on another instance) is closed as soon as it registers.
 */
const REMEMBER_REVOKED_MS = 60_000;

const SOCKET_CLOSED = 3;

interface Session {
  expiresAtMs: number;
  sockets: Set<WatchedSocket>;
}

export class SocketSessions {
  private readonly byToken = new Map<string, Session>();
  /** Token hash -> when it was revoked (ms, this.now clock). */
  private readonly recentlyRevoked = new Map<string, number>();
  private readonly timer: NodeJS.Timeout;

  /** `now`: ms since the epoch, the same clock tokens expire by. */
  constructor(
    private readonly now: () => number,
    sweepMs = SESSION_SWEEP_MS,
  ) {
    this.timer = setInterval(() => this.sweep(), sweepMs);
    this.timer.unref();
  }

  /** Watch a socket admitted with the token `tokenHash` until it closes. */
  add(tokenHash: string, expiresAt: Date, socket: WatchedSocket): void {
    if (socket.readyState === SOCKET_CLOSED) return; // hung up while its token was checked
    if (this.recentlyRevoked.has(tokenHash)) {
      socket.close(CloseCode.Unauthorized, LOGGED_OUT_REASON);
      return;
    }
    let session = this.byToken.get(tokenHash);
    if (!session) this.byToken.set(tokenHash, (session = { expiresAtMs: expiresAt.getTime(), sockets: new Set() }));
    session.sockets.add(socket);
    socket.once('close', () => {
      session.sockets.delete(socket);
      if (session.sockets.size === 0 && this.byToken.get(tokenHash) === session) this.byToken.delete(tokenHash);
    });
  }

  /** Close every socket of the token with 4401; returns how many were open. */
  revoke(tokenHash: string, reason = LOGGED_OUT_REASON): number {
    this.recentlyRevoked.set(tokenHash, this.now());
    const session = this.byToken.get(tokenHash);
    if (!session) return 0;
    this.byToken.delete(tokenHash);
    for (const socket of session.sockets) socket.close(CloseCode.Unauthorized, reason);
    return session.sockets.size;
  }

  /** Sockets being watched (all tokens). */
  get size(): number {
    let n = 0;
    for (const session of this.byToken.values()) n += session.sockets.size;
    return n;
  }

  close(): void {
    clearInterval(this.timer);
  }

  private sweep(): void {
    const nowMs = this.now();
    for (const [hash, session] of this.byToken) {
      if (session.expiresAtMs <= nowMs) this.revoke(hash, EXPIRED_REASON);
    }
    for (const [hash, atMs] of this.recentlyRevoked) {
      if (nowMs - atMs > REMEMBER_REVOKED_MS) this.recentlyRevoked.delete(hash);
    }
  }
}
