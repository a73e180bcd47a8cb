/** ws-bad-origin, ws-unknown-room: who the socket must refuse, and how. */
import { randomUUID } from 'node:crypto';
import { WaitError, type WsClient } from '../../client/ws.ts';
import { HINTS } from '../hints.ts';
import { clip, fail, pass, skip, warn } from '../outcome.ts';
import type { StepDef } from '../types.ts';
import { chatSocketPath } from './ws-chat.ts';

/** What an accepted socket does first: sends a frame, closes, or neither within `ms`. */
async function firstSign(
  socket: WsClient,
  ms: number,
): Promise<{ frame?: string; close?: { code: number; reason: string } }> {
  return socket
    .waitFor(() => true, ms)
    .then(
      (f) => ({ frame: clip(f.text, 120) }),
      (e: unknown) => (e instanceof WaitError && e.close ? { close: e.close } : {}),
    );
}

export const wsBadOrigin: StepDef = {
  name: 'ws-bad-origin',
  title: 'a WebSocket from a disallowed origin is refused',
  needs: ['join-room'],
  async run(ctx) {
    if (!ctx.user || !ctx.room) return skip('no user or room');
    const res = await ctx.connect(
      chatSocketPath(ctx.room.id, ctx.user.id, ctx.user.name, ctx.avatarUrl),
      ctx.badOrigin,
    );
    if (!res.ok)
      return pass(res.status !== undefined ? `HTTP ${res.status}` : `refused: ${res.error ?? 'handshake failed'}`);
    // Accepted: a server that checks Origin late closes at once; one that never checks starts chatting.
    const sign = await firstSign(res.socket, Math.min(ctx.timeoutMs, 1500));
    await res.socket.close();
    const expected = `HTTP 403 for Origin ${ctx.badOrigin}`;
    if (sign.close)
      return warn(
        `101, then closed ${sign.close.code}${sign.close.reason ? ` "${sign.close.reason}"` : ''}`,
        expected,
        HINTS.badOriginLate,
      );
    return fail(
      sign.frame ? `101 and then a frame: ${sign.frame}` : '101 Switching Protocols; the socket stayed open',
      expected,
      HINTS.badOriginAccepted,
    );
  },
};

export const wsUnknownRoom: StepDef = {
  name: 'ws-unknown-room',
  title: 'a WebSocket to an unknown room closes with 4004',
  needs: ['ws-connect'],
  async run(ctx) {
    const userId = ctx.user?.id ?? randomUUID();
    const res = await ctx.connect(chatSocketPath(randomUUID(), userId, ctx.label, ctx.avatarUrl), ctx.primaryOrigin);
    const expected = 'HTTP 101, then close 4004 "Room not found"';
    if (!res.ok)
      return warn(
        res.status !== undefined ? `HTTP ${res.status} on the upgrade` : `refused: ${res.error ?? 'handshake failed'}`,
        expected,
        HINTS.unknownRoomNot4004,
      );
    const closed = await res.socket.waitForClose(ctx.timeoutMs);
    if (!closed) {
      await res.socket.close();
      return fail(`the socket stayed open for ${ctx.timeoutMs} ms`, expected, HINTS.unknownRoomOpen);
    }
    if (closed.code === 4004) return pass(`closed 4004${closed.reason ? ` "${closed.reason}"` : ''}`);
    return warn(
      `closed ${closed.code}${closed.reason ? ` "${closed.reason}"` : ''}`,
      expected,
      HINTS.unknownRoomNot4004,
    );
  },
};
