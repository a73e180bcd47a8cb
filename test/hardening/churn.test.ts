/**
 * 200 sockets joining and leaving one room while three others chat: every accepted message
 * is stored once and delivered once, in order per sender, to every socket connected
 * throughout; presence adds up; nothing crashes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api } from '../helpers/http.ts';
import { OPEN_FRAME_BUDGETS, startTestServer, type TestServer } from '../helpers/server.ts';
import { openSocket, type TestSocket } from '../helpers/ws.ts';

const CHURNERS = 200;
/** Churn sockets open at the same time, so the two cores are busy but not starved. */
const CHURN_PARALLEL = 40;
const PER_CHATTER = 60;
/** Cap per chatter, so everything fits one 500-message page even on a slow machine. */
const MAX_PER_CHATTER = 150;

let srv: TestServer;
beforeAll(async () => {
  srv = await startTestServer({ ...OPEN_FRAME_BUDGETS, maxConnectionsPerIp: 1000 });
});
afterAll(() => srv?.close());

describe('churn while chatting', () => {
  it(`${CHURNERS} sockets join and leave while 3 chat: stored once, delivered once to each steady socket`, async () => {
    const http = api(srv.url);
    const room = await http.room('churn');
    const chatterUsers = await Promise.all([0, 1, 2].map((i) => http.user(`chatter-${i}`)));
    const churnUsers = await Promise.all(Array.from({ length: CHURNERS }, (_, i) => http.user(`churn-${i}`)));
    const chatters: TestSocket[] = [];
    for (const u of chatterUsers) chatters.push(await openSocket(`${srv.wsUrl}/ws/${room.id}/${u.id}`));
    await chatters[0]!.next((f) => f.type === 'user_joined' && f.user_id === chatterUsers[2]!.id);

    // Chatters: one message each every few milliseconds for as long as the churn lasts.
    let churnDone = false;
    const sentBy = [0, 0, 0];
    const chatting = chatters.map(async (s, c) => {
      for (let i = 0; i < MAX_PER_CHATTER && (!churnDone || i < PER_CHATTER); i++) {
        s.send({ content: `c${c}-${i}`, client_msg_id: `c${c}-${i}` });
        sentBy[c] = i + 1;
        await new Promise((r) => setTimeout(r, 5));
      }
    });

    // Churners: open, wait for their own user_joined, sometimes say something, then close or vanish.
    const acked: string[] = [];
    let next = 0;
    const churnWorker = async (): Promise<void> => {
      while (next < CHURNERS) {
        const i = next++;
        const u = churnUsers[i]!;
        const s = await openSocket(`${srv.wsUrl}/ws/${room.id}/${u.id}`);
        await s.next((f) => f.type === 'user_joined' && f.user_id === u.id);
        if (i % 5 === 0) {
          s.send({ content: `churn-${i}`, client_msg_id: `k${i}` });
          await s.next((f) => f.type === 'message' && f.client_msg_id === `k${i}`);
          acked.push(`churn-${i}`);
        }
        if (i % 2 === 0) s.ws.terminate();
        else await s.close();
      }
    };
    await Promise.all(Array.from({ length: CHURN_PARALLEL }, churnWorker));
    churnDone = true;
    await Promise.all(chatting);

    const expectedCount = sentBy[0]! + sentBy[1]! + sentBy[2]! + acked.length;
    // One page of history holds them all.
    expect(expectedCount).toBeLessThanOrEqual(500);
    const messages = (s: TestSocket) => s.frames.filter((f) => f.type === 'message');
    for (const s of chatters) {
      await s.next(() => messages(s).length >= expectedCount, 10_000);
    }
    // Stored once: every chatter message and every acknowledged churn message, no duplicates.
    const stored = (await http.get(`/rooms/${room.id}/messages?limit=500`)).body as any[];
    expect(stored).toHaveLength(expectedCount);
    expect(new Set(stored.map((m) => m.id)).size).toBe(expectedCount);
    const storedContents = stored.map((m) => m.content);
    for (let c = 0; c < 3; c++) {
      // Per sender, in the order sent.
      expect(storedContents.filter((x) => x.startsWith(`c${c}-`))).toEqual(
        Array.from({ length: sentBy[c]! }, (_, i) => `c${c}-${i}`),
      );
    }
    expect(storedContents.filter((x) => x.startsWith('churn-')).sort()).toEqual([...acked].sort());

    // Delivered once, in store order, to each socket connected throughout.
    for (const s of chatters) {
      expect(messages(s).map((m) => m.id)).toEqual(stored.map((m) => m.id));
    }

    // Presence adds up: every churner joined once and left once; the three remain.
    const steady = chatters[0]!;
    const leftCount = () => steady.frames.filter((f) => f.type === 'user_left').length;
    await steady.next(() => leftCount() >= CHURNERS, 10_000);
    expect(steady.frames.filter((f) => f.type === 'user_joined' && f.username.startsWith('churn-'))).toHaveLength(
      CHURNERS,
    );
    expect(leftCount()).toBe(CHURNERS);
    expect(srv.app.hub.activeConnections).toBe(3);
    expect((await http.get(`/rooms/${room.id}`)).body.online).toBe(3);
    expect((await http.get('/health')).status).toBe(200);
    await Promise.all(chatters.map((s) => s.close()));
  });
});
