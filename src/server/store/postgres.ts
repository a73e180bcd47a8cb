// Placeholder replaced by the postgres store implementation.
import { MemoryStore } from './memory.ts';
export class PostgresStore extends MemoryStore {
  constructor(_options: { url: string }) {
    super();
    throw new Error('postgres store not implemented yet');
  }
}
