/**
 * The WebSocket side of the app: `ws` in noServer mode, admission before the handshake,
 * connection bookkeeping (total and per IP), heartbeat, and shutdown with 1001.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import { CloseCode } from '../../shared/protocol.ts';
import { upgradeRefusalReason } from '../metrics/metrics.ts';
import { Connection, type ConnectionDeps } from './connection.ts';
import { startHeartbeat } from './heartbeat.ts';
import { admit, refuseUpgrade } from './upgrade.ts';

export interface WsServer {
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  /** Close every socket with 1001 and wait (bounded) for their pending frames. */
  close(timeoutMs: number): Promise<void>;
  readonly size: number;
}

export function createWsServer(deps: Omit<ConnectionDeps, 'onGone'>): WsServer {
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

  return {
    get size() {
      return connections.size;
    },

    handleUpgrade(req, socket, head) {
      socket.on('error', () => socket.destroy());
      const admission = closing
        ? ({ ok: false, status: 503, code: 'shutting_down', detail: 'The server is shutting down; reconnect shortly' } as const)
        : admit(req, config, { total: connections.size + pending, forIp: (ip) => perIp.get(ip) ?? 0 });
      if (!admission.ok) {
        deps.metrics?.wsRefused(upgradeRefusalReason(admission.code));
        refuseUpgrade(socket, admission.status, { detail: admission.detail, code: admission.code }, log, {
          origin: req.headers.origin ?? null,
          path: req.url,
          ip: req.socket.remoteAddress,
        });
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
      wss.handleUpgrade(req, socket, head, (ws) => {
        settle();
        connections.add(new Connection(ws, target, { ...deps, onGone }));
      });
      // handleUpgrade may abort the handshake (bad headers) without calling back.
      socket.once('close', () => {
        if (settle()) releaseIp(target.ip);
      });
    },

    async close(timeoutMs) {
      closing = true;
      stopHeartbeat();
      const open = [...connections];
      await Promise.race([
        Promise.all(open.map((c) => c.drained())),
        new Promise((r) => setTimeout(r, Math.max(0, timeoutMs - 1000)).unref()),
      ]);
      const closed = open.map(
        (c) =>
          new Promise<void>((resolve) => {
            if (c.ws.readyState === c.ws.CLOSED) return resolve();
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
