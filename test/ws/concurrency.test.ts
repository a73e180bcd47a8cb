/** The seed mutates a set while iterating it; 50 sockets churning while others chat must not break us. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api } from '../helpers/http.ts';
import { OPEN_FRAME_BUDGETS, startTestServer, type TestServer } from '../helpers/server.ts';
import { openSocket, type TestSocket } from '../helpers/ws.ts';

let srv: TestServer;
beforeAll(async () => {
  srv = await startTestServer({ ...OPEN_FRAME_BUDGETS, maxConnectionsPerIp: 1000 });
});
afterAll(() => srv.close());

describe('churn while chatting', () => {
  it('50 sockets joining and leaving one room lose no message and crash nothing', async () => {
    const http = api(srv.url);
    const room = await http.room('busy');
    const chatter = await http.user('chatter');
    const listenerUser = await http.user('listener');
    const listener = await openSocket(`${srv.wsUrl}/ws/${room.id}/${listenerUser.id}`);
    const talker = await openSocket(`${srv.wsUrl}/ws/${room.id}/${chatter.id}`);
    await listener.next((f) => f.type === 'user_joined' && f.user_id === chatter.id);

    const users = await Promise.all(Array.from({ length: 50 }, (_, i) => http.user(`churn-${i}`)));
    const TOTAL = 100;
    const churn = users.map(async (u, i) => {
      const s: TestSocket = await openSocket(`${srv.wsUrl}/ws/${room.id}/${u.id}`);
      await s.next((f) => f.type === 'user_joined' && f.user_id === u.id);
      if (i % 2 === 0) s.ws.terminate();
      else await s.close();
    });
    for (let i = 0; i < TOTAL; i++) talker.send({ content: `msg-${i}`, client_msg_id: `k${i}` });
    await Promise.all(churn);
    await listener.next((f) => f.type === 'message' && f.content === `msg-${TOTAL - 1}`, 10_000);

    const got = listener.frames.filter((f) => f.type === 'message').map((f) => f.content);
    expect(got).toEqual(Array.from({ length: TOTAL }, (_, i) => `msg-${i}`));
    const stored = await http.get(`/rooms/${room.id}/messages?limit=500`);
    expect(stored.body.map((m: any) => m.content)).toEqual(got);
    const joins = listener.frames.filter((f) => f.type === 'user_joined' && users.some((u) => u.id === f.user_id));
    expect(joins).toHaveLength(50);
    const leftCount = () => listener.frames.filter((f) => f.type === 'user_left').length;
    await listener.next(() => leftCount() === 50, 10_000);
    expect(leftCount()).toBe(50);
    const health = await http.get('/health');
    expect(health.status).toBe(200);
    await talker.close();
    await listener.close();
  });

  it('frames sent the moment an echo arrives (the queue just went idle) and bursts mixed in keep their order', async () => {
    const http = api(srv.url);
    const room = await http.room('relay');
    const user = await http.user('relay');
    const s = await openSocket(`${srv.wsUrl}/ws/${room.id}/${user.id}`);
    await s.next((f) => f.type === 'user_joined');
    const ROUNDS = 30;
    const expected: string[] = [];
    let round = 0;
    const sendRound = (): void => {
      // Round r is one frame, or a burst of three on every third round.
      const n = round % 3 === 0 ? 3 : 1;
      for (let k = 0; k < n; k++) {
        const content = `r${round}-${k}`;
        expected.push(content);
        s.send({ content });
      }
      round++;
    };
    // Each round goes out from inside the message handler of the previous round's last echo.
    s.ws.on('message', (raw) => {
      const f = JSON.parse(String(raw)) as { type?: string; content?: string };
      if (f.type === 'message' && f.content === expected[expected.length - 1] && round < ROUNDS) sendRound();
    });
    sendRound();
    await s.next(
      () => s.frames.filter((f) => f.type === 'message').length === expected.length && round === ROUNDS,
      10_000,
    );
    expect(s.frames.filter((f) => f.type === 'message').map((f) => f.content)).toEqual(expected);
    const stored = await http.get(`/rooms/${room.id}/messages?limit=500`);
    expect(stored.body.map((m: any) => m.content)).toEqual(expected);
    await s.close();
  });
});
