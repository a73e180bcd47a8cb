/**
 * One socket's life: look up room and user (4004 if unknown), auto-join, presence,
 * frames in arrival order, rate limits, slow-reader protection, and cleanup.
 */
import type { Duplex } from 'node:stream';
import type { WebSocket } from 'ws';
import { CloseCode, ErrorCode, type ServerFrame } from '../../shared/protocol.ts';
import { lenientAvatar, lenientUsername } from '../../shared/validate.ts';
import type { AuthService } from '../auth/service.ts';
import type { Chat, PostResult } from '../chat.ts';
import type { Config } from '../config.ts';
import type { Logger } from '../log.ts';
import type { RateLimitName, ServerMetrics } from '../metrics/metrics.ts';
import { StoreUnavailableError, type Member, type MemberPatch, type Store } from '../store/store.ts';
import { FrameBudget, type FrameCost, type Verdict } from './frame-budget.ts';
import { parseClientFrame, type ParsedFrame } from './frames.ts';
import type { Peer } from './hub.ts';
import type { WsTarget } from './upgrade.ts';
import { framed, rawSocket } from './wire.ts';

export interface ConnectionDeps {
  config: Config;
  store: Store;
  chat: Chat;
  log: Logger;
  /** Token checks (4401/4403 after accept); absent in bare hub tests. */
  auth?: AuthService;
  /** Present when GET /metrics is on. */
  metrics?: ServerMetrics | undefined;
  onGone(conn: Connection): void;
}

/** Buffers from the hub are UTF-8 JSON: send them as text frames, not binary. */
const TEXT_FRAME = { binary: false } as const;

/** After a slow reader is sent its 1013 close, give the close frame this long before cutting. */
const SLOW_CLOSE_GRACE_MS = 1000;

export class Connection implements Peer {
  readonly roomId: string;
  readonly userId: string;
  /** Cleared by the heartbeat, set by a pong. */
  alive = true;
  private member: Member | undefined;
  /**
   * The in-memory store's own membership record, once a chat message has looked it up: it is
   * updated in place and never removed, so later messages skip the lookup (Store.immediate).
   */
  private liveMember: Member | undefined;
  private inHub = false;
  private gone = false;
  /**
   * Frames are handled one after another, so a sender's messages keep their order: they
   * wait here while `busy` (setup, or a frame waiting for the store) runs. Everything else
   * is handled at once, and with the in-memory store that needs no promise at all.
   */
  private frames: ParsedFrame[] = [];
  private busy: Promise<void> | undefined;
  private readonly budget: FrameBudget;
  /** Where broadcast frames are written, framed once per broadcast (see wire.ts); undefined: through ws.send. */
  private readonly socket: Duplex | undefined;
  /** Frames broadcast to the room while setup runs; flushed when the socket joins the hub. */
  private early: Array<Buffer | string> | null = [];
  private earlyBytes = 0;

  constructor(
    readonly ws: WebSocket,
    readonly target: WsTarget,
    private readonly deps: ConnectionDeps,
  ) {
    this.roomId = target.roomId;
    this.userId = target.userId;
    this.budget = new FrameBudget(deps.config);
    this.socket = rawSocket(ws);
    ws.on('message', (data, isBinary) => this.onMessage(data as Buffer, isBinary));
    ws.on('pong', (data) => {
      this.alive = true;
      this.paid(this.budget.pay('control', data.length), 'ws_control');
    });
    ws.on('ping', (data) => this.paid(this.budget.pay('control', data.length), 'ws_control'));
    ws.on('error', (err) => deps.log.debug('websocket error', { room_id: this.roomId, user_id: this.userId, err: err.message }));
    ws.on('close', () => this.detach());
    deps.chat.hub.addPending(this);
    this.busy = this.setup()
      .finally(() => this.endPending())
      .then(() => this.resume());
  }

  /** Peer.send: queue an encoded frame unless the socket is gone or too far behind. */
  send(data: Buffer | string): boolean {
    if (this.gone) return true;
    if (this.early) {
      this.earlyBytes += data.length;
      this.early.push(data);
      return this.earlyBytes <= this.deps.config.wsMaxBufferedBytes;
    }
    if (this.ws.readyState !== this.ws.OPEN) return true;
    if (this.ws.bufferedAmount > this.deps.config.wsMaxBufferedBytes) return false;
    if (this.socket !== undefined && typeof data !== 'string') this.socket.write(framed(data));
    else this.ws.send(data, TEXT_FRAME);
    return true;
  }

  /** Peer.dropSlow: close 1013 and stop sending; cut the TCP connection if it stays stuck. */
  dropSlow(): void {
    if (this.gone) return;
    this.deps.metrics?.slowReaderDropped();
    this.deps.log.warn('websocket too slow, closing', { room_id: this.roomId, user_id: this.userId, buffered: this.ws.bufferedAmount });
    this.ws.close(CloseCode.TryAgainLater, 'Too slow to keep up');
    this.detach();
    setTimeout(() => this.ws.terminate(), SLOW_CLOSE_GRACE_MS).unref();
  }

