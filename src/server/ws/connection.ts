/**
 * One socket's life, from `start()` to the close: it wires the socket's events to the jobs
 * that live in their own modules (membership.ts: token, room, user, join and room cap;
 * early-buffer.ts: what the room says during setup; frame-queue.ts: frames in arrival order;
 * frame-budget.ts: rate limits; outbound.ts: framing, slow readers and flooders), handles each
 * frame kind, and leaves the hub once with user_left on the user's last socket.
 */
import type { WebSocket } from 'ws';
import { CloseCode, ErrorCode, type ServerFrame } from '../../shared/protocol.ts';
import type { PostResult } from '../chat.ts';
import type { RateLimitName } from '../metrics/metrics.ts';
import { StoreUnavailableError, type Member } from '../store/store.ts';
import { EarlyBuffer } from './early-buffer.ts';
import { FrameBudget, type FrameCost, type Verdict } from './frame-budget.ts';
import { FrameQueue } from './frame-queue.ts';
import { parseClientFrame, type ParsedFrame } from './frames.ts';
import type { Peer, SendResult } from './hub.ts';
import { joinMember, roomIsFull, type MembershipDeps } from './membership.ts';
import { Outbound } from './outbound.ts';
import type { WsTarget } from './upgrade.ts';

export interface ConnectionDeps extends MembershipDeps {
  onGone(conn: Connection): void;
  /** The socket went over its frame budget and is being closed 1008 (the server charges its IP). */
  onFlooded(conn: Connection): void;
}

export class Connection implements Peer {
  readonly roomId: string;
  readonly userId: string;
  /** Cleared by the heartbeat, set by a pong. */
  alive = true;
  /**
   * Who this socket is in the room (name, avatar) for typing and user_left frames: the
   * membership from setup, kept current by each posted message. Undefined until
   * setup has joined; frames wait for it.
   */
  private identity: Member | undefined;
  /**
   * The in-memory store's own membership record, once a chat message has looked it up: it is
   * updated in place and never removed, so later messages skip the lookup (Store.immediate).
   */
  private storeMember: Member | undefined;
  private inHub = false;
  private gone = false;
  /** Closed 1008 for flooding: nothing more it sent is looked at. */
  private flooded = false;
  private readonly queue: FrameQueue<ParsedFrame>;
  private readonly budget: FrameBudget;
  private readonly out: Outbound;
  private readonly early: EarlyBuffer;

  constructor(
    readonly ws: WebSocket,
    readonly target: WsTarget,
    private readonly deps: ConnectionDeps,
  ) {
    this.roomId = target.roomId;
    this.userId = target.userId;
    this.budget = new FrameBudget(deps.config);
    this.out = new Outbound(ws, deps.config.wsMaxBufferedBytes);
    this.early = new EarlyBuffer(deps.config.wsMaxBufferedBytes);
    this.queue = new FrameQueue(
      (frame) => this.handle(frame),
      (err) => deps.log.error('websocket frame failed', { room_id: this.roomId, user_id: this.userId, err }),
    );
  }

  /** Listen to the socket and run the setup (token, room, join); frames wait in the queue meanwhile. */
  start(): void {
    const { ws, deps } = this;
    ws.on('message', (data, isBinary) => this.onMessage(data as Buffer, isBinary));
    ws.on('pong', (data) => {
      this.alive = true;
      if (!this.flooded) this.paid(this.budget.pay('control', data.length), 'ws_control');
    });
    ws.on('ping', (data) => {
      if (!this.flooded) this.paid(this.budget.pay('control', data.length), 'ws_control');
    });
    ws.on('error', (err) =>
      deps.log.debug('websocket error', { room_id: this.roomId, user_id: this.userId, err: err.message }),
    );
    ws.on('close', () => this.detach());
    deps.chat.hub.addPending(this);
    this.queue.holdUntil(this.setup().finally(() => this.endPending()));
  }

  /** Peer.send: queue an encoded frame unless the socket is gone or too far behind. */
  send(data: Buffer | string): SendResult {
    if (this.gone) return 'closed';
    if (this.early.holding) return this.early.hold(data) ? 'queued' : 'slow';
    return this.out.write(data);
  }

  /** Peer.dropSlow: close 1013 and stop sending; cut the TCP connection if it stays stuck. */
  dropSlow(): void {
    if (this.gone) return;
    this.deps.metrics?.slowReaderDropped();
    this.deps.log.warn('websocket too slow, closing', {
      room_id: this.roomId,
      user_id: this.userId,
      buffered: this.ws.bufferedAmount,
    });
    this.out.closeSlow();
    this.detach();
  }

  /** Wait until every frame received so far has been handled (graceful shutdown). */
  drained(): Promise<void> {
    return this.queue.drained();
  }

  /** Leave the pending set; flush the early frames if the socket made it into the room, else drop them. */
  private endPending(): void {
    if (!this.early.holding) return;
    const early = this.early.end();
    this.deps.chat.hub.removePending(this);
    if (!this.inHub || this.gone) return;
    for (const data of early) {
      if (this.send(data) === 'slow') {
        this.dropSlow();
        return;
      }
    }
  }

  private sendFrame(frame: ServerFrame): void {
    if (this.send(JSON.stringify(frame)) === 'slow') this.dropSlow();
  }

