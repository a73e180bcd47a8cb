/**
 * Postgres AccountStore: tables `accounts` and `auth_tokens`, created with
 * CREATE TABLE IF NOT EXISTS under an advisory lock (several instances may start at once).
 * Uniqueness is the database's: unique constraints on username_lower and email.
 */
import pg from 'pg';
import { StoreUnavailableError } from '../store/store.ts';
import { AccountConflictError, loginKey, type Account, type AccountStore, type NewAccount, type TokenRecord } from './store.ts';

/** Any 64-bit number of our own; it only has to differ from other advisory locks on the database. */
const SCHEMA_LOCK = 7_301_946_001;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS accounts (
  user_id text PRIMARY KEY,
  username text NOT NULL,
  username_lower text NOT NULL CONSTRAINT accounts_username_lower_key UNIQUE,
  email text NOT NULL CONSTRAINT accounts_email_key UNIQUE,
  password_hash text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS auth_tokens (
  hash text PRIMARY KEY,
  user_id text NOT NULL,
  expires_at timestamptz NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS auth_tokens_expires_at_idx ON auth_tokens (expires_at);
`;

/** A row of `accounts`: the columns are the Account fields one to one. */
type AccountRow = Account;

/** Postgres errors that mean "cannot reach the database" rather than a bad query. */
function isConnectionError(err: unknown): boolean {
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' && (/^(08|57P)/.test(code) || ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENOTFOUND', 'EHOSTUNREACH'].includes(code));
}

export class PostgresAccountStore implements AccountStore {
  readonly kind = 'postgres' as const;
  private readonly pool: pg.Pool;
  private initialised: Promise<void> | undefined;

  constructor(options: { url: string; max?: number }) {
    this.pool = new pg.Pool({ connectionString: options.url, max: options.max ?? 5, connectionTimeoutMillis: 5000 });
    this.pool.on('error', () => undefined); // an idle client dropped by the server: the pool replaces it
  }

  init(): Promise<void> {
    this.initialised ??= this.createSchema().catch((err: unknown) => {
      this.initialised = undefined;
      throw new StoreUnavailableError('Cannot create the accounts tables', { cause: err });
    });
    return this.initialised;
  }

  async close(): Promise<void> {
    await this.pool.end();
  }

  async createAccount(input: NewAccount): Promise<Account> {
    try {
      const { rows } = await this.query<AccountRow>(
        `INSERT INTO accounts (user_id, username, username_lower, email, password_hash) VALUES ($1, $2, $3, $4, $5) RETURNING *`,
        [input.user_id, input.username, input.username_lower, input.email, input.password_hash],
      );
      return rows[0] as Account;
    } catch (err) {
      const e = err as { code?: string; constraint?: string };
      if (e.code === '23505') throw new AccountConflictError(e.constraint === 'accounts_email_key' ? 'email' : 'username');
      throw err;
    }
  }

  async findByLogin(usernameOrEmail: string): Promise<Account | null> {
    const key = loginKey(usernameOrEmail);
    const column = key.field === 'email' ? 'email' : 'username_lower';
    const { rows } = await this.query<AccountRow>(`SELECT * FROM accounts WHERE ${column} = $1`, [key.value]);
    return rows[0] ?? null;
  }

  async findByUserId(userId: string): Promise<Account | null> {
    const { rows } = await this.query<AccountRow>(`SELECT * FROM accounts WHERE user_id = $1`, [userId]);
    return rows[0] ?? null;
  }

  async saveToken(hash: string, userId: string, expiresAt: Date): Promise<void> {
    await this.query(`INSERT INTO auth_tokens (hash, user_id, expires_at) VALUES ($1, $2, $3)`, [hash, userId, expiresAt]);
    // Cheap with the index; keeps the table from growing with tokens nobody logs out.
    await this.query(`DELETE FROM auth_tokens WHERE expires_at < now() - interval '1 day'`);
  }

  async findToken(hash: string): Promise<TokenRecord | null> {
    const { rows } = await this.query<TokenRecord>(`SELECT hash, user_id, expires_at FROM auth_tokens WHERE hash = $1`, [hash]);
    return rows[0] ?? null;
  }

  async revokeToken(hash: string): Promise<void> {
    await this.query(`DELETE FROM auth_tokens WHERE hash = $1`, [hash]);
  }

  private async createSchema(): Promise<void> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      await client.query('SELECT pg_advisory_xact_lock($1)', [SCHEMA_LOCK]);
      await client.query(SCHEMA);
      await client.query('COMMIT');
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  }

  private async query<R extends object = object>(text: string, values: unknown[] = []): Promise<pg.QueryResult<R>> {
    await this.init();
    try {
      return await this.pool.query<R>(text, values);
    } catch (err) {
      if (isConnectionError(err)) throw new StoreUnavailableError('Account storage is unavailable', { cause: err });
      throw err;
    }
  }
}
