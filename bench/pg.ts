/**
 * A fresh, uniquely named Postgres database per bench run (the approach of
 * test/store/databases.ts: CREATE DATABASE on the given server, DROP ... WITH (FORCE) after),
 * so runs never see each other's rows and leave nothing behind.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** The Postgres base URL the bench may create databases on, or undefined. */
export const BENCH_PG_URL = process.env.BENCH_DATABASE_URL || process.env.VCHAT_TEST_DATABASE_URL || undefined;
/** The Redis URL for the scale-out section, or undefined. */
export const BENCH_REDIS_URL = process.env.BENCH_REDIS_URL || process.env.VCHAT_TEST_REDIS_URL || undefined;

export interface BenchDatabase {
  url: string;
  drop(): Promise<void>;
}

export async function freshBenchDatabase(base: string, prefix = 'vchat_bench'): Promise<BenchDatabase> {
  const name = `${prefix}_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
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
