/**
 * A fresh, uniquely named Postgres database per bench run (test/store/databases.ts's helper:
 * CREATE DATABASE on the given server, DROP ... WITH (FORCE) after),
 * so runs never see each other's rows and leave nothing behind.
 */
import { freshPgDatabase, type TestDatabase } from '../test/store/databases.ts';

/** The Postgres base URL the bench may create databases on, or undefined. */
export const BENCH_PG_URL = process.env.BENCH_DATABASE_URL || process.env.VCHAT_TEST_DATABASE_URL || undefined;
/** The Redis URL for the scale-out section, or undefined. */
export const BENCH_REDIS_URL = process.env.BENCH_REDIS_URL || process.env.VCHAT_TEST_REDIS_URL || undefined;

export type BenchDatabase = TestDatabase;

/** CREATE DATABASE a fresh `vchat_bench_…` one; `drop()` removes it. The same helper the store tests use. */
export function freshBenchDatabase(base: string, prefix = 'vchat_bench'): Promise<BenchDatabase> {
  return freshPgDatabase(base, prefix);
}
