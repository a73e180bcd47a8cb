/** Our server for the bench: the real app, in-memory store, limits opened up so the bench measures speed, not policy. */
import { createApp } from '../src/server/app.ts';
import { testConfig } from '../src/server/config.ts';
import { MemoryStore } from '../src/server/store/memory.ts';
import { serveBench } from './ipc.ts';

const OPEN = { perSecond: 1_000_000, burst: 1_000_000 };
const config = testConfig({
  // Production logs at info (one line per accepted socket); the bench keeps warn so it
  // measures the server rather than the terminal.
  logLevel: 'warn',
  rateLimitRead: OPEN,
  rateLimitWrite: OPEN,
  wsMessageRate: OPEN,
  wsTypingRate: OPEN,
  maxConnections: 20_000,
  maxConnectionsPerIp: 20_000,
  // The run's messages stay in memory; keep the per-room history small so it does not dominate RSS.
  historyLimit: 1000,
});
const store = new MemoryStore();
await store.init();
const app = createApp({ config, store });
await app.listen();
await serveBench(app.server);
