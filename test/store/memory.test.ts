/** The store contract on the in-memory store: runs everywhere. */
import { MemoryStore } from '../../src/server/store/memory.ts';
import { storeContract } from './contract.ts';

storeContract('memory', async () => new MemoryStore());
