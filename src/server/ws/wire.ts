/**
 * Broadcast frames framed once. `ws.send` builds a frame header, an options object and a
 * two-buffer write for every peer; a room broadcast sends the same bytes to all of them, so
 * the hub's payload is framed here once (RFC 6455 §5.2: FIN, text opcode, unmasked as a
 * server's frames are) and that one buffer is written to each peer's socket.
 *
 * Writing beside `ws` is sound only while `ws` itself writes synchronously and in order,
 * which holds without permessage-deflate (the server turns it off) and while its sender is
 * idle (it queues frames while it compresses or reads a Blob): `rawSocket` checks both per
 * call and otherwise returns undefined, and the caller falls back to `ws.send`.
 *
 * Why not only public API: `ws` exposes `Sender.frame()` to build frames, but no public way to
 * write bytes to a WebSocket's TCP socket, and `ws.send` re-frames the payload for every peer.
 * So this file is the one place that reads `ws` internals (`_socket`, `_sender._state`); `ws`
 * is pinned to an exact version in package.json, and test/ws/wire-internals.test.ts fails when
 * an upgrade changes what is read here (each read also falls back safely when it is missing).
 */
import { Duplex } from 'node:stream';
import type { WebSocket } from 'ws';

/** One unfragmented text frame carrying `payload` (UTF-8 JSON). */
export function textFrame(payload: Buffer): Buffer {
  const n = payload.length;
  const head = n < 126 ? 2 : n < 65_536 ? 4 : 10;
  const frame = Buffer.allocUnsafe(head + n);
  frame[0] = 0x81; // FIN + opcode 1 (text)
  if (n < 126) {
    frame[1] = n;
  } else if (n < 65_536) {
    frame[1] = 126;
    frame.writeUInt16BE(n, 2);
  } else {
    frame[1] = 127;
    frame.writeUInt32BE(Math.floor(n / 2 ** 32), 2);
    frame.writeUInt32BE(n >>> 0, 6);
  }
  payload.copy(frame, head);
  return frame;
}

let lastPayload: Buffer | undefined;
let lastFrame: Buffer = Buffer.alloc(0);

/** `textFrame`, remembered for the last payload: a broadcast hands every peer the same Buffer. */
export function framed(payload: Buffer): Buffer {
  if (payload !== lastPayload) {
    lastFrame = textFrame(payload);
    lastPayload = payload;
  }
  return lastFrame;
}

/** ws's Sender state when it writes each frame at once (lib/sender.js `DEFAULT`: nothing queued). */
export const SENDER_IDLE = 0;

/**
 * The TCP socket under an open `ws` WebSocket, when whole frames may be written to it
 * directly: no extension negotiated (permessage-deflate would make `ws` queue frames while
 * it compresses). `_socket` and `_sender` are internal to `ws`; if either is ever missing, this says so
 * and the caller keeps using `ws.send`.
 */
export function rawSocket(ws: WebSocket): Duplex | undefined {
  if (ws.extensions !== '') return undefined;
  const internals = ws as unknown as { _socket?: unknown; _sender?: { _state?: unknown } };
  if (internals._sender?._state !== SENDER_IDLE) return undefined;
  const socket = internals._socket;
  return socket instanceof Duplex ? socket : undefined;
}
