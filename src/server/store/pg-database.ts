/**
 * One Postgres database per process: the one `pg.Pool` that the chat store and the account
 * store share, the migrations applied once, and the one place that turns "cannot reach the
 * database" into StoreUnavailableError (503).
 */
import pg from 'pg';
import { isPgConnectionError, migrate } from './pg-helpers.ts';
import { StoreUnavailableError, type PoolUse } from './store.ts';

/** Connections in the pool when DATABASE_POOL_SIZE is not set (see docs/performance.md for the measurement). */
export const DEFAULT_PG_POOL_SIZE = 10;

export interface PgDatabaseOptions {
  url: string;
  /** Most connections open at once (DATABASE_POOL_SIZE). */
  max?: number;
  /** Give up connecting after this long, so requests fail fast with 503 (default 3000). */
  connectionTimeoutMs?: number;
  /** Client-side limit for one query (default 10000). */
  queryTimeoutMs?: number;
}

export class PgDatabase {
  /** The pool; read-only for callers (they go through `query`). */
  readonly pool: pg.Pool;
  private readonly max: number;
  private ready: Promise<void> | undefined;
  private closed = false;

  constructor(options: PgDatabaseOptions) {
    assertPostgresUrl(options.url);
    this.max = options.max ?? DEFAULT_PG_POOL_SIZE;
    this.pool = new pg.Pool({
      connectionString: options.url,
      max: this.max,
      connectionTimeoutMillis: options.connectionTimeoutMs ?? 3000,
      query_timeout: options.queryTimeoutMs ?? 10_000,
      idleTimeoutMillis: 30_000,
      keepAlive: true,
    });
    // An idle client dropped by the server (restart, network): the pool replaces it on demand.
    this.pool.on('error', () => undefined);
  }

  /** Apply pending migrations once; a failure is retried by the next call. */
  init(): Promise<void> {
    this.ready ??= migrate(this.pool).then(
      () => undefined,
      (err: unknown) => {
        this.ready = undefined;
        throw toStoreError(err, 'Cannot create the Postgres schema');
      },
    );
    return this.ready;
  }

  /**
   * Ensure the schema, run one statement, and turn "cannot reach the database" into
   * StoreUnavailableError. With `name`, each connection prepares the text once and reuses it.
   */
  async query<R extends pg.QueryResultRow>(
    text: string,
    values: unknown[] = [],
    name?: string,
  ): Promise<pg.QueryResult<R>> {
    await this.init();
    try {
      return await this.pool.query<R>(name === undefined ? { text, values } : { name, text, values });
    } catch (err) {
      throw toStoreError(err, 'Postgres is unavailable');
    }
  }

  /** Connections open, idle and callers waiting for one, for /health. */
  poolUse(): PoolUse {
    return { max: this.max, open: this.pool.totalCount, idle: this.pool.idleCount, waiting: this.pool.waitingCount };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.end();
  }
}

/** `err` as StoreUnavailableError when it means the database cannot be reached; otherwise unchanged. */
export function toStoreError(err: unknown, message: string): unknown {
  if (err instanceof StoreUnavailableError) return err;
  return isPgConnectionError(err) ? new StoreUnavailableError(message, { cause: err }) : err;
}

/** Fail fast at startup on a DATABASE_URL that is not a postgres:// URL (never echoes it: it may hold a password). */
function assertPostgresUrl(url: string): void {
  let ok: boolean;
  try {
    ok = /^postgres(ql)?:$/.test(new URL(url).protocol);
  } catch {
    ok = false;
  }
  if (!ok) throw new Error('DATABASE_URL is not a valid postgres:// or postgresql:// connection string');
}