  /** Leave the pending set; flush the early frames if the socket made it into the room, else drop them. */
  private endPending(): void {
    if (!this.early) return;
    const early = this.early;
    this.early = null;
    this.deps.chat.hub.removePending(this);
    if (!this.inHub || this.gone) return;
    for (const data of early) {
      if (!this.send(data)) {
        this.dropSlow();
        return;
      }
    }
  }

  /** Wait until every frame received so far has been handled (graceful shutdown). */
  async drained(): Promise<void> {
    while (this.busy) await this.busy;
  }

  private enqueue(frame: ParsedFrame): void {
    this.frames.push(frame);
    if (!this.busy) this.pump();
  }

  /**
   * Handle the queued frames in order, synchronously, until one has to wait for the store
   * (its handler returns a promise): the socket is busy until it settles, then goes on.
   */
  private pump(): void {
    for (let frame = this.frames.shift(); frame !== undefined; frame = this.frames.shift()) {
      let pending: Promise<void> | void;
      try {
        pending = this.handle(frame);
      } catch (err) {
        this.frameFailed(err);
        continue;
      }
      if (pending) {
        this.busy = pending.then(
          () => this.resume(),
          (err: unknown) => {
            this.frameFailed(err);
            this.resume();
          },
        );
        return;
      }
    }
  }

  /** What the socket was waiting for is done: on with the queue. */
  private resume(): void {
    this.busy = undefined;
    this.pump();
  }

  private frameFailed(err: unknown): void {
    this.deps.log.error('websocket frame failed', { room_id: this.roomId, user_id: this.userId, err });
  }

  private sendFrame(frame: ServerFrame): void {
    if (!this.send(JSON.stringify(frame))) this.dropSlow();
  }

  private async setup(): Promise<void> {
    const { store, chat, log } = this.deps;
    try {
      const denied = await this.deps.auth?.socketDenial(this.target.token, this.userId, this.ws);
      if (denied) {
        this.deps.metrics?.wsRefused('auth');
        log.warn(`websocket closed ${denied.code}`, { room_id: this.roomId, user_id: this.userId, reason: denied.reason });
        this.ws.close(denied.code, denied.reason);
        return;
      }
      const [room, user] = await Promise.all([store.getRoom(this.roomId), store.getUser(this.userId)]);
      if (!room || !user) {
        const reason = room ? 'User not found' : 'Room not found';
        this.deps.metrics?.wsRefused(room ? 'unknown_user' : 'unknown_room');
        log.warn('websocket closed 4004', { room_id: this.roomId, user_id: this.userId, reason });
        this.ws.close(CloseCode.NotFound, reason);
        return;
      }
      const fill: MemberPatch = {};
      const username = lenientUsername(this.target.query.get('username'));
      const avatar = lenientAvatar(this.target.query.get('avatar_url'));
      if (username !== undefined) fill.username = username;
      if (avatar !== undefined) fill.avatar_url = avatar;
      this.member = await chat.join(this.roomId, this.userId, fill, 'fill');
      if (this.gone || this.ws.readyState !== this.ws.OPEN) return;
      if (this.roomIsFull()) {
        this.deps.metrics?.wsRefused('room_full');
        log.warn('websocket closed 1013: room full', { room_id: this.roomId, user_id: this.userId, cap: this.deps.config.maxRoomMembersOnline });
        this.ws.close(CloseCode.TryAgainLater, 'Room is full');
        return;
      }
      this.inHub = true;
      log.info('websocket accepted', { room_id: this.roomId, user_id: this.userId, origin: this.target.origin });
      // With no await in between: deliver what the room said during setup, then hub.add and
      // user_joined on the user's first socket (across instances with scale-out).
      this.endPending();
      await chat.connected(this, this.member);
    } catch (err) {
      const unavailable = err instanceof StoreUnavailableError;
      this.deps.metrics?.wsRefused('error');
      // A store outage is logged once by the store's OutageWatch, not per socket.
      if (unavailable) log.debug('websocket setup failed: storage unavailable', { room_id: this.roomId, user_id: this.userId });
      else log.error('websocket setup failed', { room_id: this.roomId, user_id: this.userId, err });
      this.ws.close(CloseCode.TryAgainLater, unavailable ? 'Storage unavailable' : 'Internal error');
    }
  }

  /**
   * MAX_ROOM_ONLINE: distinct users online in this room on this instance. A user already
   * online (another tab) always gets in. Checked with no await before hub.add, so it is exact.
   */
  private roomIsFull(): boolean {
    const cap = this.deps.config.maxRoomMembersOnline;
    const hub = this.deps.chat.hub;
    return cap > 0 && hub.userSockets(this.roomId, this.userId) === 0 && hub.online(this.roomId) >= cap;
  }

