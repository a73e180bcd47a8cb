/**
 * MongoDB helpers for MongoStore: which driver errors mean "cannot reach the server",
 * the database name from a URI, and the indexes `init()` creates.
 */
import {
  MongoClientClosedError,
  MongoError,
  MongoNetworkError,
  MongoNotConnectedError,
  MongoServerSelectionError,
  MongoTopologyClosedError,
  type IndexDescription,
} from 'mongodb';

/** Database used when the URI names none (Railway's MONGO_URL does not). */
export const DEFAULT_DB_NAME = 'vchat';

/**
 * True when a driver error means the server cannot be reached (selection timeout, network
 * error or timeout, pool cleared after a failure, primary stepping down): the caller answers 503.
 */
export function isMongoUnavailable(err: unknown): boolean {
  if (
    err instanceof MongoServerSelectionError ||
    err instanceof MongoNetworkError || // includes MongoNetworkTimeoutError
    err instanceof MongoTopologyClosedError ||
    err instanceof MongoNotConnectedError ||
    err instanceof MongoClientClosedError
  ) {
    return true;
  }
  if (!(err instanceof MongoError)) return false;
  // PoolClearedError (and friends) carry these labels; "not primary"/shutdown codes are transient too.
  if (
    err.hasErrorLabel('ResetPool') ||
    err.hasErrorLabel('RetryableWriteError') ||
    err.hasErrorLabel('TransientTransactionError')
  )
    return true;
  if (err.name === 'MongoPoolClearedError' || err.name === 'PoolClearedOnNetworkError') return true;
  const code = typeof err.code === 'number' ? err.code : -1;
  // ShutdownInProgress, InterruptedAtShutdown, NotWritablePrimary, NotPrimaryNoSecondaryOk, PrimarySteppedDown, HostUnreachable, HostNotFound
  return [91, 11600, 10107, 13435, 189, 6, 7].includes(code);
}

/**
 * The one decision of which database vchat uses on a MongoDB server, for chat data and accounts
 * alike: the database named in the URI path, else DEFAULT_DB_NAME. (The driver's own default,
 * `client.db()` with no name, is `test` for a URI without a path, as Railway's MONGO_URL is.)
 */
export function mongoDatabaseName(uri: string): string {
  const match = /^mongodb(?:\+srv)?:\/\/[^/?#]*\/([^?#]+)/.exec(uri);
  return match?.[1] ? decodeURIComponent(match[1]) : DEFAULT_DB_NAME;
}

/** A value used verbatim inside an aggregation-pipeline update (a string starting with `$` stays a string). */
export function lit<T>(value: T): { $literal: T } {
  return { $literal: value };
}

/** Indexes by collection. Names are fixed so a second instance's createIndexes is a no-op. */
export const INDEXES: Record<'rooms' | 'members' | 'messages', IndexDescription[]> = {
  rooms: [{ key: { seq: 1 }, name: 'seq_unique', unique: true }],
  members: [
    { key: { room_id: 1, user_id: 1 }, name: 'room_user_unique', unique: true },
    { key: { user_id: 1 }, name: 'user' },
  ],
  messages: [
    { key: { room_id: 1, seq: 1 }, name: 'room_seq_unique', unique: true },
    {
      key: { room_id: 1, user_id: 1, client_msg_id: 1 },
      name: 'room_user_client_msg_id_unique',
      unique: true,
      partialFilterExpression: { client_msg_id: { $type: 'string' } },
    },
  ],
};
