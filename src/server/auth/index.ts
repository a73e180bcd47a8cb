/**
 * Pick the AccountStore by config.storage.kind, so accounts live in the same database as
 * the chat data. Database drivers are imported only when selected; `lazyAccountStore`
 * lets the synchronous createApp use a database store that connects on first use.
 */
import type { Config } from '../config.ts';
import { StoreUnavailableError, type Store } from '../store/store.ts';
import { MemoryAccountStore } from './memory.ts';
import type { AccountStore } from './store.ts';

/**
 * Build (not yet connect) the account store for the configured storage. Given the chat store of
 * the same kind, the account store shares its database (one pool per database per process).
 */
export async function createAccountStore(config: Config, chat?: Store): Promise<AccountStore> {
  switch (config.storage.kind) {
    case 'memory':
      return new MemoryAccountStore();
    case 'mongo': {
      const { MongoAccountStore } = await import('./mongo.ts');
      const { MongoStore } = await import('../store/mongo.ts');
      const database = chat instanceof MongoStore ? chat.database : undefined;
      return new MongoAccountStore(database ? { database } : { url: config.storage.url as string });
    }
    case 'postgres': {
      const { PostgresAccountStore } = await import('./postgres.ts');
      const { PostgresStore } = await import('../store/postgres.ts');
      const database = chat instanceof PostgresStore ? chat.database : undefined;
      return new PostgresAccountStore(database ? { database } : { url: config.storage.url as string });
    }
  }
}

/** The account store createApp uses by default: memory directly, a database one lazily (sharing `chat`'s database). */
export function defaultAccountStore(config: Config, chat?: Store): AccountStore {
  if (config.storage.kind === 'memory') return new MemoryAccountStore();
  return lazyAccountStore(config.storage.kind, async () => {
    const store = await createAccountStore(config, chat);
    try {
      await store.init();
    } catch (err) {
      await store.close().catch(() => undefined); // do not leak a half-open pool; the next call retries
      throw err;
    }
    return store;
  });
}

/** Delegate to a store that is built and initialised on first use; a failed start is retried on the next call. */
export function lazyAccountStore(kind: AccountStore['kind'], load: () => Promise<AccountStore>): AccountStore {
  let ready: Promise<AccountStore> | undefined;
  const get = (): Promise<AccountStore> => {
    ready ??= load().catch((err: unknown) => {
      ready = undefined;
      throw err instanceof StoreUnavailableError
        ? err
        : new StoreUnavailableError('Account storage is unavailable', { cause: err });
    });
    return ready;
  };
  return {
    kind,
    init: async () => {
      await get();
    },
    close: async () => {
      const current = ready;
      ready = undefined;
      if (current) await (await current.catch(() => null))?.close();
    },
    createAccount: async (input) => (await get()).createAccount(input),
    findByLogin: async (login) => (await get()).findByLogin(login),
    findByUserId: async (userId) => (await get()).findByUserId(userId),
    saveToken: async (hash, userId, expiresAt) => (await get()).saveToken(hash, userId, expiresAt),
    findToken: async (hash) => (await get()).findToken(hash),
    revokeToken: async (hash) => (await get()).revokeToken(hash),
  };
}
