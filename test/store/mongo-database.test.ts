/**
 * Chat data and accounts land in one MongoDB database, decided by one function
 * (mongoDatabaseName): with a URI that names no database (Railway's MONGO_URL) that is `vchat`
 * for both, never the driver's `test`. The name checks need no server; the round trip runs
 * when VCHAT_TEST_MONGODB_URI is set (GitHub Actions), skipped with the reason otherwise.
 */
import { describe, expect, it } from 'vitest';
import { createAccountStore } from '../../src/server/auth/index.ts';
import { MongoAccountStore } from '../../src/server/auth/mongo.ts';
import { testConfig } from '../../src/server/config.ts';
import { DEFAULT_DB_NAME } from '../../src/server/store/mongo-helpers.ts';
import { MongoStore } from '../../src/server/store/mongo.ts';
import { MONGO_SKIP, MONGO_URL } from './databases.ts';

const RAILWAY = 'mongodb://mongo:secret@mongodb.railway.internal:27017';

describe('one MongoDB database name for chat and accounts', () => {
  it('a URI without a database: both use vchat; the account store shares the chat store client', async () => {
    const chat = new MongoStore({ url: RAILWAY });
    const own = new MongoAccountStore({ url: RAILWAY });
    const config = testConfig({ storage: { kind: 'mongo', url: RAILWAY, source: 'MONGO_URL' } });
    const shared = (await createAccountStore(config, chat)) as MongoAccountStore;
    try {
      expect(chat.database.db.databaseName).toBe(DEFAULT_DB_NAME);
      expect(own.database.db.databaseName).toBe(DEFAULT_DB_NAME);
      expect(shared.database).toBe(chat.database);
    } finally {
      await Promise.all([chat.close(), own.close(), shared.close()]);
    }
  });

  it('a URI naming a database: both use it', async () => {
    const url = `${RAILWAY}/railway?authSource=admin`;
    const chat = new MongoStore({ url });
    const own = new MongoAccountStore({ url });
    try {
      expect(chat.database.db.databaseName).toBe('railway');
      expect(own.database.db.databaseName).toBe('railway');
    } finally {
      await Promise.all([chat.close(), own.close()]);
    }
  });
});

describe.skipIf(!MONGO_URL)(
  MONGO_URL ? 'MongoDB round trip with a URI that names no database' : `MongoDB round trip — ${MONGO_SKIP}`,
  () => {
    it('a user and an account created through the app stores end up in the same database', async () => {
      const bare = new URL(MONGO_URL as string);
      bare.pathname = '/';
      const url = bare.toString();
      const chat = new MongoStore({ url });
      const config = testConfig({ storage: { kind: 'mongo', url, source: 'MONGO_URL' } });
      const accounts = await createAccountStore(config, chat);
      try {
        await chat.init();
        await accounts.init();
        const user = await chat.createUser({ username: 'railway' });
        const name = `railway_${user.id.slice(0, 8)}`;
        await accounts.createAccount({
          user_id: user.id,
          username: name,
          username_lower: name,
          email: `${name}@example.com`,
          password_hash: 'x',
        });
        const db = chat.database.client.db(DEFAULT_DB_NAME);
        expect(await db.collection('users').countDocuments({ _id: user.id as never })).toBe(1);
        expect(await db.collection('accounts').countDocuments({ user_id: user.id })).toBe(1);
        expect(await chat.database.client.db('test').collection('accounts').countDocuments({ user_id: user.id })).toBe(
          0,
        );
      } finally {
        await accounts.close();
        await chat.close();
      }
    });
  },
);
