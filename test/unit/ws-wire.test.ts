import { createRequire } from 'node:module';
import { PassThrough, Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { WebSocket } from 'ws';
import { framed, rawSocket, textFrame } from '../../src/server/ws/wire.ts';

/** ws's own frame parser (exported by ws, not declared in @types/ws), as a client: server frames are unmasked. */
const { Receiver } = createRequire(import.meta.url)('ws') as {
  Receiver: new (options: { isServer: boolean }) => Writable;
};

/** What ws's receiver makes of our bytes: each message's text and whether it was binary. */
function decode(bytes: Buffer): Promise<Array<{ text: string; binary: boolean }>> {
  const receiver = new Receiver({ isServer: false });
  const got: Array<{ text: string; binary: boolean }> = [];
  receiver.on('message', (data: Buffer, binary: boolean) => got.push({ text: data.toString('utf8'), binary }));
  return new Promise((resolve, reject) => {
    receiver.on('error', reject);
    receiver.write(bytes, () => resolve(got));
  });
}

describe('broadcast frames framed once', () => {
  it('ws decodes our text frames at every length boundary (7-, 16- and 64-bit lengths)', async () => {
    const lengths = [0, 1, 125, 126, 127, 65_535, 65_536, 70_000];
    const payloads = lengths.map((n, i) => Buffer.from('x'.repeat(Math.max(0, n - 1)) + (n > 0 ? String(i) : '')));
    const got = await decode(Buffer.concat(payloads.map(textFrame)));
    expect(got.map((m) => m.binary)).toEqual(lengths.map(() => false));
    expect(got.map((m) => m.text.length)).toEqual(lengths);
    expect(got.map((m) => m.text)).toEqual(payloads.map(String));
  });

  it('keeps UTF-8 intact and frames a repeated payload once', async () => {
    const payload = Buffer.from(JSON.stringify({ type: 'message', content: 'héllo 👋 — 日本語' }));
    const first = framed(payload);
    expect(framed(payload)).toBe(first);
    expect(framed(Buffer.from(payload))).not.toBe(first);
    expect(await decode(first)).toEqual([{ text: payload.toString('utf8'), binary: false }]);
  });

  it('writes beside ws only without negotiated extensions, and only to a real stream', () => {
    const socket = new PassThrough();
    const fake = (extensions: string, s: unknown, state = 0): WebSocket =>
      ({ extensions, _socket: s, _sender: { _state: state } }) as unknown as WebSocket;
    expect(rawSocket(fake('', socket))).toBe(socket);
    expect(rawSocket(fake('', socket, 2))).toBeUndefined();
    expect(rawSocket(fake('permessage-deflate', socket))).toBeUndefined();
    expect(rawSocket(fake('', undefined))).toBeUndefined();
    expect(rawSocket(fake('', { write() {} }))).toBeUndefined();
  });
});
