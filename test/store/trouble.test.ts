/**
 * Database trouble. Always here: a store pointed at a closed port (Postgres and MongoDB),
 * and a malformed URL failing fast. With a database: cut and restored through a proxy.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { MongoStore } from '../../src/server/store/mongo.ts';
import { PostgresStore } from '../../src/server/store/postgres.ts';
import { StoreUnavailableError } from '../../src/server/store/store.ts';
import {
  freshMongoDatabase,
  freshPgDatabase,
  MONGO_SKIP,
  MONGO_URL,
  PG_SKIP,
  PG_URL,
  type TestDatabase,
} from './databases.ts';
import { expectDegraded, startDegradableApp, troubleSuite } from './trouble.ts';

const DEAD = { postgres: 'postgres://nobody@127.0.0.1:1/none', mongo: 'mongodb://127.0.0.1:1/none' };

describe('a database that cannot be reached (closed port)', () => {
  const stores = {
    postgres: () => new PostgresStore({ url: DEAD.postgres, connectionTimeoutMs: 1000 }),
    mongo: () => new MongoStore({ url: DEAD.mongo, serverSelectionTimeoutMs: 500 }),
  };
  for (const [kind, make] of Object.entries(stores)) {
    it(`${kind}: init and operations reject with StoreUnavailableError, ping is false, the app answers 503 with CORS`, async () => {
      const store = make();
      try {
        await expect(store.init()).rejects.toBeInstanceOf(StoreUnavailableError);
        await expect(store.getRoom('00000000-0000-4000-8000-000000000000')).rejects.toBeInstanceOf(
          StoreUnavailableError,
        );
        expect(await store.ping()).toBe(false);
        const { app, url } = await startDegradableApp(store);
        try {
          await expectDegraded(url, kind);
        } finally {
          await app.close();
        }
      } finally {
        await store.close();
      }
    });
  }

  it('a malformed URL fails fast with a clear message that does not echo it', () => {
    expect(() => new PostgresStore({ url: 'localhost:5432/secret' })).toThrow(/DATABASE_URL is not a valid postgres/);
    let message = '';
    try {
      new MongoStore({ url: 'mongodb://user:s3cret@host:notaport/db' });
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/MongoDB connection string is not valid/);
    expect(message).not.toContain('s3cret');
  });
});

const pgUrl = PG_URL;
if (pgUrl) {
  let db: Promise<TestDatabase> | undefined;
  troubleSuite(
    'postgres',
    async () => (await (db ??= freshPgDatabase(pgUrl, 'vchat_trouble'))).url,
    (url) => new PostgresStore({ url, connectionTimeoutMs: 1000 }),
  );
  afterAll(async () => {
    await (await db)?.drop();
  });
} else {
  describe.skip(`postgres store: database trouble — ${PG_SKIP}`, () => {
    it('cut and restored through a proxy', () => {});
  });
}

const mongoUrl = MONGO_URL;
if (mongoUrl) {
  const db = freshMongoDatabase(mongoUrl, 'vchat_trouble');
  troubleSuite(
    'mongo',
    async () => mongoUrl,
    (url) => new MongoStore({ url, dbName: db.dbName, serverSelectionTimeoutMs: 1000 }),
  );
  afterAll(async () => {
    await db.drop();
  });
} else {
  describe.skip(`mongo store: database trouble — ${MONGO_SKIP}`, () => {
    it('cut and restored through a proxy', () => {});
  });
}
