/**
 * MongoDB AccountStore: collections `accounts` (unique indexes on username_lower, email,
 * user_id) and `auth_tokens` (keyed by hash; a TTL index removes expired tokens). Shares the
 * chat store's MongoDatabase (one client, one pool, the same database name) when given it.
 */
import { MongoServerError, type Collection } from 'mongodb';
import { MongoDatabase } from '../store/mongo-database.ts';
import { StoreUnavailableError } from '../store/store.ts';
import {
  AccountConflictError,
  loginKey,
  type Account,
  type AccountStore,
  type NewAccount,
  type TokenRecord,
} from './store.ts';

interface TokenDoc {
  _id: string;
  user_id: string;
  expires_at: Date;
}

export class MongoAccountStore implements AccountStore {
  readonly kind = 'mongo' as const;
  /** The client and database this store uses: the chat store's when shared. */
  readonly database: MongoDatabase;
  /** True when this store opened the client itself (and so closes it). */
  private readonly owned: boolean;
  private initialised: Promise<void> | undefined;
  private readonly accounts: Collection<Account>;
  private readonly tokens: Collection<TokenDoc>;

  /** `database`: the chat store's (shared, not closed here); `url`: open a client of its own on mongoDatabaseName(url). */
  constructor(options: { database: MongoDatabase } | { url: string; dbName?: string }) {
    this.owned = !('database' in options);
    this.database =
      'database' in options
        ? options.database
        : new MongoDatabase({ ...options, serverSelectionTimeoutMs: 5000, maxPoolSize: 5 });
    this.accounts = this.database.db.collection<Account>('accounts');
    this.tokens = this.database.db.collection<TokenDoc>('auth_tokens');
  }

  init(): Promise<void> {
    this.initialised ??= (async () => {
      await this.database.connect();
      await this.accounts.createIndexes([
        { key: { username_lower: 1 }, name: 'username_lower_unique', unique: true },
        { key: { email: 1 }, name: 'email_unique', unique: true },
        { key: { user_id: 1 }, name: 'user_id_unique', unique: true },
      ]);
      await this.tokens.createIndex({ expires_at: 1 }, { name: 'expires_at_ttl', expireAfterSeconds: 0 });
    })().catch((err: unknown) => {
      this.initialised = undefined;
      throw new StoreUnavailableError('Cannot prepare the accounts collections', { cause: err });
    });
    return this.initialised;
  }

  async close(): Promise<void> {
    if (this.owned) await this.database.close();
  }

  async createAccount(input: NewAccount): Promise<Account> {
    const account: Account = { ...input, created_at: new Date() };
    try {
      await this.run(() => this.accounts.insertOne({ ...account }));
    } catch (err) {
      if (err instanceof MongoServerError && err.code === 11000) {
        const keyPattern: unknown = err.keyPattern;
        const email =
          (typeof keyPattern === 'object' && keyPattern !== null && 'email' in keyPattern) ||
          /index: email_unique/.test(err.message);
        throw new AccountConflictError(email ? 'email' : 'username');
      }
      throw err;
    }
    return account;
  }

  async findByLogin(usernameOrEmail: string): Promise<Account | null> {
    const key = loginKey(usernameOrEmail);
    return this.run(() => this.accounts.findOne({ [key.field]: key.value }, { projection: { _id: 0 } }));
  }

  async findByUserId(userId: string): Promise<Account | null> {
    return this.run(() => this.accounts.findOne({ user_id: userId }, { projection: { _id: 0 } }));
  }

  async saveToken(hash: string, userId: string, expiresAt: Date): Promise<void> {
    await this.run(() => this.tokens.insertOne({ _id: hash, user_id: userId, expires_at: expiresAt }));
  }

  async findToken(hash: string): Promise<TokenRecord | null> {
    const doc = await this.run(() => this.tokens.findOne({ _id: hash }));
    return doc ? { hash: doc._id, user_id: doc.user_id, expires_at: doc.expires_at } : null;
  }

  async revokeToken(hash: string): Promise<void> {
    await this.run(() => this.tokens.deleteOne({ _id: hash }));
  }

  /** Initialise on first use; network trouble becomes StoreUnavailableError (503). */
  private async run<T>(op: () => Promise<T>): Promise<T> {
    await this.init();
    return this.database.run(op, 'Account storage is unavailable');
  }
}
