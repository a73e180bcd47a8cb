/**
 * Postgres AccountStore: tables `accounts` and `auth_tokens`, created by the store's migrations
 * (src/server/store/migrations/002_accounts.sql). Shares the chat store's PgDatabase (one pool
 * per database per process, one place that maps "unreachable" to 503) when given it.
 * Uniqueness is the database's: unique constraints on username_lower and email.
 */
import type pg from 'pg';
import { PgDatabase } from '../store/pg-database.ts';
import {
  AccountConflictError,
  loginKey,
  type Account,
  type AccountStore,
  type NewAccount,
  type TokenRecord,
} from './store.ts';

/** A row of `accounts`: the columns are the Account fields one to one. */
type AccountRow = Account;

export class PostgresAccountStore implements AccountStore {
  readonly kind = 'postgres' as const;
  /** The database (pool, migrations) this store uses: the chat store's when shared. */
  readonly database: PgDatabase;
  /** True when this store opened the database itself (and so closes it). */
  private readonly owned: boolean;

  /** `database`: the chat store's (shared, not closed here); `url`: open one of its own. */
  constructor(options: { database: PgDatabase } | { url: string; max?: number }) {
    this.owned = !('database' in options);
    this.database =
      'database' in options ? options.database : new PgDatabase({ url: options.url, max: options.max ?? 5 });
  }

  init(): Promise<void> {
    return this.database.init();
  }

  async close(): Promise<void> {
    if (this.owned) await this.database.close();
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
      if (e.code === '23505')
        throw new AccountConflictError(e.constraint === 'accounts_email_key' ? 'email' : 'username');
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
    await this.query(`INSERT INTO auth_tokens (hash, user_id, expires_at) VALUES ($1, $2, $3)`, [
      hash,
      userId,
      expiresAt,
    ]);
    // Cheap with the index; keeps the table from growing with tokens nobody logs out.
    await this.query(`DELETE FROM auth_tokens WHERE expires_at < now() - interval '1 day'`);
  }

  async findToken(hash: string): Promise<TokenRecord | null> {
    const { rows } = await this.query<TokenRecord>(
      `SELECT hash, user_id, expires_at FROM auth_tokens WHERE hash = $1`,
      [hash],
    );
    return rows[0] ?? null;
  }

  async revokeToken(hash: string): Promise<void> {
    await this.query(`DELETE FROM auth_tokens WHERE hash = $1`, [hash]);
  }

  private query<R extends pg.QueryResultRow>(text: string, values: unknown[] = []): Promise<pg.QueryResult<R>> {
    return this.database.query<R>(text, values);
  }
}
