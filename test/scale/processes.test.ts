/**
 * Scale-out with real processes: three `node --import tsx src/server/main.ts` children on
 * port 0, one fresh Postgres database, one Redis (behind a proxy we can cut). Clients spread
 * across them chat in one room; one instance is killed with SIGKILL mid-run; Redis goes away
 * and comes back. Needs VCHAT_TEST_DATABASE_URL and VCHAT_TEST_REDIS_URL (.ci/run, .ci/redis.sh).
 */
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshPgDatabase, type TestDatabase } from '../store/databases.ts';
import { api } from '../helpers/http.ts';
import { openSocket, type TestSocket } from '../helpers/ws.ts';
import { OPEN_LIMITS_ENV } from '../helpers/process.ts';
import {
  DATABASE_URL,
  REDIS_URL,
  redisProxy,
  spawnServer,
  uniquePrefix,
  waitUntil,
  type Child,
  type Proxy,
} from './helpers.ts';

const missing = [!DATABASE_URL && 'VCHAT_TEST_DATABASE_URL', !REDIS_URL && 'VCHAT_TEST_REDIS_URL'].filter(Boolean);
const maybe = missing.length ? describe.skip : describe;
const title = missing.length
  ? `scale-out across processes: SKIPPED, ${missing.join(' and ')} not set (.ci/run starts Postgres, .ci/redis.sh starts Redis)`
  : 'scale-out across processes (3 instances, Postgres, Redis)';

/** A frontend-like client: resends unacknowledged messages (same client_msg_id) after reconnecting. */
class Client {
  sock!: TestSocket;
  /** Every frame from every socket this client had, in arrival order. */
  readonly frames: any[] = [];
  readonly pending = new Map<string, string>();
  readonly acked = new Set<string>();
  private seq = 0;
  constructor(
    readonly name: string,
    readonly userId: string,
    readonly roomId: string,
  ) {}
  async connect(inst: Child): Promise<void> {
    this.sock = await openSocket(`${inst.wsUrl}/ws/${this.roomId}/${this.userId}`);
    this.sock.ws.on('message', (data) => {
      const f = JSON.parse(String(data));
      this.frames.push(f);
      if (f.type === 'message' && f.user_id === this.userId && f.client_msg_id) {
        this.pending.delete(f.client_msg_id);
        this.acked.add(f.client_msg_id);
      }
    });
    for (const [id, content] of this.pending) this.sock.send({ content, client_msg_id: id });
  }
  say(content = `${this.name}-${this.seq}`): string {
    const id = `${this.name}-${this.seq++}`;
    this.pending.set(id, content);
    if (this.sock && this.sock.ws.readyState === this.sock.ws.OPEN) this.sock.send({ content, client_msg_id: id });
    return id;
  }
  messages(): any[] {
    return this.frames.filter((f) => f.type === 'message');
  }
  of(type: string, userId?: string): any[] {
    return this.frames.filter((f) => f.type === type && (userId === undefined || f.user_id === userId));
  }
}

