/**
 * One simulated chat user on a raw `ws` socket. Frames are handled as strings: message
 * frames are recognised by their `client_msg_id` without a full JSON.parse, so the load
 * client spends its CPU on the wire, not on parsing fan-out. (The shared WsClient in
 * client/ws.ts parses and logs every frame, which is right for checks and too slow for
 * thousands of sockets receiving fan-out.)
 */
import WebSocket from 'ws';
import { netErrorKind } from '../client/net-error.ts';
import { paths } from '../../shared/protocol.ts';
import { extractTag } from '../stats/delivery.ts';
import type { ClientSpec } from './protocol.ts';

/** Why a connection did not become usable: `upgrade_<status>`, `close_<code>`, `error_<kind>`, `timeout`. */
export type ConnectFailure = string;

/** Where and how a SimClient connects. */
export interface SimTarget {
  /** ws:// or wss:// base (no trailing slash). */
  wsBase: string;
  /** Origin header for the upgrade; null sends none. */
  origin: string | null;
  /** Extra upgrade headers (`--header`). */
  headers?: Record<string, string>;
  /** Deadline for the socket to become usable, ms. */
  timeoutMs: number;
}

export interface SimHandlers {
  /** A chat frame carrying a load-test id (its `client_msg_id`, or the nonce in its content). */
  onTagged(client: SimClient, id: string): void;
  /** Any other frame (presence, errors), already parsed. */
  onOther(client: SimClient, frame: { type?: unknown; code?: unknown; user_id?: unknown }): void;
  /** The socket closed after it was connected. */
  onClosed(client: SimClient, code: number): void;
}

export class SimClient {
  ws: WebSocket | undefined;
  /** True between the first pong and close. */
  open = false;
  seq = 0;
  /** Closed loop: messages sent and not yet echoed back. */
  inflight = 0;

  constructor(
    readonly spec: ClientSpec,
    private readonly handlers: SimHandlers,
  ) {}

  /**
   * Open the socket, send `{"type":"ping"}` and wait for the `pong` (or the client's own
   * `user_joined`, for servers without ping such as the seed's FastAPI backend): the server
   * handles a socket's frames only after it has joined the room's hub, so once either is here
   * no later broadcast can miss this client (`user_joined` alone would not do: a reconnect
   * racing its old socket's close gets none). Resolves with the connect time in ms, or
   * rejects with a ConnectFailure string.
   */
  connect(target: SimTarget): Promise<number> {
    const started = performance.now();
    const { timeoutMs } = target;
    const token = this.spec.token === undefined ? '' : `?token=${encodeURIComponent(this.spec.token)}`;
    const url = `${target.wsBase}${paths.ws(this.spec.roomId, this.spec.userId)}${token}`;
    const ws = new WebSocket(url, {
      perMessageDeflate: false,
      handshakeTimeout: timeoutMs,
      ...(target.origin ? { origin: target.origin } : {}),
      ...(target.headers ? { headers: target.headers } : {}),
    });
    this.ws = ws;
    return new Promise<number>((resolve, reject) => {
      let settled = false;
      const fail = (reason: string): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        ws.terminate();
        // The rejection value is a stats bucket name (`timeout`, `error_...`) that callers count.
        // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
        reject(reason);
      };
      const timer = setTimeout(() => fail('timeout'), timeoutMs);
      ws.on('unexpected-response', (req, res) => {
        res.resume();
        req.destroy();
        fail(`upgrade_${res.statusCode ?? 0}`);
      });
      ws.on('open', () => ws.send('{"type":"ping"}'));
      ws.on('error', (err: NodeJS.ErrnoException) => {
        const kind = netErrorKind(err);
        fail(/timeout/i.test(err.message) ? 'timeout' : `error_${kind === 'other' ? (err.code ?? 'other') : kind}`);
      });
      ws.on('close', (code) => {
        if (!settled) {
          fail(`close_${code}`);
          return;
        }
        if (this.open) {
          this.open = false;
          this.handlers.onClosed(this, code);
        }
      });
      ws.on('message', (data) => {
        const raw = String(data);
        const id = extractTag(raw);
        if (id !== undefined) {
          this.handlers.onTagged(this, id);
          return;
        }
        let frame: { type?: unknown; user_id?: unknown };
        try {
          frame = JSON.parse(raw) as typeof frame;
        } catch {
          frame = { type: 'unparseable' };
        }
        if (
          !settled &&
          (frame.type === 'pong' || (frame.type === 'user_joined' && frame.user_id === this.spec.userId))
        ) {
          settled = true;
          clearTimeout(timer);
          this.open = true;
          resolve(performance.now() - started);
          return;
        }
        this.handlers.onOther(this, frame);
      });
    });
  }

  /** Send one pre-encoded text frame; false when the socket is not open. */
  send(text: string): boolean {
    if (!this.open || !this.ws || this.ws.readyState !== WebSocket.OPEN) return false;
    this.ws.send(text);
    return true;
  }

  /** Close normally and wait (bounded) for the close handshake. */
  close(timeoutMs = 2000): Promise<void> {
    const ws = this.ws;
    this.open = false;
    if (!ws || ws.readyState === WebSocket.CLOSED) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        ws.terminate();
        resolve();
      }, timeoutMs);
      ws.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
      if (ws.readyState === WebSocket.OPEN) ws.close(1000);
      else ws.terminate();
    });
  }
}
