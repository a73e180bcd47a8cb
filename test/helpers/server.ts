/** Start the real app on 127.0.0.1:0 with an in-memory store (or the one given). */
import { createApp, type App, type AppOptions } from '../../src/server/app.ts';
import { testConfig, type Config } from '../../src/server/config.ts';
import { MemoryStore } from '../../src/server/store/memory.ts';
import type { Store } from '../../src/server/store/store.ts';

export const ORIGIN = 'http://localhost:3000';

export interface TestServer {
  url: string;
  wsUrl: string;
  port: number;
  /** GET /metrics on METRICS_PORT, when the config has one. */
  metricsUrl?: string | undefined;
  app: App;
  store: Store;
  config: Config;
  close(): Promise<void>;
}

/**
 * REST, /health, upgrade-attempt and flooder limits high enough that functional tests never trip them;
 * limit tests override them. Per-socket frame budgets keep their defaults (real clients stay under them).
 */
const UNTHROTTLED: Partial<Config> = {
  rateLimitRead: { perSecond: 100_000, burst: 100_000 },
  rateLimitWrite: { perSecond: 100_000, burst: 100_000 },
  roomCreateRate: { perSecond: 100_000, burst: 100_000 },
  userCreateRate: { perSecond: 100_000, burst: 100_000 },
  maxTcpConnectionsPerIp: 100_000,
  healthRate: { perSecond: 100_000, burst: 100_000 },
  wsUpgradeRate: { perSecond: 100_000, burst: 100_000 },
  // Flood tests close several sockets 1008 from 127.0.0.1 and then open more.
  wsAbuseRate: { perSecond: 100_000, burst: 100_000 },
};

/** Per-socket frame budgets opened up, for tests that push more than a person could type. */
export const OPEN_FRAME_BUDGETS: Partial<Config> = {
  wsMessageRate: { perSecond: 100_000, burst: 100_000 },
  wsTypingRate: { perSecond: 100_000, burst: 100_000 },
  wsControlRate: { perSecond: 100_000, burst: 100_000 },
  wsByteRate: { perSecond: 1e9, burst: 1e9 },
};

/** `extra`: further createApp options (an account store, a clock). */
export async function startTestServer(
  overrides: Partial<Config> = {},
  store: Store = new MemoryStore(),
  extra: Omit<AppOptions, 'config' | 'store'> = {},
): Promise<TestServer> {
  const config = testConfig({ ...UNTHROTTLED, ...overrides });
  await store.init();
  const app = createApp({ config, store, ...extra });
  const { port, metricsUrl } = await app.listen();
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    wsUrl: `ws://127.0.0.1:${port}`,
    port,
    metricsUrl,
    app,
    store,
    config,
    close: async () => {
      await app.close();
      await store.close();
    },
  };
}