maybe(title, () => {
  const prefix = uniquePrefix();
  let db: TestDatabase | undefined;
  let dbUrl: string;
  let proxy: Proxy;
  let redis: ReturnType<typeof createClient>;
  const servers: Child[] = [];
  const clients: Client[] = [];
  let roomId: string;

  const env = (): Record<string, string> => ({
    DATABASE_URL: dbUrl,
    REDIS_URL: proxy.url,
    REDIS_PREFIX: prefix,
    REDIS_PRESENCE_TTL_MS: '2000',
    ...OPEN_LIMITS_ENV,
    LOG_LEVEL: 'info', // the harness waits for the 'listening' line
  });
  const online = async (inst: Child): Promise<number> =>
    ((await api(inst.url).get('/rooms')).body as Array<{ id: string; online: number }>).find((r) => r.id === roomId)
      ?.online ?? -1;
  const onlineOn = async (insts: Child[], n: number): Promise<boolean> => {
    for (const inst of insts) if ((await online(inst)) !== n) return false;
    return true;
  };
  const fanoutOk = async (inst: Child): Promise<boolean> =>
    (await api(inst.url).get('/health')).body.fanout?.ok === true;

  beforeAll(async () => {
    db = await freshPgDatabase(DATABASE_URL as string, 'vchat_scale');
    dbUrl = db.url;
    proxy = await redisProxy(REDIS_URL as string);
    redis = createClient({ url: REDIS_URL as string });
    redis.on('error', () => undefined);
    await redis.connect();
    // The first instance applies the migrations; the other two start together (advisory lock).
    servers.push(await spawnServer(env()));
    servers.push(...(await Promise.all([spawnServer(env()), spawnServer(env())])));
    await waitUntil(
      'fan-out up everywhere',
      async () => (await Promise.all(servers.map(fanoutOk))).every(Boolean),
      15_000,
    );
    const http = api(servers[0]!.url);
    roomId = (await http.room('scale-out')).id;
    for (let i = 0; i < 7; i++) clients.push(new Client(`c${i}`, (await http.user(`c${i}`)).id, roomId));
  }, 60_000);

  afterAll(async () => {
    for (const c of clients) await c.sock?.close();
    await Promise.all(servers.map((s) => s.stop()));
    await redis?.quit().catch(() => undefined);
    await proxy?.close();
    await db?.drop().catch(() => undefined);
  }, 30_000);

  it('announces each user once, whichever instance their socket is on, and counts them everywhere', async () => {
    // c0..c5 two per instance; c6 only on the instance that will be killed.
    for (const [i, c] of clients.entries()) {
      await c.connect(servers[i === 6 ? 2 : i % 3]!);
      for (const earlier of clients.slice(0, i + 1))
        await earlier.sock.next((f) => f.type === 'user_joined' && f.user_id === c.userId);
    }
    await waitUntil('7 online on every instance', () => onlineOn(servers, 7));
    for (const c of clients)
      for (const other of clients) expect(c.of('user_joined', other.userId).length).toBeLessThanOrEqual(1);
  });

  it('delivers every message exactly once to every client', async () => {
    const ids = clients.flatMap((c) => Array.from({ length: 10 }, () => c.say()));
    for (const c of clients)
      await waitUntil(`${c.name} got all`, () => ids.every((id) => c.messages().some((m) => m.client_msg_id === id)));
    for (const c of clients) {
      const got = c.messages().map((m) => m.client_msg_id);
      expect(got).toHaveLength(ids.length);
      expect(new Set(got)).toEqual(new Set(ids));
    }
  });

  it('kill -9 one instance mid-run: its clients reconnect elsewhere, history has no gaps or duplicates, its lone user is announced gone', async () => {
    const [a, b, c] = servers as [Child, Child, Child];
    const movers = clients.filter((_, i) => i % 3 === 2 && i !== 6); // c2, c5 on C
    const lone = clients[6]!;
    const survivors = clients.filter((cl) => !movers.includes(cl) && cl !== lone);
    const before = new Map(clients.map((cl) => [cl, cl.messages().length]));
    // Everyone keeps talking while C dies.
    let talking = true;
    const chatter = (async () => {
      while (talking) {
        for (const cl of [...survivors, ...movers]) cl.say();
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    await waitUntil('some traffic', () => survivors[0]!.messages().length > (before.get(survivors[0]!) ?? 0) + 20);
    c.proc.kill('SIGKILL');
    await c.exited;
    await Promise.all(movers.map((m) => m.sock.closed));
    await Promise.all(movers.map((m, i) => m.connect(i % 2 ? a : b)));
    await waitUntil('movers talking again', () => movers.every((m) => m.acked.size > 15));
    talking = false;
    await chatter;
    // Everything said is eventually acknowledged (retries carry the same client_msg_id).
    await waitUntil('all acked', () => clients.every((cl) => cl.pending.size === 0), 15_000);

    // Survivors reap C after its heartbeat TTL: the lone user is gone, the movers were never "left".
    await waitUntil('C reaped', async () => (await redis.sCard(`${prefix}:presence:instances`)) === 2, 10_000);
    for (const s of survivors) await s.sock.next((f) => f.type === 'user_left' && f.user_id === lone.userId, 5000);
    await waitUntil('6 online on survivors', () => onlineOn([a, b], 6));
    for (const s of survivors) for (const m of movers) expect(s.of('user_left', m.userId)).toHaveLength(0);

    // History: every acknowledged client_msg_id exactly once, each sender's messages in order.
    const history = (await api(a.url).get(`/rooms/${roomId}/messages?limit=500`)).body as Array<{
      id: string;
      user_id: string;
      client_msg_id?: string;
    }>;
    const all = clients.flatMap((cl) => [...cl.acked]);
    expect(history.length).toBeLessThan(500);
    const inHistory = history.map((m) => m.client_msg_id);
    expect(inHistory).toHaveLength(new Set(inHistory).size);
    expect(new Set(inHistory)).toEqual(new Set(all));
    for (const cl of clients) {
      const mine = history
        .filter((m) => m.user_id === cl.userId)
        .map((m) => Number(String(m.client_msg_id).split('-')[1]));
      expect(mine).toEqual([...mine].sort((x, y) => x - y));
    }
    // Live delivery: survivors never saw a duplicate.
    for (const s of survivors) {
      const got = s.messages().map((m) => m.id);
      expect(got).toHaveLength(new Set(got).size);
    }
  }, 40_000);

  it('a Redis outage degrades to same-instance delivery with a /health warning, and recovers', async () => {
    const [a, b] = servers as [Child, Child];
    const onA = clients.find((cl) => cl.name === 'c0')!;
    const onB = clients.find((cl) => cl.name === 'c1')!;
    await proxy.cut();
    await waitUntil('warning on both', async () => !(await fanoutOk(a)) && !(await fanoutOk(b)));
    const health = await api(a.url).get('/health');
    expect(health.status).toBe(200);
    expect(health.body).toMatchObject({
      status: 'healthy',
      storage: { ok: true },
      fanout: { kind: 'redis', ok: false },
    });
    const id = onA.say('while redis is down');
    await waitUntil('acked on A', () => onA.acked.has(id));
    const idB = onB.say('B while redis is down');
    await waitUntil('acked on B', () => onB.acked.has(idB));
    expect(onB.messages().some((m) => m.client_msg_id === id)).toBe(false);

    await proxy.restore();
    await waitUntil('fan-out back', async () => (await fanoutOk(a)) && (await fanoutOk(b)), 15_000);
    await waitUntil('6 online again on both', () => onlineOn([a, b], 6));
    const after = onA.say('redis is back');
    await waitUntil('crosses again', () => onB.messages().some((m) => m.client_msg_id === after));
  }, 30_000);

  it('SIGTERM exits 0 and hands its sockets over: no user_left flap for a client that reconnects', async () => {
    const [a, b] = servers as [Child, Child];
    const onA = clients.find((cl) => cl.name === 'c0')!;
    const onB = clients.find((cl) => cl.name === 'c1')!;
    const closed = onB.sock.closed;
    await b.stop();
    expect((await b.exited).code).toBe(0);
    expect((await closed).code).toBe(1001);
    expect(b.logs.some((l) => String(l.msg).includes('left for the TTL reaper'))).toBe(true);
    await onB.connect(a);
    const id = onB.say('back on A');
    await waitUntil('acked', () => onB.acked.has(id));
    await waitUntil('B reaped', async () => (await redis.sCard(`${prefix}:presence:instances`)) === 1, 10_000);
    onA.say('sentinel');
    await waitUntil('sentinel', () => onB.messages().some((m) => m.content === 'sentinel'));
    expect(onA.of('user_left', onB.userId)).toHaveLength(0);
    // B's other clients (c4, and c2 which had moved there) did not come back: announced gone.
    expect(await online(a)).toBe(4);
    await onA.sock.next((f) => f.type === 'user_left' && f.user_id === clients[4]!.userId, 5000);
  }, 30_000);
});
