/** ws-connect, ws-user-joined, ws-echo, ws-second-client: the socket the chat page opens, used like the frontend does. */
import { randomUUID } from 'node:crypto';
import { paths } from '../../../shared/protocol.ts';
import { WaitError, type ReceivedFrame, type WsClient, type WsConnectResult } from '../../client/ws.ts';
import type { VerifyContext } from '../context.ts';
import { HINTS } from '../hints.ts';
import { clip, describeResponse, fail, pass, skip, warn } from '../outcome.ts';
import type { Outcome, StepDef } from '../types.ts';

type Json = Record<string, unknown>;
const obj = (f: ReceivedFrame): Json => (f.json && typeof f.json === 'object' ? (f.json as Json) : {});
const nonEmpty = (v: unknown): boolean => (typeof v === 'string' && v.length > 0) || typeof v === 'number';

/** The chat socket URL the frontend builds: /ws/{room}/{user}?username=…&avatar_url=… */
export function chatSocketPath(roomId: string, userId: string, username: string, avatarUrl: string): string {
  return `${paths.ws(roomId, userId)}?username=${encodeURIComponent(username)}&avatar_url=${encodeURIComponent(avatarUrl)}`;
}

/** FAIL outcome for a refused or failed handshake. */
export function refusedOutcome(res: Extract<WsConnectResult, { ok: false }>): Outcome {
  const expected = 'HTTP 101 Switching Protocols';
  if (res.status === undefined)
    return fail(res.error ?? 'handshake failed', expected, /TLS/.test(res.error ?? '') ? HINTS.tls : HINTS.wsNetwork);
  const observed = describeResponse({ status: res.status, text: res.body ?? '' });
  return fail(observed, expected, res.status === 404 ? HINTS.wsRefused404 : HINTS.wsRefused403);
}

/** A short list of what a socket has received, for `observed`. */
export function receivedSummary(socket: WsClient): string {
  const parts = socket.frames.slice(-5).map((f) => {
    const j = obj(f);
    return j.type === 'error'
      ? `error(${clip(j.code ?? '')}: ${clip(j.detail ?? '')})`
      : clip(j.type ?? clip(f.text, 60));
  });
  const closed = socket.closeInfo
    ? `; closed ${socket.closeInfo.code}${socket.closeInfo.reason ? ` ${socket.closeInfo.reason}` : ''}`
    : '';
  return `received ${socket.frames.length} frame(s)${parts.length ? `: ${parts.join(', ')}` : ''}${closed}`;
}

/** Send a type-less chat frame like the frontend; returns the content and the send time. */
function sendChat(ctx: VerifyContext, socket: WsClient): { content: string; sentAtMs: number } {
  const content = `${ctx.label} ${randomUUID()}`;
  socket.send({ content, username: ctx.user?.name, user_id: ctx.user?.id });
  return { content, sentAtMs: performance.now() };
}

export const wsConnect: StepDef = {
  name: 'ws-connect',
  title: 'WebSocket /ws/{room}/{user} opens (101) from the origin',
  needs: ['join-room'],
  perOrigin: true,
  async run(ctx, origin) {
    if (!ctx.user || !ctx.room) return skip('no user or room');
    const res = await ctx.connect(chatSocketPath(ctx.room.id, ctx.user.id, ctx.user.name, ctx.avatarUrl), origin);
    if (!res.ok) return refusedOutcome(res);
    if (origin === ctx.primaryOrigin) ctx.socket = res.socket;
    else await res.socket.close();
    return pass(`101 in ${Math.round(res.ms)} ms`);
  },
};

export const wsUserJoined: StepDef = {
  name: 'ws-user-joined',
  title: 'the socket stays open and gets user_joined',
  needs: ['ws-connect'],
  async run(ctx) {
    const socket = ctx.socket;
    if (!socket || !ctx.user) return skip('no open socket');
    const userId = ctx.user.id;
    try {
      const frame = await socket.waitFor(
        (f) => obj(f).type === 'user_joined' && obj(f).user_id === userId,
        ctx.timeoutMs,
      );
      ctx.noteTimestamps('ws user_joined', frame.json, ['timestamp']);
      return pass(`user_joined for ${clip(obj(frame).username ?? userId)}`);
    } catch (err) {
      if (err instanceof WaitError && err.close) {
        return fail(
          `socket closed ${err.close.code}${err.close.reason ? ` "${err.close.reason}"` : ''} right after opening`,
          'the socket stays open',
          HINTS.wsClosedEarly,
        );
      }
      return warn(
        `no user_joined within ${ctx.timeoutMs} ms (${receivedSummary(socket)})`,
        '{"type":"user_joined","user_id":…}',
        HINTS.userJoined,
      );
    }
  },
};

