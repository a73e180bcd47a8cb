/**
 * `growth` section: do costs stay flat as the data grows? Our server on the Postgres store over
 * an almost empty database and over one seeded by bench/seed.ts (100,000 rooms, 100,000 users,
 * 1,000,000 messages, 100,000 of them in the room read here), each route driven by autocannon
 * on both, back to back. For each run it also reports the sequential scans Postgres counted on
 * the four big tables (pg_stat_user_tables): on the seeded database every route must be served
 * by index scans alone.
 */
import { randomUUID } from 'node:crypto';
import autocannon from 'autocannon';
import { setTimeout as delay } from 'node:timers/promises';
import pg from 'pg';
import { httpRequest } from '../src/cli/client/http.ts';
import { testConfig } from '../src/server/config.ts';
import { createdId } from './durable.ts';
import { freshBenchDatabase, type BenchDatabase } from './pg.ts';
import { joinRoom, ORIGIN } from './rest.ts';
import { HOT_ROOM_SENDERS, hotRoom, SEED_DEFAULTS, seedPostgres, type SeedCounts } from './seed.ts';
import type { BenchServer } from './servers.ts';

export interface GrowthRow {
  route: string;
  database: 'empty' | 'seeded';
  req_per_s: number;
  p50_ms: number;
  p99_ms: number;
  non2xx: number;
  errors: number;
  /** Sequential scans on users, rooms, room_members, messages during the run. */
  seq_scans: number;
  /** Index scans on those tables during the run. */
  idx_scans: number;
}

export interface GrowthReport {
  skipped?: string;
  error?: string;
  seed?: SeedCounts & { seconds: number };
  rows: GrowthRow[];
}

/** Route name -> how to call it for a room, a user and a message in the middle of the room's history. */
const ROUTES: Record<string, (f: Fixture) => { method: 'GET' | 'POST'; path: string; body?: () => string }> = {
  'GET /rooms': () => ({ method: 'GET', path: '/rooms' }),
  'GET /rooms/{id}': (f) => ({ method: 'GET', path: `/rooms/${f.roomId}` }),
  'GET /rooms/{id}/messages?limit=100': (f) => ({ method: 'GET', path: `/rooms/${f.roomId}/messages?limit=100` }),
  'GET …/messages?limit=100&before=': (f) => ({
    method: 'GET',
    path: `/rooms/${f.roomId}/messages?limit=100&before=${f.middleId}`,
  }),
  'GET …/messages?limit=100&after=': (f) => ({
    method: 'GET',
    path: `/rooms/${f.roomId}/messages?limit=100&after=${f.middleId}`,
  }),
  'POST /rooms/{id}/join': (f) => ({
    method: 'POST',
    path: `/rooms/${f.roomId}/join`,
    body: () => JSON.stringify({ user_id: f.userId }),
  }),
  'POST /rooms/{id}/messages': (f) => ({
    method: 'POST',
    path: `/rooms/${f.roomId}/messages`,
    body: () =>
      JSON.stringify({
        user_id: f.userId,
        content: 'bench message of a typical length, about sixty-four chars',
        client_msg_id: randomUUID(),
      }),
  }),
};

interface Fixture {
  roomId: string;
  userId: string;
  middleId: string;
}

const BIG_TABLES = "('users', 'rooms', 'room_members', 'messages')";

/** Scan counters of the big tables. Backends report their counts within about a second of going idle. */
async function scans(url: string): Promise<{ seq: number; idx: number }> {
  await delay(1500);
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ seq: string; idx: string }>(
      `SELECT COALESCE(sum(seq_scan), 0) AS seq, COALESCE(sum(idx_scan), 0) AS idx FROM pg_stat_user_tables WHERE relname IN ${BIG_TABLES}`,
    );
    return { seq: Number(rows[0]?.seq ?? 0), idx: Number(rows[0]?.idx ?? 0) };
  } finally {
    await client.end();
  }
}

async function drive(
  server: BenchServer,
  url: string,
  database: GrowthRow['database'],
  route: string,
  f: Fixture,
  seconds: number,
): Promise<GrowthRow> {
  const call = ROUTES[route]!(f);
  const before = await scans(url);
  const r = await autocannon({
    url: server.url,
    connections: 16,
    pipelining: 1,
    duration: seconds,
    requests: [
      {
        method: call.method,
        path: call.path,
        headers: { origin: ORIGIN, 'content-type': 'application/json' },
        ...(call.body ? { setupRequest: (req: Record<string, unknown>) => ({ ...req, body: call.body!() }) } : {}),
      },
    ],
  });
  const after = await scans(url);
  return {
    route,
    database,
    req_per_s: Math.round(r.requests.average),
    p50_ms: r.latency.p50,
    p99_ms: r.latency.p99,
    non2xx: r.non2xx,
    errors: r.errors + r.timeouts,
    seq_scans: after.seq - before.seq,
    idx_scans: after.idx - before.idx,
  };
}

