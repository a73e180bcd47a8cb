/**
 * Scale-out in one process: two apps sharing one store, each with its own Redis fan-out
 * (separate connections, separate instance ids), Redis behind a proxy we can cut.
 * Needs only VCHAT_TEST_REDIS_URL; the multi-process suite (processes.test.ts) adds Postgres.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type App } from '../../src/server/app.ts';
import { testConfig } from '../../src/server/config.ts';
import { createLogger } from '../../src/server/log.ts';
import { startScaleOut, type ScaleOut } from '../../src/server/scale/index.ts';
import { MemoryStore } from '../../src/server/store/memory.ts';
import { api } from '../helpers/http.ts';
import { openSocket, type TestSocket } from '../helpers/ws.ts';
import { REDIS_URL, redisProxy, uniquePrefix, waitUntil, type Proxy } from './helpers.ts';

interface Instance {
  url: string;
  wsUrl: string;
  app: App;
  scale: ScaleOut;
}

const maybe = REDIS_URL ? describe : describe.skip;
const title = REDIS_URL
  ? 'scale-out in one process (two apps, one Redis)'
  : 'scale-out in one process: SKIPPED, VCHAT_TEST_REDIS_URL is not set (.ci/redis.sh start_redis)';

maybe(title, () => {
  const store = new MemoryStore();
  const instances: Instance[] = [];
  const sockets: TestSocket[] = [];
  let proxy: Proxy;
  let a: Instance;
  let b: Instance;
  let roomId: string;
  const users: Record<string, string> = {};

  async function start(): Promise<Instance> {
    const config = testConfig({
      redisUrl: proxy.url,
      redisPrefix: prefix,
      redisPresenceTtlMs: 1500,
      rateLimitRead: { perSecond: 100_000, burst: 100_000 },
      rateLimitWrite: { perSecond: 100_000, burst: 100_000 },
    });
    const scale = (await startScaleOut(config, createLogger('silent'))) as ScaleOut;
    const app = createApp({ config, store, fanout: (hub) => scale.fanout(hub) });
    const { port } = await app.listen();
    const inst = { url: `http://127.0.0.1:${port}`, wsUrl: `ws://127.0.0.1:${port}`, app, scale };
    instances.push(inst);
    return inst;
  }
  const prefix = uniquePrefix();
  const fanoutOk = async (inst: Instance): Promise<boolean> =>
    (await api(inst.url).get('/health')).body.fanout?.ok === true;
  const open = async (inst: Instance, user: string): Promise<TestSocket> => {
    const s = await openSocket(`${inst.wsUrl}/ws/${roomId}/${users[user]}`);
    sockets.push(s);
    return s;
  };
  const ofType = (s: TestSocket, type: string) => s.frames.filter((f) => f.type === type);
  const onlineEverywhere = async (n: number): Promise<boolean> => {
    for (const inst of instances) {
      const rooms = (await api(inst.url).get('/rooms')).body as Array<{ id: string; online: number }>;
      if (rooms.find((r) => r.id === roomId)?.online !== n) return false;
    }
    return true;
  };

  beforeAll(async () => {
    proxy = await redisProxy(REDIS_URL as string);
    await store.init();
    a = await start();
    b = await start();
    await waitUntil('both fan-outs up', async () => (await fanoutOk(a)) && (await fanoutOk(b)));
    const http = api(a.url);
    roomId = (await http.room('scale')).id;
    for (const name of ['u1', 'u2', 'u3']) users[name] = (await http.user(name)).id;
  });

  afterAll(async () => {
    for (const s of sockets) await s.close();
    for (const inst of instances) {
      await inst.app.close();
      await inst.scale.close();
    }
    await proxy?.close();
  });

  it('announces presence once across instances and counts online users across them', async () => {
    const u1 = await open(a, 'u1');
    await u1.next((f) => f.type === 'user_joined' && f.user_id === users.u1);
    const u2 = await open(b, 'u2');
    // u1 sits on A and sees u2 join on B: the event crossed Redis.
    await u1.next((f) => f.type === 'user_joined' && f.user_id === users.u2);
    await u2.next((f) => f.type === 'user_joined' && f.user_id === users.u2);
    const u3a = await open(a, 'u3');
    await u2.next((f) => f.type === 'user_joined' && f.user_id === users.u3);
    const u3b = await open(b, 'u3'); // second socket, other instance: no second user_joined
    await waitUntil('online 3 on both', () => onlineEverywhere(3));
    // A frame after u3b's setup, from B: once it arrives, any second user_joined would have too.
    u2.send({ type: 'typing_start' });
    await u1.next((f) => f.type === 'typing_start' && f.user_id === users.u2);
    await u3a.next((f) => f.type === 'typing_start');
    for (const s of [u1, u2, u3a])
      expect(ofType(s, 'user_joined').filter((f) => f.user_id === users.u3)).toHaveLength(1);
    expect(ofType(u2, 'typing_start')).toHaveLength(0); // typing goes to the others only
    expect((await api(b.url).get(`/rooms/${roomId}`)).body.online).toBe(3);
    expect(u3b.frames.filter((f) => f.type === 'user_joined' && f.user_id === users.u3)).toHaveLength(0);
  });

  it('delivers every message exactly once to every socket, whichever instance holds it', async () => {
    const [u1, u2, u3a, u3b] = sockets as [TestSocket, TestSocket, TestSocket, TestSocket];
    const senders = [u1, u2, u3a, u3b];
    const perSender = 15;
    for (let i = 0; i < perSender; i++)
      for (const [k, s] of senders.entries()) s.send({ content: `m${k}-${i}`, client_msg_id: `c${k}-${i}` });
    // REST fallback on B for a user whose sockets are on A.
    const rest = await api(b.url).post(`/rooms/${roomId}/messages`, { user_id: users.u1, content: 'via rest' });
    expect(rest.status).toBe(201);
    const total = senders.length * perSender + 1;
    for (const s of senders)
      await waitUntil('all messages', () => new Set(ofType(s, 'message').map((f) => f.id)).size >= total);
    // Markers: each sender's marker arrives after anything it sent before, on every path.
    for (const [k, s] of senders.entries()) s.send({ content: `end${k}` });
    for (const s of senders)
      await waitUntil(
        'markers',
        () => ofType(s, 'message').filter((f) => String(f.content).startsWith('end')).length === senders.length,
      );
    const ids = (s: TestSocket) => ofType(s, 'message').map((f) => f.id as string);
    for (const s of senders) {
      expect(ids(s)).toHaveLength(new Set(ids(s)).size); // no duplicates
      expect(new Set(ids(s))).toEqual(new Set(ids(u1)));
      expect(ids(s)).toHaveLength(total + senders.length);
    }
    const history = (await api(a.url).get(`/rooms/${roomId}/messages?limit=500`)).body as Array<{ id: string }>;
    expect(new Set(history.map((m) => m.id))).toEqual(new Set(ids(u1)));
  });

  it('degrades to same-instance delivery while Redis is down, with a /health warning, and recovers', async () => {
    const [u1, u2] = sockets as [TestSocket, TestSocket];
    await proxy.cut();
    const health = await waitUntil('fanout not ok', async () => {
      const res = await api(a.url).get('/health');
      return res.body.fanout?.ok === false ? res : null;
    });
    expect(health.status).toBe(200); // storage is fine: status stays healthy, fanout warns
    expect(health.body.status).toBe('healthy');
    expect(health.body.fanout).toMatchObject({ kind: 'redis', ok: false });
    expect(health.body.fanout.detail).toMatch(/this instance only/);
    const before = health.body.fanout.frames;

    u1.send({ content: 'during outage' });
    await u1.next((f) => f.content === 'during outage'); // same instance: delivered
    u2.send({ content: 'b during outage' });
    await u2.next((f) => f.content === 'b during outage');
    expect(u2.frames.some((f) => f.content === 'during outage')).toBe(false);
    expect((await api(a.url).get('/health')).body.fanout.frames.skipped).toBeGreaterThan(before.skipped);
    // Presence falls back to each instance's own sockets.
    expect((await api(a.url).get(`/rooms/${roomId}`)).body.online).toBe(2);

    await proxy.restore();
    await waitUntil('fanout ok again', async () => (await fanoutOk(a)) && (await fanoutOk(b)), 15_000);
    await waitUntil('online 3 again after resync', () => onlineEverywhere(3));
    u1.send({ content: 'after outage' });
    await u2.next((f) => f.content === 'after outage');
    expect(u2.frames.some((f) => f.content === 'during outage')).toBe(false); // pub/sub does not replay
  });

  it('a hung Redis (connected, not answering) is detected by the heartbeat; sockets still connect and chat locally', async () => {
    const [u1, u2] = sockets as [TestSocket, TestSocket];
    proxy.freeze();
    try {
      const health = await waitUntil('stalled', async () => {
        const res = await api(a.url).get('/health');
        return res.body.fanout?.ok === false ? res : null;
      });
      expect(health.body.fanout.detail).toMatch(/not answering/);
      // A new socket is not held up by the hung Redis: presence answers locally.
      const extra = await open(a, 'u1');
      u1.send({ content: 'while hung' });
      await extra.next((f) => f.content === 'while hung');
      await extra.close();
    } finally {
      proxy.thaw();
    }
    await waitUntil('fanout ok again', async () => (await fanoutOk(a)) && (await fanoutOk(b)), 15_000);
    u1.send({ content: 'after the hang' });
    await u2.next((f) => f.content === 'after the hang');
    expect(u2.frames.some((f) => f.content === 'while hung')).toBe(false); // not queued to arrive late
    await waitUntil('online 3 after the hang', () => onlineEverywhere(3));
  });

  it('SIGTERM handover: a draining instance leaves presence to the reaper, so movers do not flap and the rest are announced gone', async () => {
    const [u1] = sockets as [TestSocket];
    for (const name of ['u4', 'u5']) users[name] = (await api(a.url).user(name)).id;
    const c = await start();
    await waitUntil('C up', () => fanoutOk(c));
    const u4 = await open(c, 'u4');
    await u1.next((f) => f.type === 'user_joined' && f.user_id === users.u4);
    const u5 = await open(c, 'u5');
    await u1.next((f) => f.type === 'user_joined' && f.user_id === users.u5);
    c.scale.drain(); // what main.ts does on SIGTERM, before app.close()
    await c.app.close();
    expect((await u4.closed).code).toBe(1001);
    await u5.closed;
    await c.scale.close();
    instances.splice(instances.indexOf(c), 1);
    const u4again = await open(a, 'u4'); // the frontend reconnects; the LB picks A
    await u1.next((f) => f.type === 'user_left' && f.user_id === users.u5, 8000); // reaped after the TTL
    expect(ofType(u1, 'user_left').filter((f) => f.user_id === users.u4)).toHaveLength(0);
    expect(ofType(u1, 'user_joined').filter((f) => f.user_id === users.u4)).toHaveLength(1);
    await waitUntil('online: u1, u2, u3 (x2), u4', () => onlineEverywhere(4));
    await u4again.close();
    await u1.next((f) => f.type === 'user_left' && f.user_id === users.u4);
  });

  it('user_left only when the last socket anywhere closes', async () => {
    const [u1, u2, u3a, u3b] = sockets as [TestSocket, TestSocket, TestSocket, TestSocket];
    await waitUntil('online 3', () => onlineEverywhere(3));
    await u3a.close();
    await waitUntil('online still 3', () => onlineEverywhere(3));
    u2.send({ type: 'typing_stop' }); // a later frame from B to A: a user_left would be before it
    await u1.next((f) => f.type === 'typing_stop');
    expect(ofType(u1, 'user_left').filter((f) => f.user_id === users.u3)).toHaveLength(0);
    await u3b.close();
    await u1.next((f) => f.type === 'user_left' && f.user_id === users.u3);
    await u2.next((f) => f.type === 'user_left' && f.user_id === users.u3);
    await waitUntil('online 2', () => onlineEverywhere(2));
    expect(ofType(u1, 'user_left').filter((f) => f.user_id === users.u3)).toHaveLength(1);
  });
});
