/**
 * Postgres helpers for PostgresStore: the versioned SQL migrations in ./migrations/, applied
 * in one transaction under an advisory lock, and the "database unreachable" error test.
 */
import { readdirSync, readFileSync } from 'node:fs';
import type pg from 'pg';

/** Advisory lock key held while migrating; two instances starting together take turns. */
export const MIGRATION_LOCK = 7_301_946_002;

/** One migration: `001_init.sql` -> version `001_init`. */
export interface Migration {
  version: string;
  sql: string;
}

const MIGRATIONS_DIR = new URL('./migrations/', import.meta.url);

/** Every `NNN_name.sql` file beside this module, in version order. */
export function loadMigrations(dir: URL = MIGRATIONS_DIR): Migration[] {
  return readdirSync(dir)
    .filter((f) => /^\d+_[\w-]+\.sql$/.test(f))
    .sort()
    .map((f) => ({ version: f.replace(/\.sql$/, ''), sql: readFileSync(new URL(f, dir), 'utf8') }));
}

/**
 * Apply the migrations not yet in `schema_migrations`, all in one transaction under
 * `pg_advisory_xact_lock`. Returns the versions applied now (empty when up to date).
 */
export async function migrate(pool: pg.Pool, migrations: Migration[] = loadMigrations()): Promise<string[]> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    await client.query(
      'CREATE TABLE IF NOT EXISTS schema_migrations (version TEXT PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT NOW())',
    );
    const { rows } = await client.query<{ version: string }>('SELECT version FROM schema_migrations');
    const done = new Set(rows.map((r) => r.version));
    const applied: string[] = [];
    for (const m of migrations) {
      if (done.has(m.version)) continue;
      await client.query(m.sql);
      await client.query('INSERT INTO schema_migrations (version) VALUES ($1)', [m.version]);
      applied.push(m.version);
    }
    await client.query('COMMIT');
    return applied;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
  'EAI_AGAIN',
]);
const NETWORK_MESSAGES =
  /Connection terminated|timeout exceeded when trying to connect|not queryable|Connection closed|connect ECONNREFUSED/i;

/**
 * True when `err` means "the database cannot be reached" (network, server shutting down or
 * starting, too many connections) rather than a bad query: the caller answers 503.
 */
export function isPgConnectionError(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string') {
    // 08: connection exception; 57P01-03: admin shutdown, crash shutdown, cannot connect now; 53300: too many connections.
    if (/^08/.test(code) || /^57P0[123]$/.test(code) || code === '53300' || NETWORK_CODES.has(code)) return true;
  }
  if (err instanceof AggregateError) return err.errors.some(isPgConnectionError);
  return NETWORK_MESSAGES.test(err.message);
}

/** True for a well-formed UUID; Postgres ids are `uuid`, so anything else is simply not found. */
export function isUuid(id: string): boolean {
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id);
}