  private onMessage(data: Buffer, isBinary: boolean): void {
    if (isBinary) {
      this.ws.close(CloseCode.UnsupportedData, 'Binary frames are not supported; send JSON text');
      return;
    }
    // Bytes are paid before parsing, so a flood of big frames costs no JSON.parse.
    if (!this.paid(this.budget.payBytes(data.length), 'ws_bytes')) return;
    let frame: ParsedFrame;
    try {
      frame = parseClientFrame(data.toString('utf8'));
    } catch (err) {
      // A throw here would escape into ws's receiver and the process: answer this socket only.
      this.deps.log.error('websocket frame could not be parsed', { room_id: this.roomId, user_id: this.userId, err });
      this.sendFrame({ type: 'error', code: ErrorCode.InternalError, detail: 'This frame could not be handled' });
      return;
    }
    // Rate limits are applied as frames arrive, before any queueing.
    const cost = costOf(frame);
    if (!this.paid(this.budget.payFrame(cost), BUCKET_METRIC[cost], frame.kind === 'chat')) return;
    if (frame.kind !== 'ignore') this.enqueue(frame);
  }

  /** Act on a budget verdict: true when the frame may be handled. */
  private paid(verdict: Verdict, limit: RateLimitName, isChat = false): boolean {
    if (verdict === 'ok') return true;
    this.deps.metrics?.rateLimitHit(limit);
    if (isChat) this.deps.metrics?.messageRejected(ErrorCode.RateLimited);
    if (verdict === 'close') this.ws.close(CloseCode.PolicyViolation, 'Rate limit exceeded');
    else this.sendFrame({ type: 'error', code: ErrorCode.RateLimited, detail: 'Too many frames; slow down (this one was dropped)' });
    return false;
  }

  private handle(frame: ParsedFrame): Promise<void> | void {
    if (!this.member || this.gone) return;
    switch (frame.kind) {
      case 'invalid':
        this.deps.metrics?.messageRejected(frame.code);
        this.sendFrame({ type: 'error', code: frame.code, detail: frame.detail });
        return;
      case 'ping':
        this.sendFrame({ type: 'pong' });
        return;
      case 'typing':
        this.deps.chat.typing(frame.type, this.member);
        return;
      case 'chat':
        return this.chat(frame.content, frame.clientMsgId);
      case 'ignore':
        return;
    }
  }

  /** Store and broadcast a chat frame: synchronously when the store allows it, else awaited. */
  private chat(content: string, clientMsgId: string | undefined): Promise<void> | void {
    const input = { roomId: this.roomId, userId: this.userId, content, clientMsgId, member: this.liveMember };
    let now: PostResult | undefined;
    try {
      now = this.deps.chat.postNow(input);
    } catch (err) {
      this.postFailed(err);
      return;
    }
    if (now) {
      this.liveMember = now.member;
      return this.posted(now);
    }
    return this.deps.chat.post(input).then(
      (result) => this.posted(result),
      (err: unknown) => this.postFailed(err),
    );
  }

  private posted({ message, created, member }: PostResult): void {
    this.member = member;
    // A retried client_msg_id: nothing was stored or broadcast; echo the original to this socket.
    if (!created) this.sendFrame(message);
  }

  private postFailed(err: unknown): void {
    const unavailable = err instanceof StoreUnavailableError;
    this.deps.metrics?.messageRejected(unavailable ? ErrorCode.StorageUnavailable : ErrorCode.InternalError);
    if (!unavailable) this.deps.log.error('websocket message failed', { room_id: this.roomId, user_id: this.userId, err });
    this.sendFrame({
      type: 'error',
      code: unavailable ? ErrorCode.StorageUnavailable : ErrorCode.InternalError,
      detail: unavailable ? 'The database cannot be reached; your message was not stored. Retry shortly.' : 'Your message could not be stored',
    });
  }

  /** Leave the hub once (close, slow drop or shutdown) and announce user_left on the last socket. */
  private detach(): void {
    if (this.gone) return;
    this.gone = true;
    this.endPending();
    // hub.remove + user_left on the user's last socket (across instances with scale-out).
    if (this.inHub) this.deps.chat.disconnected(this, this.member);
    this.deps.onGone(this);
  }
}

/** The metric label of each count bucket (`vchat_rate_limit_hits_total`). */
const BUCKET_METRIC: Record<FrameCost, RateLimitName> = { chat: 'ws_message', typing: 'ws_typing', control: 'ws_control' };

/** The count bucket a parsed frame draws from. */
function costOf(frame: ParsedFrame): FrameCost {
  if (frame.kind === 'typing' || frame.kind === 'ping') return 'typing';
  return frame.kind === 'ignore' ? 'control' : 'chat';
}
