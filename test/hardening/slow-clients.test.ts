/**
 * Slow and dead clients: a reader that stops reading is closed 1013 once its send buffer
 * passes WS_MAX_BUFFERED_BYTES, and the room's broadcast to everyone else carries on; a
 * client that stops answering protocol pings is terminated after one missed pong, and the
 * room hears user_left.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { Socket } from 'node:net';
import { api } from '../helpers/http.ts';
import { ORIGIN, OPEN_FRAME_BUDGETS, startTestServer, type TestServer } from '../helpers/server.ts';
import { openSocket } from '../helpers/ws.ts';

/** Four-byte code points: near the largest chat message in bytes (about 20 KB on the wire). */
const BIG = '😀'.repeat(4990);

describe('slow reader', () => {
  let srv: TestServer;
  beforeAll(async () => {
    srv = await startTestServer({ ...OPEN_FRAME_BUDGETS, wsMaxBufferedBytes: 256 * 1024 });
  });
  afterAll(() => srv?.close());

  it('a client that never reads is closed 1013 while the others keep receiving everything', async () => {
    const http = api(srv.url);
    const room = await http.room('slow');
    const [slowU, senderU, watcherU] = await Promise.all([
      http.user('slow'),
      http.user('sender'),
      http.user('watcher'),
    ]);
    const watcher = await openSocket(`${srv.wsUrl}/ws/${room.id}/${watcherU.id}`);
    const sender = await openSocket(`${srv.wsUrl}/ws/${room.id}/${senderU.id}`);
    const slow = await openSocket(`${srv.wsUrl}/ws/${room.id}/${slowU.id}`);
    await watcher.next((f) => f.type === 'user_joined' && f.user_id === slowU.id);
    await slow.next((f) => f.type === 'user_joined' && f.user_id === slowU.id);
    const tcp = (slow.ws as unknown as { _socket: Socket })._socket;
    tcp.pause();

    // Keep the room busy, in batches the watcher confirms, until the server drops the slow reader.
    let sent = 0;
    const startedMs = performance.now();
    while (srv.app.hub.activeConnections === 3) {
      if (sent >= 3000 || performance.now() - startedMs > 20_000)
        throw new Error(`slow reader never dropped after ${sent} messages`);
      for (let i = 0; i < 20; i++) sender.send({ content: `${sent++} ${BIG}` });
      const last = sent - 1;
      await watcher.next((f) => f.type === 'message' && f.content.startsWith(`${last} `), 5000);
    }
    // The room heard the slow user leave; the other two stay connected.
    await watcher.next((f) => f.type === 'user_left' && f.user_id === slowU.id);
    expect(srv.app.hub.activeConnections).toBe(2);

    // Traffic after the drop still reaches the watcher, promptly.
    const t0 = performance.now();
    sender.send({ content: 'after the drop' });
    await watcher.next((f) => f.type === 'message' && f.content === 'after the drop', 2000);
    expect(performance.now() - t0).toBeLessThan(500);
    // The watcher got every message, in order, exactly once.
    const got = watcher.frames.filter((f) => f.type === 'message').map((f) => Number.parseInt(f.content, 10));
    expect(got.slice(0, sent)).toEqual(Array.from({ length: sent }, (_, i) => i));

    // The paused client learns of it once it reads again: 1013 if the close frame got through,
    // 1006 if the server had to cut the connection after its grace period.
    tcp.resume();
    const closed = await slow.closed;
    expect([1013, 1006]).toContain(closed.code);
    await sender.close();
    await watcher.close();
  });
});

describe('heartbeat', () => {
  let srv: TestServer;
  beforeAll(async () => {
    srv = await startTestServer({ heartbeatMs: 200 });
  });
  afterAll(() => srv?.close());

  it('a client that does not answer pings is terminated and user_left is sent; a healthy one stays', async () => {
    const http = api(srv.url);
    const room = await http.room('heartbeat');
    const [muteU, watcherU] = await Promise.all([http.user('mute'), http.user('watcher')]);
    const watcher = await openSocket(`${srv.wsUrl}/ws/${room.id}/${watcherU.id}`);
    const mute = new WebSocket(`${srv.wsUrl}/ws/${room.id}/${muteU.id}`, { origin: ORIGIN, autoPong: false });
    let pings = 0;
    mute.on('ping', () => pings++);
    const muteClosed = new Promise<number>((resolve) => mute.on('close', (code) => resolve(code)));
    await watcher.next((f) => f.type === 'user_joined' && f.user_id === muteU.id);
    const t0 = performance.now();

    const left = await watcher.next((f) => f.type === 'user_left' && f.user_id === muteU.id, 3000);
    expect(left.username).toBe('mute');
    // Terminated (no close handshake) after one unanswered ping: within about two intervals.
    expect(await muteClosed).toBe(1006);
    expect(pings).toBeGreaterThanOrEqual(1);
    expect(performance.now() - t0).toBeLessThan(1500);

    // The watcher (ws answers pings by itself) has lived through several intervals and is fine.
    watcher.send({ type: 'ping' });
    await watcher.next((f) => f.type === 'pong');
    expect(watcher.ws.readyState).toBe(WebSocket.OPEN);
    expect(srv.app.hub.activeConnections).toBe(1);
    await watcher.close();
  });
});
