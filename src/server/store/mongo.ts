// Placeholder replaced by the mongo store implementation.
import { MemoryStore } from './memory.ts';
export class MongoStore extends MemoryStore {
  constructor(_options: { url: string }) {
    super();
    throw new Error('mongo store not implemented yet');
  }
}
