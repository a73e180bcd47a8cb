/**
 * SIGTERM during traffic, against the real process (`node --import tsx src/server/main.ts`,
 * the same entry point as `npm start`): every message acknowledged by an echo is in the store
 * (checked through the API between echo and signal) and reached the other client; a request in
 * flight when the signal lands is finished; sockets see 1001; new connections are refused;
 * exit code 0 well within 10 s.
 */
import { connect } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { api } from '../helpers/http.ts';
import { OPEN_LIMITS_ENV, spawnServer, type ServerProcess } from '../helpers/process.ts';
import { rawConnect, statusOf, bodyOf } from '../helpers/raw.ts';
import { openSocket, type TestSocket } from '../helpers/ws.ts';

const procs: ServerProcess[] = [];
afterAll(() => {
  for (const p of procs) if (p.proc.exitCode === null && p.proc.signalCode === null) p.proc.kill('SIGKILL');
});

describe('SIGTERM during traffic (real process)', () => {
  it('acknowledged messages are stored and delivered, in-flight requests finish, sockets see 1001, exit 0 within 10 s', async () => {
    const proc = await spawnServer(OPEN_LIMITS_ENV);
    procs.push(proc);
    const base = proc.url;
    const port = Number(new URL(base).port);
    const wsBase = base.replace('http', 'ws');
    const http = api(base);
    const room = await http.room('shutdown');
    const [ua, ub] = await Promise.all([http.user('a'), http.user('b')]);
    const sa = await openSocket(`${wsBase}/ws/${room.id}/${ua.id}`);
    const sb = await openSocket(`${wsBase}/ws/${room.id}/${ub.id}`);
    await sa.next((f) => f.type === 'user_joined' && f.user_id === ub.id);

    // Both chat continuously until their socket closes.
    const sockets: Array<[TestSocket, string]> = [
      [sa, 'a'],
      [sb, 'b'],
    ];
    const chatting = sockets.map(async ([s, who]) => {
      for (let i = 0; s.ws.readyState === s.ws.OPEN && i < 5000; i++) {
        s.send({ content: `${who}-${i}`, client_msg_id: `${who}-${i}` });
        await new Promise((r) => setTimeout(r, 2));
      }
    });
    /** Messages a socket's own sender has seen echoed: the acknowledgement. */
    const acked = (s: TestSocket, who: string) =>
      s.frames.filter((f) => f.type === 'message' && f.content.startsWith(`${who}-`));
    await sa.next(() => acked(sa, 'a').length >= 30 && acked(sb, 'b').length >= 30, 10_000);

    // Everything acknowledged so far is in the store, fetched between echo and signal.
    const ackedBefore = [...acked(sa, 'a'), ...acked(sb, 'b')].map((f) => f.id);
    const stored = new Set(((await http.get(`/rooms/${room.id}/messages?limit=500`)).body as any[]).map((m) => m.id));
    expect(ackedBefore.filter((id) => !stored.has(id))).toEqual([]);

    // A request in flight: headers and half a body now, the rest after the signal has landed.
    const inflight = await rawConnect(port);
    const body = JSON.stringify({ user_id: ua.id, content: 'sent across the signal', client_msg_id: 'inflight' });
    await inflight.write(
      `POST /rooms/${room.id}/messages HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body.slice(0, 20)}`,
    );

    const t0 = performance.now();
    proc.proc.kill('SIGTERM');
    await proc.line((l) => l.msg === 'shutting down');
    await inflight.write(body.slice(20));
    const answer = await inflight.until((t) => statusOf(t) !== null && t.includes('}'), 5000);
    expect(statusOf(answer)).toBe(201);
    expect(bodyOf(answer).content).toBe('sent across the signal');

    // No new connections once shutting down.
    const refused = await new Promise<string>((resolve) => {
      const c = connect({ port, host: '127.0.0.1' });
      c.once('connect', () => {
        c.destroy();
        resolve('connected');
      });
      c.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? 'error'));
    });
    expect(refused).toBe('ECONNREFUSED');

    const [ca, cb] = await Promise.all([sa.closed, sb.closed]);
    expect(ca.code).toBe(1001);
    expect(cb.code).toBe(1001);
    await Promise.all(chatting);
    const exit = await proc.exited;
    expect(exit).toMatchObject({ code: 0, signal: null });
    expect(exit.atMs - t0).toBeLessThan(10_000);
    // The finished keep-alive connection is closed at once, not left to idle out and hold the exit.
    expect((await inflight.closed).atMs - t0).toBeLessThan(3000);
    expect(answer).toMatch(/\r\nConnection: close\r\n/i);

    // Every acknowledged message (before or during shutdown) reached the other client exactly once.
    for (const [sender, who, other] of [
      [sa, 'a', sb],
      [sb, 'b', sa],
    ] as const) {
      const ids = acked(sender, who).map((f) => f.id);
      const got = other.frames.filter((f) => f.type === 'message').map((f) => f.id);
      expect(ids.filter((id) => !got.includes(id))).toEqual([]);
      expect(new Set(got).size).toBe(got.length);
    }
    expect(proc.logs.some((l) => l.msg === 'stopped')).toBe(true);
    expect(proc.logs.filter((l) => l.level === 'error')).toEqual([]);
  });
});
