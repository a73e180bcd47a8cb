/**
 * The store contract on PostgresStore, in a fresh database per run. Runs when
 * VCHAT_TEST_DATABASE_URL is set, e.g. by `bash .ci/run`; skipped with the reason otherwise.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { PostgresStore } from '../../src/server/store/postgres.ts';
import { storeContract } from './contract.ts';
import { freshPgDatabase, PG_SKIP, PG_URL, type TestDatabase } from './databases.ts';

const pgUrl = PG_URL;
if (pgUrl) {
  let db: Promise<TestDatabase> | undefined;
  storeContract('postgres', async () => {
    db ??= freshPgDatabase(pgUrl);
    return new PostgresStore({ url: (await db).url });
  });
  afterAll(async () => {
    await (await db)?.drop();
  });
} else {
  describe(`postgres store — ${PG_SKIP}`, () => {
    it.skip(PG_SKIP, () => {});
  });
}

describe.skipIf(!pgUrl)(pgUrl ? 'postgres migrations' : `postgres migrations — ${PG_SKIP}`, () => {
  it('several instances starting together apply the schema once (advisory lock), and a restart applies nothing', async () => {
    const fresh = await freshPgDatabase(pgUrl as string, 'vchat_migrate');
    const stores = [1, 2, 3].map(() => new PostgresStore({ url: fresh.url, max: 2 }));
    try {
      await Promise.all(stores.map((s) => s.init()));
      const { loadMigrations, migrate } = await import('../../src/server/store/pg-helpers.ts');
      const pg = (await import('pg')).default;
      const pool = new pg.Pool({ connectionString: fresh.url, max: 1 });
      try {
        expect(await migrate(pool)).toEqual([]);
        const { rows } = await pool.query('SELECT version FROM schema_migrations ORDER BY version');
        expect(rows.map((r) => r.version)).toEqual(loadMigrations().map((m) => m.version));
        // The account tables come from the migrations too (no second schema mechanism).
        const tables = await pool.query(
          "SELECT table_name FROM information_schema.tables WHERE table_name IN ('accounts', 'auth_tokens') ORDER BY 1",
        );
        expect(tables.rows.map((r) => r.table_name)).toEqual(['accounts', 'auth_tokens']);
      } finally {
        await pool.end();
      }
    } finally {
      await Promise.all(stores.map((s) => s.close()));
      await fresh.drop();
    }
  });

  it('002 moves data: thumbnails written by v1 into thumbnails, once per image, and drops one that cannot decode', async () => {
    const fresh = await freshPgDatabase(pgUrl as string, 'vchat_thumbs');
    const pg = (await import('pg')).default;
    const pool = new pg.Pool({ connectionString: fresh.url, max: 1 });
    const { loadMigrations, migrate } = await import('../../src/server/store/pg-helpers.ts');
    try {
      await migrate(
        pool,
        loadMigrations().filter((m) => m.version === '001_init'),
      );
      const png = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';
      await pool.query(
        `INSERT INTO rooms (name, thumbnail_url) VALUES ('a', $1), ('b', $1), ('c', 'data:image/gif;base64,AAAAA'), ('d', 'https://x.test/t.png')`,
        [`data:image/png;base64,${png}`],
      );
      await migrate(pool);
      const store = new PostgresStore({ url: fresh.url });
      try {
        const byName = new Map((await store.listRooms()).map((r) => [r.name, r]));
        const id = byName.get('a')?.thumbnail_id as string;
        expect(id).toMatch(/^[0-9a-f]{64}$/);
        expect(byName.get('b')).toMatchObject({ thumbnail_id: id, thumbnail_url: null });
        expect(byName.get('c')).toMatchObject({ thumbnail_id: null, thumbnail_url: null });
        expect(byName.get('d')).toMatchObject({ thumbnail_id: null, thumbnail_url: 'https://x.test/t.png' });
        const thumb = await store.getThumbnail(id);
        expect(thumb?.content_type).toBe('image/png');
        expect(thumb?.data.equals(Buffer.from(png, 'base64'))).toBe(true);
        expect((await pool.query('SELECT count(*)::int AS n FROM thumbnails')).rows[0].n).toBe(1);
      } finally {
        await store.close();
      }
    } finally {
      await pool.end();
      await fresh.drop();
    }
  });
});