/**
 * The almost empty database, made over HTTP, so that each route's answer has the same shape on
 * both databases and only the amount of data differs:
 * - one default page of rooms (so `GET /rooms` answers as many rooms on both; with a single
 *   room it would compare a 1-room answer with a 50-room one), each with the seed's members per
 *   room;
 * - in the room read, 300 messages worded like the seed's, written in turn by HOT_ROOM_SENDERS
 *   members with an avatar URL like the seeded users' (they join by posting), as the seeded hot
 *   room's history is: a 100-message page holds 100 senders and 100 avatar URLs on both, and
 *   the room about as many members. From one sender without an avatar, the page was smaller
 *   and its lookups all hit one cached row.
 */
async function smallFixture(server: BenchServer, counts: SeedCounts): Promise<Fixture> {
  const post = (url: string, json: unknown): Promise<string> => createdId(server, url, json);
  const users: string[] = [];
  for (let i = 1; i <= counts.membersPerRoom; i++) users.push(await post('/users', { username: `user ${i}` }));
  let roomId = '';
  for (let r = 1; r <= testConfig().roomsPageDefault; r++) {
    roomId = await post('/rooms', { name: `room ${r}` });
    for (const userId of users) await joinRoom(server, roomId, userId);
  }
  const senders: string[] = [];
  for (let i = 1; i <= HOT_ROOM_SENDERS; i++) {
    const id = await post('/users', { username: `sender ${i}` });
    await httpRequest({
      base: server.url,
      url: `/users/${id}/profile`,
      method: 'PUT',
      json: { avatar_url: `https://a.example/${i}.png` },
      origin: ORIGIN,
    });
    senders.push(id);
  }
  const ids: string[] = [];
  for (let i = 0; i < 300; i++) {
    const userId = senders[i % HOT_ROOM_SENDERS]!;
    ids.push(await post(`/rooms/${roomId}/messages`, { user_id: userId, content: `seeded message ${i}` }));
  }
  return { roomId, userId: users[0]!, middleId: ids[150]! };
}

/**
 * The whole section on the Postgres server at `base`. `start(url)` starts our server on the
 * Postgres store over that database as it is.
 */
export async function benchGrowth(
  base: string,
  start: (databaseUrl: string) => Promise<BenchServer>,
  seconds: number,
  log: (s: string) => void,
  counts: SeedCounts = SEED_DEFAULTS,
): Promise<GrowthReport> {
  const dbs: BenchDatabase[] = [];
  const servers: BenchServer[] = [];
  try {
    const empty = await freshBenchDatabase(base, 'vchat_growth_empty');
    dbs.push(empty);
    const seeded = await freshBenchDatabase(base, 'vchat_growth_seeded');
    dbs.push(seeded);
    log(`growth: seeding ${counts.rooms} rooms, ${counts.users} users, ${counts.messages} messages`);
    const seedSeconds = await seedPostgres(seeded.url, counts);
    log(`growth: seeded in ${seedSeconds} s`);
    const emptyServer = await start(empty.url);
    servers.push(emptyServer);
    const seededServer = await start(seeded.url);
    servers.push(seededServer);
    const fixtures = { empty: await smallFixture(emptyServer, counts), seeded: await hotRoom(seeded.url) };
    const rows: GrowthRow[] = [];
    const runs = {
      empty: (route: string, s: number) => drive(emptyServer, empty.url, 'empty', route, fixtures.empty, s),
      seeded: (route: string, s: number) => drive(seededServer, seeded.url, 'seeded', route, fixtures.seeded, s),
    };
    for (const [i, route] of Object.keys(ROUTES).entries()) {
      // A discarded warm-up on each (caches, JIT), then the measured runs, the order flipped every
      // other route so a drift of the shared machine does not always hit the seeded run.
      const order = i % 2 === 0 ? (['empty', 'seeded'] as const) : (['seeded', 'empty'] as const);
      log(`growth: ${route}, ${order.join(' then ')}`);
      for (const which of order) await runs[which](route, Math.max(1, seconds / 2));
      for (const which of order) rows.push(await runs[which](route, seconds));
    }
    return { seed: { ...counts, seconds: seedSeconds }, rows };
  } finally {
    for (const s of servers) await s.close();
    for (const d of dbs) await d.drop().catch(() => undefined);
  }
}
