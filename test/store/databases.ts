/**
 * Test databases: which ones this machine has (env), and a fresh, uniquely named database
 * per test file so runs never collide. Postgres: VCHAT_TEST_DATABASE_URL; MongoDB:
 * VCHAT_TEST_MONGODB_URI. Never DATABASE_URL / MONGODB_URI: those may be production (test-env.ts).
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** Postgres base URL for tests, or undefined. */
export const PG_URL = process.env.VCHAT_TEST_DATABASE_URL || undefined;
/** MongoDB base URL for tests, or undefined. */
export const MONGO_URL = process.env.VCHAT_TEST_MONGODB_URI || undefined;

export const PG_SKIP = 'SKIPPED: VCHAT_TEST_DATABASE_URL not set (bash .ci/run starts a throwaway Postgres)';
export const MONGO_SKIP = 'SKIPPED: VCHAT_TEST_MONGODB_URI not set (runs in GitHub Actions with a mongo:7 service)';

/** A name no other run uses. */
export function uniqueName(prefix: string): string {
  return `${prefix}_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
}

export interface TestDatabase {
  url: string;
  drop(): Promise<void>;
}

/** CREATE DATABASE a fresh one on the Postgres at `base`; `drop()` removes it (even with open connections). */
export async function freshPgDatabase(base: string, prefix = 'vchat_test'): Promise<TestDatabase> {
  const name = uniqueName(prefix);
  await adminQuery(base, `CREATE DATABASE ${name}`);
  const url = new URL(base);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => adminQuery(base, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}

async function adminQuery(base: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: base });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** A fresh MongoDB database name on `base`; `drop()` removes it. */
export function freshMongoDatabase(base: string, prefix = 'vchat_test'): { dbName: string; drop(): Promise<void> } {
  const dbName = uniqueName(prefix);
  return {
    dbName,
    drop: async () => {
      const { MongoClient } = await import('mongodb');
      const client = new MongoClient(base, { serverSelectionTimeoutMS: 3000 });
      try {
        await client.db(dbName).dropDatabase();
      } finally {
        await client.close();
      }
    },
  };
}
