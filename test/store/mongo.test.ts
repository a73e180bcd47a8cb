/**
 * The store contract on MongoStore, in a fresh database per run. Runs when
 * VCHAT_TEST_MONGODB_URI is set, as in GitHub Actions; skipped with the reason otherwise.
 */
import { afterAll, describe, it } from 'vitest';
import { MongoStore } from '../../src/server/store/mongo.ts';
import { storeContract } from './contract.ts';
import { freshMongoDatabase, MONGO_SKIP, MONGO_URL } from './databases.ts';

const mongoUrl = MONGO_URL;
if (mongoUrl) {
  const db = freshMongoDatabase(mongoUrl);
  storeContract('mongo', async () => new MongoStore({ url: mongoUrl, dbName: db.dbName }));
  afterAll(async () => {
    await db.drop();
  });
} else {
  describe(`mongo store — ${MONGO_SKIP}`, () => {
    it.skip(MONGO_SKIP, () => {});
  });
}