export const wsEcho: StepDef = {
  name: 'ws-echo',
  title: 'a type-less chat frame is echoed to the sender',
  needs: ['ws-user-joined'],
  async run(ctx) {
    const socket = ctx.socket;
    if (!socket || !ctx.user) return skip('no open socket');
    const { content, sentAtMs } = sendChat(ctx, socket);
    ctx.sentContent = content;
    let frame: ReceivedFrame;
    try {
      frame = await socket.waitFor((f) => obj(f).content === content, ctx.timeoutMs);
    } catch {
      return fail(
        `no frame with the sent content within ${ctx.timeoutMs} ms (${receivedSummary(socket)})`,
        'a "message" frame with the same content, back to the sender',
        HINTS.echoMissing,
      );
    }
    const echo = obj(frame);
    ctx.echo = echo;
    ctx.noteTimestamps('ws echo', echo, ['timestamp']);
    if (echo.type !== 'message') return fail(`type ${clip(echo.type)}`, 'type "message"', HINTS.echoType);
    if (echo.username !== ctx.user.name)
      return fail(`username ${clip(echo.username)}`, `username ${JSON.stringify(ctx.user.name)}`, HINTS.echoIdentity);
    if (!nonEmpty(echo.id)) return fail(`id ${clip(echo.id)}`, 'a string id', HINTS.echoId);
    if (!nonEmpty(echo.avatar_url) && !nonEmpty(echo.avatar))
      return fail(`avatar_url ${clip(echo.avatar_url)}`, `avatar_url (joined with ${ctx.avatarUrl})`, HINTS.avatars);
    if (echo.timestamp === undefined)
      return fail('no timestamp', 'timestamp like 2026-11-25T10:00:00.123Z', HINTS.timestamps);
    return pass(`echo in ${Math.round(frame.atMs - sentAtMs)} ms, id ${String(echo.id)}`);
  },
};

export const wsSecondClient: StepDef = {
  name: 'ws-second-client',
  title: 'a second user in the room receives the message',
  needs: ['ws-user-joined'],
  async run(ctx) {
    const socket = ctx.socket;
    if (!socket || !ctx.user || !ctx.room) return skip('no open socket');
    const made = await ctx.request('POST', paths.users(), {
      origin: ctx.primaryOrigin,
      json: { username: `${ctx.label}-b` },
    });
    const second = made.json as Json | undefined;
    if (made.status > 299 || typeof second?.id !== 'string')
      return fail(`second user: ${describeResponse(made)}`, 'HTTP 201 with an id', HINTS.createUser);
    const secondName = typeof second.username === 'string' ? second.username : `${ctx.label}-b`;
    const joined = await ctx.request('POST', paths.join(ctx.room.id), {
      origin: ctx.primaryOrigin,
      json: { user_id: second.id, username: secondName, avatar_url: ctx.avatarUrl },
    });
    if (joined.status > 299) return fail(`second join: ${describeResponse(joined)}`, 'any 2xx', HINTS.join);
    const res = await ctx.connect(chatSocketPath(ctx.room.id, second.id, secondName, ctx.avatarUrl), ctx.primaryOrigin);
    if (!res.ok) return refusedOutcome(res);
    const other = res.socket;
    try {
      // A server announces a socket once it is in the room; sending earlier could race the registration.
      if (socket.frames.some((f) => obj(f).type === 'user_joined')) {
        await other
          .waitFor((f) => obj(f).type === 'user_joined' && obj(f).user_id === second.id, ctx.timeoutMs)
          .catch(() => undefined);
      }
      const { content, sentAtMs } = sendChat(ctx, socket);
      try {
        const frame = await other.waitFor((f) => obj(f).content === content, ctx.timeoutMs);
        const got = obj(frame);
        if (got.username !== ctx.user.name)
          return fail(
            `username ${clip(got.username)}`,
            `username ${JSON.stringify(ctx.user.name)}`,
            HINTS.echoIdentity,
          );
        return pass(`delivered in ${Math.round(frame.atMs - sentAtMs)} ms`);
      } catch {
        return fail(
          `the second client got no frame with the content within ${ctx.timeoutMs} ms (${receivedSummary(other)})`,
          'the message on every socket in the room',
          HINTS.secondClient,
        );
      }
    } finally {
      await other.close();
    }
  },
};
