/**
 * The WebSocket side of the app: `ws` in noServer mode, admission before the handshake,
 * connection bookkeeping (total and per IP), heartbeat, and shutdown with 1001.
 */
import type { IncomingMessage } from 'node:http';
import { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import { CloseCode, ErrorCode } from '../../shared/protocol.ts';
import { clientIp } from '../http/client-ip.ts';
import { localBudget, type CountBudget } from '../limits/creation.ts';
import { KeyedLimiter } from '../limits/token-bucket.ts';
import { upgradeRefusalReason } from '../metrics/metrics.ts';
import { Connection, type ConnectionDeps } from './connection.ts';
import { startHeartbeat } from './heartbeat.ts';
import { createRejectLog } from './reject-log.ts';
import { admit, refuseUpgrade, type Admission } from './upgrade.ts';

export interface WsServer {
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  /** Close every socket with 1001 and wait (bounded) for their pending frames. */
  close(timeoutMs: number): Promise<void>;
  readonly size: number;
}

/** `attempts`: the upgrade-attempt budget per client IP (REDIS_URL: shared by all instances); default local. */
export function createWsServer(deps: Omit<ConnectionDeps, 'onGone' | 'onFlooded'>, attempts?: CountBudget): WsServer {
  const { config, log } = deps;
  const wss = new WebSocketServer({
    noServer: true,
    clientTracking: false,
    maxPayload: config.maxFrameBytes,
    perMessageDeflate: false,
  });
  const connections = new Set<Connection>();
  const perIp = new Map<string, number>();
  let closing = false;

  /** Handshakes admitted but not finished yet; they count toward the limits. */
  let pending = 0;

  const releaseIp = (ip: string): void => {
    const n = (perIp.get(ip) ?? 1) - 1;
    if (n > 0) perIp.set(ip, n);
    else perIp.delete(ip);
  };
  const onGone = (conn: Connection): void => {
    if (connections.delete(conn)) releaseIp(conn.target.ip);
  };
  const stopHeartbeat = startHeartbeat(() => connections, config.heartbeatMs);
  /** Upgrade attempts per client IP, counted before any other check (each costs a handshake parse). */
  const attemptBudget = attempts ?? localBudget(config.wsUpgradeRate);
  /**
   * Sockets closed 1008 for flooding, per client IP (WS_ABUSE_CLOSES_*): each close takes a
   * token; while none is left that IP's upgrades are refused, so a flooder that reconnects
   * gets a few sockets and then one per refill, each cut after a bounded read. Per instance.
   */
  const flooders = new KeyedLimiter(config.wsAbuseRate);
  const rejectLog = createRejectLog(log, config.wsRejectLogPerSecond);

  /** A 429 refusal of the upgrade: `why`, then when to retry (whole seconds, at least 1). */
  const rateLimited = (waitMs: number, why: string): Admission & { retryAfterS: number } => {
    const retryAfterS = Math.max(1, Math.ceil(waitMs / 1000));
    const detail = `${why}; retry in ${retryAfterS} s`;
    return { ok: false, status: 429, code: ErrorCode.RateLimited, detail, retryAfterS };
  };

  /** Closing, over the attempt budget (`waitMs`, its answer), or admit()'s answer. */
  const decide = (req: IncomingMessage, waitMs: number): Admission & { retryAfterS?: number } => {
    if (closing)
      return {
        ok: false,
        status: 503,
        code: 'shutting_down',
        detail: 'The server is shutting down; reconnect shortly',
      };
    if (waitMs > 0) return rateLimited(waitMs, 'Too many WebSocket connection attempts from your address');
    const floodWaitMs = flooders.wait(clientIp(req, config.trustProxy));
    if (floodWaitMs > 0) return rateLimited(floodWaitMs, 'Sockets from your address were closed for flooding');
    return admit(req, config, { total: connections.size + pending, forIp: (ip) => perIp.get(ip) ?? 0 });
  };

  /** Admit or refuse the upgrade, given the attempt budget's answer. */
  const proceed = (req: IncomingMessage, socket: Duplex, head: Buffer, waitMs: number): void => {
    const admission = decide(req, waitMs);
    if (!admission.ok) {
      const { status, code, detail } = admission;
      deps.metrics?.wsRefused(upgradeRefusalReason(code));
      rejectLog.write({
        status,
        code,
        reason: detail,
        ip: req.socket.remoteAddress,
        origin: req.headers.origin,
        url: req.url,
      });
      refuseUpgrade(socket, status, { detail, code }, admission.retryAfterS);
      return;
    }
    const { target } = admission;
    // Count the connection now, so a burst of handshakes cannot overshoot the limits.
    perIp.set(target.ip, (perIp.get(target.ip) ?? 0) + 1);
    pending++;
    let settled = false;
    const settle = (): boolean => {
      if (settled) return false;
      settled = true;
      pending--;
      return true;
    };
    const onFlooded = (conn: Connection): void => {
      flooders.take(target.ip);
      // One line per flooding socket, once it is cut: what reading it cost (its IP's budget
      // bounds how many such lines one address can cause).
      conn.ws.once('close', () =>
        log.warn('websocket closed 1008: over its frame budget', {
          room_id: target.roomId,
          user_id: target.userId,
          ip: target.ip,
          bytes_read: socket instanceof Socket ? socket.bytesRead : undefined,
        }),
      );
    };
    wss.handleUpgrade(req, socket, head, (ws) => {
      settle();
      const conn = new Connection(ws, target, { ...deps, onGone, onFlooded });
      connections.add(conn);
      conn.start();
    });
    // handleUpgrade may abort the handshake (bad headers) without calling back.
    socket.once('close', () => {
      if (settle()) releaseIp(target.ip);
    });
  };

  return {
    get size() {
      return connections.size;
    },

    handleUpgrade(req, socket, head) {
      socket.on('error', () => socket.destroy());
      const waitMs = closing ? 0 : attemptBudget.take(clientIp(req, config.trustProxy));
      if (typeof waitMs === 'number') {
        proceed(req, socket, head, waitMs);
        return;
      }
      // REDIS_URL: the shared budget answers after a round trip; the client may have left meanwhile.
      // A failing budget (it falls back to local counting itself, so unexpected) does not refuse.
      waitMs.then(
        (ms) => {
          if (!socket.destroyed) proceed(req, socket, head, ms);
        },
        () => {
          if (!socket.destroyed) proceed(req, socket, head, 0);
        },
      );
    },

    async close(timeoutMs) {
      closing = true;
      stopHeartbeat();
      attemptBudget.close();
      flooders.close();
      rejectLog.close();
      const open = [...connections];
      await Promise.race([
        Promise.all(open.map((c) => c.drained())),
        new Promise((r) => setTimeout(r, Math.max(0, timeoutMs - 1000)).unref()),
      ]);
      const closed = open.map(
        (c) =>
          new Promise<void>((resolve) => {
            if (c.ws.readyState === c.ws.CLOSED) {
              resolve();
              return;
            }
            c.ws.once('close', () => resolve());
            c.ws.close(CloseCode.GoingAway, 'Server shutting down');
          }),
      );
      await Promise.race([Promise.all(closed), new Promise((r) => setTimeout(r, 1000).unref())]);
      for (const c of open) c.ws.terminate();
      wss.close();
    },
  };
}
