/**
 * Seed a Postgres database with vchat data at scale, fast: every table filled by one multi-row
 * INSERT … SELECT over generate_series on the server (no rows cross the network), in one
 * transaction with synchronous_commit off, then ANALYZE.
 *
 *   npx tsx bench/seed.ts postgres://…/db [--rooms 100000] [--users 100000] [--messages 1000000]
 *
 * The schema comes from the store's own migrations. Room 1 (oldest) is the hot room: it gets
 * `hotMessages` of the messages, written in turn by HOT_ROOM_SENDERS of its members (as a room's
 * history is); the rest are spread over all rooms; each room gets `membersPerRoom` members.
 */
import pg from 'pg';

/** Members of the hot room who write its history in turn: a 100-message page has 100 senders. */
export const HOT_ROOM_SENDERS = 100;
import { migrate } from '../src/server/store/pg-helpers.ts';

export interface SeedCounts {
  rooms: number;
  users: number;
  messages: number;
  /** Messages in the oldest room (the one the growth bench reads). */
  hotMessages: number;
  membersPerRoom: number;
}

export const SEED_DEFAULTS: SeedCounts = {
  rooms: 100_000,
  users: 100_000,
  messages: 1_000_000,
  hotMessages: 100_000,
  membersPerRoom: 3,
};

/** Fill the database at `url` (migrated first); resolves with the seconds it took. */
export async function seedPostgres(url: string, counts: SeedCounts = SEED_DEFAULTS): Promise<number> {
  const started = performance.now();
  const pool = new pg.Pool({ connectionString: url, max: 1 });
  try {
    await migrate(pool);
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      await client.query('SET LOCAL synchronous_commit = off');
      await client.query(
        `INSERT INTO users (username, avatar_url, created_at)
         SELECT 'user ' || g, 'https://a.example/' || g || '.png', now() - make_interval(secs => $1::int - g) FROM generate_series(1, $1::int) g`,
        [counts.users],
      );
      await client.query(
        `INSERT INTO rooms (name, created_at) SELECT 'room ' || g, now() - make_interval(secs => $1::int - g) FROM generate_series(1, $1::int) g`,
        [counts.rooms],
      );
      // Numbered copies of the ids, so the inserts below can pick "the n-th user/room" by index.
      await client.query(
        'CREATE TEMP TABLE seed_u ON COMMIT DROP AS SELECT id, username, row_number() OVER () AS n FROM users',
      );
      await client.query('CREATE UNIQUE INDEX ON seed_u (n)');
      await client.query(
        'CREATE TEMP TABLE seed_r ON COMMIT DROP AS SELECT id, row_number() OVER (ORDER BY seq) AS n FROM rooms',
      );
      await client.query('CREATE UNIQUE INDEX ON seed_r (n)');
      await client.query('ANALYZE seed_u; ANALYZE seed_r');
      await client.query(
        `INSERT INTO room_members (room_id, user_id, username, avatar_url)
         SELECT r.id, u.id, u.username, NULL
           FROM seed_r r CROSS JOIN generate_series(0, $1::int - 1) k
           JOIN seed_u u ON u.n = ((r.n + k * 7919) % $2::int) + 1
         ON CONFLICT DO NOTHING`,
        [counts.membersPerRoom, counts.users],
      );
      // The hot room's senders become its members; then its history, then the rest spread over
      // every room, in time order.
      await client.query(
        `INSERT INTO room_members (room_id, user_id, username, avatar_url)
         SELECT (SELECT id FROM seed_r WHERE n = 1), u.id, u.username, NULL FROM seed_u u WHERE u.n <= $1::int
         ON CONFLICT DO NOTHING`,
        [HOT_ROOM_SENDERS],
      );
      await client.query(
        `INSERT INTO messages (room_id, user_id, username, content, created_at)
         SELECT (SELECT id FROM seed_r WHERE n = 1), u.id, u.username, 'seeded message ' || g, now() - make_interval(secs => $1::int - g)
           FROM generate_series(1, $1::int) g JOIN seed_u u ON u.n = (g % $2::int) + 1`,
        [counts.hotMessages, HOT_ROOM_SENDERS],
      );
      await client.query(
        `INSERT INTO messages (room_id, user_id, username, content, created_at)
         SELECT r.id, u.id, u.username, 'seeded message ' || g, now() - make_interval(secs => $1::int - g)
           FROM generate_series(1, $1::int) g
           JOIN seed_r r ON r.n = (g % $3::int) + 1
           JOIN seed_u u ON u.n = ((g * 31) % $2::int) + 1`,
        [counts.messages - counts.hotMessages, counts.users, counts.rooms],
      );
      await client.query('COMMIT');
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
    await pool.query('ANALYZE');
  } finally {
    await pool.end();
  }
  return Math.round((performance.now() - started) / 100) / 10;
}

/** The hot room (oldest) and a message in the middle of its history, for the growth bench's cursors. */
export async function hotRoom(url: string): Promise<{ roomId: string; userId: string; middleId: string }> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ room_id: string; user_id: string; middle_id: string }>(
      `SELECT r.id::text AS room_id,
              (SELECT user_id::text FROM room_members WHERE room_id = r.id ORDER BY seq LIMIT 1) AS user_id,
              (SELECT id::text FROM messages WHERE room_id = r.id ORDER BY seq
                 OFFSET (SELECT count(*) / 2 FROM messages WHERE room_id = r.id) LIMIT 1) AS middle_id
         FROM rooms r ORDER BY r.seq LIMIT 1`,
    );
    const row = rows[0];
    if (!row?.user_id || !row.middle_id)
      throw new Error('the seeded database has no hot room with members and messages');
    return { roomId: row.room_id, userId: row.user_id, middleId: row.middle_id };
  } finally {
    await client.end();
  }
}

function parseCli(argv: string[]): { url: string; counts: SeedCounts } {
  const [url, ...rest] = argv;
  if (!url || !/^postgres(ql)?:\/\//.test(url))
    throw new Error('usage: tsx bench/seed.ts postgres://…/db [--rooms N] [--users N] [--messages N]');
  const counts = { ...SEED_DEFAULTS };
  for (let i = 0; i < rest.length; i += 2) {
    const key = rest[i]?.replace(/^--/, '') as keyof SeedCounts;
    const value = Number(rest[i + 1]);
    if (!(key in counts) || !Number.isInteger(value) || value < 1)
      throw new Error(`bad option ${rest[i]} ${rest[i + 1] ?? ''}`);
    counts[key] = value;
  }
  return { url, counts };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { url, counts } = parseCli(process.argv.slice(2));
  const seconds = await seedPostgres(url, counts);
  process.stdout.write(`seeded ${JSON.stringify(counts)} in ${seconds} s\n`);
}