  private async setup(): Promise<void> {
    const { chat, log, config } = this.deps;
    try {
      const member = await joinMember(this.ws, this.target, this.deps);
      if (!member) return;
      this.identity = member;
      if (this.gone || this.ws.readyState !== this.ws.OPEN) return;
      if (roomIsFull(this.deps, this.target)) {
        this.deps.metrics?.wsRefused('room_full');
        log.warn('websocket closed 1013: room full', {
          room_id: this.roomId,
          user_id: this.userId,
          cap: config.maxRoomMembersOnline,
        });
        this.ws.close(CloseCode.TryAgainLater, 'Room is full');
        return;
      }
      this.inHub = true;
      log.info('websocket accepted', { room_id: this.roomId, user_id: this.userId, origin: this.target.origin });
      // With no await in between: deliver what the room said during setup, then hub.add and
      // user_joined on the user's first socket (across instances with scale-out).
      this.endPending();
      await chat.connected(this, member);
    } catch (err) {
      const unavailable = err instanceof StoreUnavailableError;
      this.deps.metrics?.wsRefused('error');
      // A store outage is logged once by the store's OutageWatch, not per socket.
      if (unavailable)
        log.debug('websocket setup failed: storage unavailable', { room_id: this.roomId, user_id: this.userId });
      else log.error('websocket setup failed', { room_id: this.roomId, user_id: this.userId, err });
      this.ws.close(CloseCode.TryAgainLater, unavailable ? 'Storage unavailable' : 'Internal error');
    }
  }

  private onMessage(data: Buffer, isBinary: boolean): void {
    // Frames ws had already read when the socket was closed for flooding: dropped unparsed.
    if (this.flooded) return;
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
    if (frame.kind !== 'ignore') this.queue.push(frame);
  }

  /** Act on a budget verdict: true when the frame may be handled. */
  private paid(verdict: Verdict, limit: RateLimitName, isChat = false): boolean {
    if (verdict === 'ok') return true;
    this.deps.metrics?.rateLimitHit(limit);
    if (isChat) this.deps.metrics?.messageRejected(ErrorCode.RateLimited);
    if (verdict === 'close') {
      this.flooded = true;
      this.deps.onFlooded(this);
      this.out.closeFlooder();
    } else
      this.sendFrame({
        type: 'error',
        code: ErrorCode.RateLimited,
        detail: 'Too many frames; slow down (this one was dropped)',
      });
    return false;
  }

  private handle(frame: ParsedFrame): Promise<void> | void {
    if (!this.identity || this.gone) return;
    switch (frame.kind) {
      case 'invalid':
        this.deps.metrics?.messageRejected(frame.code);
        this.sendFrame({ type: 'error', code: frame.code, detail: frame.detail });
        return;
      case 'ping':
        this.sendFrame({ type: 'pong' });
        return;
      case 'typing':
        this.deps.chat.typing(frame.type, this.identity);
        return;
      case 'chat':
        return this.chat(frame.content, frame.clientMsgId);
      case 'ignore':
        return;
    }
  }

  /** Store and broadcast a chat frame: synchronously when the store allows it, else awaited. */
  private chat(content: string, clientMsgId: string | undefined): Promise<void> | void {
    const input = { roomId: this.roomId, userId: this.userId, content, clientMsgId, member: this.storeMember };
    let now: PostResult | undefined;
    try {
      now = this.deps.chat.postNow(input);
    } catch (err) {
      this.postFailed(err);
      return;
    }
    if (now) {
      this.storeMember = now.member;
      this.posted(now);
      return;
    }
    return this.deps.chat.post(input).then(
      (result) => this.posted(result),
      (err: unknown) => this.postFailed(err),
    );
  }

  private posted({ message, created, member }: PostResult): void {
    if (member) this.identity = member;
    // The store read the membership as it inserted: keep this socket's name and avatar as current.
    else if (created && this.identity)
      this.identity = { ...this.identity, username: message.username, avatar_url: message.avatar_url };
    // A retried client_msg_id: nothing was stored or broadcast; echo the original to this socket.
    if (!created) this.sendFrame(message);
  }

  private postFailed(err: unknown): void {
    const unavailable = err instanceof StoreUnavailableError;
    this.deps.metrics?.messageRejected(unavailable ? ErrorCode.StorageUnavailable : ErrorCode.InternalError);
    if (!unavailable)
      this.deps.log.error('websocket message failed', { room_id: this.roomId, user_id: this.userId, err });
    this.sendFrame({
      type: 'error',
      code: unavailable ? ErrorCode.StorageUnavailable : ErrorCode.InternalError,
      detail: unavailable
        ? 'The database cannot be reached; your message was not stored. Retry shortly.'
        : 'Your message could not be stored',
    });
  }

  /** Leave the hub once (close, slow drop or shutdown) and announce user_left on the last socket. */
  private detach(): void {
    if (this.gone) return;
    this.gone = true;
    this.endPending();
    // hub.remove + user_left on the user's last socket (across instances with scale-out).
    if (this.inHub) this.deps.chat.disconnected(this, this.identity);
    this.deps.onGone(this);
  }
}

/** The metric label of each count bucket (`vchat_rate_limit_hits_total`). */
const BUCKET_METRIC: Record<FrameCost, RateLimitName> = {
  chat: 'ws_message',
  typing: 'ws_typing',
  control: 'ws_control',
};

/** The count bucket a parsed frame draws from. */
function costOf(frame: ParsedFrame): FrameCost {
  if (frame.kind === 'typing' || frame.kind === 'ping') return 'typing';
  return frame.kind === 'ignore' ? 'control' : 'chat';
}
