/**
 * One MongoDB database per process: the one MongoClient (and so one connection pool) that the
 * chat store and the account store share, the database name decided once for both
 * (`mongoDatabaseName`), pool use for /health, and the one place that turns "cannot reach the
 * server" into StoreUnavailableError (503).
 */
import { MongoClient, type Db } from 'mongodb';
import { isMongoUnavailable, mongoDatabaseName } from './mongo-helpers.ts';
import { StoreUnavailableError, type PoolUse } from './store.ts';

/** Connections in the pool when DATABASE_POOL_SIZE is not set. */
export const DEFAULT_MONGO_POOL_SIZE = 10;

export interface MongoDatabaseOptions {
  url: string;
  /** Database name; default: mongoDatabaseName(url). */
  dbName?: string;
  /** How long an operation waits for a reachable server before failing with 503 (default 3000). */
  serverSelectionTimeoutMs?: number;
  /** Most connections open at once (DATABASE_POOL_SIZE). */
  maxPoolSize?: number;
}

export class MongoDatabase {
  readonly client: MongoClient;
  readonly db: Db;
  private readonly max: number;
  private open = 0;
  private inUse = 0;
  private waiting = 0;
  private connecting: Promise<void> | undefined;

  constructor(options: MongoDatabaseOptions) {
    this.max = options.maxPoolSize ?? DEFAULT_MONGO_POOL_SIZE;
    try {
      this.client = new MongoClient(options.url, {
        serverSelectionTimeoutMS: options.serverSelectionTimeoutMs ?? 3000,
        connectTimeoutMS: 5000,
        maxPoolSize: this.max,
      });
    } catch (err) {
      // Never echo the URI: it usually holds a password.
      throw new Error(`MongoDB connection string is not valid: ${err instanceof Error ? err.message : String(err)}`, {
        cause: err,
      });
    }
    this.db = this.client.db(options.dbName ?? mongoDatabaseName(options.url));
    // The driver's connection-pool events (CMAP) are its public way to watch the pool.
    this.client.on('connectionCreated', () => {
      this.open++;
    });
    this.client.on('connectionClosed', () => {
      this.open = Math.max(0, this.open - 1);
    });
    this.client.on('connectionCheckOutStarted', () => {
      this.waiting++;
    });
    this.client.on('connectionCheckOutFailed', () => void (this.waiting = Math.max(0, this.waiting - 1)));
    this.client.on('connectionCheckedOut', () => {
      this.waiting = Math.max(0, this.waiting - 1);
      this.inUse++;
    });
    this.client.on('connectionCheckedIn', () => void (this.inUse = Math.max(0, this.inUse - 1)));
  }

  /** Connect once; a failure is retried by the next call. */
  connect(): Promise<void> {
    this.connecting ??= this.client.connect().then(
      () => undefined,
      (err: unknown) => {
        this.connecting = undefined;
        throw err;
      },
    );
    return this.connecting;
  }

  /** Run one operation and turn "cannot reach the server" into StoreUnavailableError. */
  async run<T>(op: () => Promise<T>, message = 'MongoDB is unavailable'): Promise<T> {
    try {
      return await op();
    } catch (err) {
      throw toStoreError(err, message);
    }
  }

  /** Connections open, idle and operations waiting for one, for /health. */
  poolUse(): PoolUse {
    return { max: this.max, open: this.open, idle: Math.max(0, this.open - this.inUse), waiting: this.waiting };
  }

  async close(): Promise<void> {
    await this.client.close();
  }
}

/** `err` as StoreUnavailableError when it means the server cannot be reached; otherwise unchanged. */
export function toStoreError(err: unknown, message: string): unknown {
  if (err instanceof StoreUnavailableError) return err;
  return isMongoUnavailable(err) ? new StoreUnavailableError(message, { cause: err }) : err;
}
