/** Pick the store from config. Database drivers are imported only when selected. */
import type { Config } from '../config.ts';
import { MemoryStore } from './memory.ts';
import type { Store } from './store.ts';

export async function createStore(config: Config): Promise<Store> {
  switch (config.storage.kind) {
    case 'memory':
      return new MemoryStore({
        historyLimit: config.historyLimit,
        budget: {
          maxMessages: config.memoryMaxMessages,
          maxRooms: config.memoryMaxRooms,
          maxBytes: config.memoryMaxBytes,
        },
      });
    case 'mongo': {
      const { MongoStore } = await import('./mongo.ts');
      return new MongoStore({ url: config.storage.url as string, maxPoolSize: config.databasePoolSize });
    }
    case 'postgres': {
      const { PostgresStore } = await import('./postgres.ts');
      return new PostgresStore({ url: config.storage.url as string, max: config.databasePoolSize });
    }
  }
}
