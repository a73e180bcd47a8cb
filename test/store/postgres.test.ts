/**
 * The store contract on PostgresStore, in a fresh database per run. Runs when
 * VCHAT_TEST_DATABASE_URL (or DATABASE_URL) is set, e.g. by `bash .ci/run`; skipped with the reason otherwise.
 */
import { afterAll, describe, it } from 'vitest';
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
