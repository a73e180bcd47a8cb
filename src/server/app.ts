/**
 * createApp({config, store}) -> {server, listen, close}. Wires the router, the request
 * pipeline, the WebSocket server and the hub. Nothing here reads process.env.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { defaultAccountStore } from './auth/index.ts';
import { AuthService } from './auth/service.ts';
import type { AccountStore } from './auth/store.ts';
import { Chat, localFanout, type Fanout } from './chat.ts';
import { metricsEnabled, type Config, type RateConfig } from './config.ts';
import { createRequestHandler } from './http/handler.ts';
import { rawAnswer, writeRawAnswer } from './http/raw-answer.ts';
import { Router } from './http/router.ts';
import { BodyBudget } from './limits/body-budget.ts';
import { capConnections } from './limits/connection-cap.ts';
import { CreationBudgets, localBudget, type BudgetFactory } from './limits/creation.ts';
import type { RequestLimiter } from './limits/shared-rate.ts';
import { KeyedLimiter } from './limits/token-bucket.ts';
import { createLogger, type Logger } from './log.ts';
import { metricsListener, withMetricsRoute } from './metrics/endpoint.ts';
import { RequestMetrics } from './metrics/http.ts';
import { ServerMetrics } from './metrics/metrics.ts';
import { observeStore } from './metrics/store.ts';
import { registerAuth } from './routes/auth.ts';
import type { RouteDeps } from './routes/deps.ts';
import { registerHealth } from './routes/health.ts';
import { registerMessages } from './routes/messages.ts';
import { registerRooms } from './routes/rooms.ts';
import { registerThumbnails } from './routes/thumbnails.ts';
import { registerUsers } from './routes/users.ts';
import type { Store } from './store/store.ts';
import { Hub } from './ws/hub.ts';
import { createWsServer } from './ws/server.ts';

export interface AppOptions {
  config: Config;
  store: Store;
  log?: Logger;
  /** Replace the local fan-out (scale-out). Receives the hub it must deliver into, and the metrics when they are on. */
  fanout?: (hub: Hub, metrics?: ServerMetrics) => Fanout;
  /** Where accounts and tokens live. Default: picked by config.storage.kind (auth/index.ts), and closed by close(). */
  accounts?: AccountStore;
  /**
   * Where the creation, login and upgrade-attempt budgets count (REDIS_URL: shared by all
   * instances, limits/shared-budget.ts). Default: this process.
   */
  budgets?: BudgetFactory;
  /** Where the REST read/write budgets per IP count (REDIS_URL: shared, limits/shared-rate.ts). Default: this process. */
  requestBudgets?: (name: string, rate: RateConfig) => RequestLimiter;
  /** Clock for token expiry, ms since the epoch (tests). Default Date.now. */
  now?: () => number;
}

export interface App {
  server: Server;
  hub: Hub;
  chat: Chat;
  store: Store;
  auth: AuthService;
  /** Present when GET /metrics is on (METRICS_TOKEN or METRICS_PORT). */
  metrics: ServerMetrics | undefined;
  /** Listen on config.host/config.port (and METRICS_PORT); resolves with the bound port and base URL. */
  listen(): Promise<{ port: number; url: string; metricsUrl?: string }>;
  /** Stop accepting, close sockets with 1001, finish in-flight requests. Does not close the store. */
  close(): Promise<void>;
}

export function createApp(options: AppOptions): App {
  const { config } = options;
  const log = options.log ?? createLogger(config.logLevel);
  const metrics = metricsEnabled(config) ? new ServerMetrics() : undefined;
  const { store, watch } = observeStore(options.store, log, metrics);
  const hub = new Hub();
  const fanout = options.fanout ? options.fanout(hub, metrics) : localFanout(hub);
  const chat = new Chat(store, hub, fanout);
  metrics?.bind({ hub, chat, store, storeWatch: watch });
  const budget = options.budgets ?? ((_name: string, rate: RateConfig) => localBudget(rate));
  const creation = new CreationBudgets({
    create_room: budget('rooms', config.roomCreateRate),
    create_user: budget('users', config.userCreateRate),
  });

  // The unwrapped store: the account store shares its database pool (a property the wrapper hides).
  const accounts = options.accounts ?? defaultAccountStore(config, options.store);
  const auth = new AuthService({
    config,
    store,
    accounts,
    ...(options.now ? { now: options.now } : {}),
    ...(fanout.revocations ? { revocations: fanout.revocations } : {}),
    budgets: budget,
  });
  const deps: RouteDeps = { config, store, chat, hub, log, startedAtMs: performance.now(), metrics, creation, auth };
  // Each route declares its own auth policy where it registers (auth/guard.ts); the router knows none.
  const router = new Router();
  registerHealth(router, deps);
  registerAuth(router, deps);
  registerUsers(router, deps);
  registerRooms(router, deps);
  registerThumbnails(router, deps);
  registerMessages(router, deps);

  const requestBudget = options.requestBudgets ?? ((_name: string, rate: RateConfig) => new KeyedLimiter(rate));
  const readLimiter = requestBudget('rest_read', config.rateLimitRead);
  const writeLimiter = requestBudget('rest_write', config.rateLimitWrite);
  const healthLimiter = new KeyedLimiter(config.healthRate);
  /** Once closing, every response still to be written ends with Connection: close (see respond.ts). */
  const lifecycle = { closing: false };
  const observer = metrics ? new RequestMetrics(metrics, (path) => router.template(path)) : undefined;
  const bodies = new BodyBudget(config.maxBodyBytesInFlightPerIp, config.maxBodyBytesInFlight, config.maxBodyBytes);
  const appHandler = createRequestHandler({
    config,
    router,
    log,
    readLimiter,
    writeLimiter,
    healthLimiter,
    bodies,
    lifecycle,
    observer,
  });
  const scrape = metrics ? metricsListener(metrics, config.metricsToken, log) : undefined;
  // METRICS_PORT: /metrics only on its own listener; else METRICS_TOKEN puts it on the main port.
  const handleRequest = scrape && config.metricsPort === null ? withMetricsRoute(scrape, appHandler) : appHandler;
  const metricsServer =
    scrape && config.metricsPort !== null
      ? createServer({ headersTimeout: config.headersTimeoutMs, requestTimeout: config.requestTimeoutMs }, scrape)
      : undefined;
  const server = createServer(
    {
      headersTimeout: config.headersTimeoutMs,
      requestTimeout: config.requestTimeoutMs,
      keepAliveTimeout: config.keepAliveTimeoutMs,
      // Node checks the two timeouts above only every connectionsCheckingInterval (default
      // 30 s), so a slowloris client would live up to 30 s past them: check 4 times per timeout.
      connectionsCheckingInterval: Math.max(
        50,
        Math.min(30_000, Math.floor(Math.min(config.headersTimeoutMs, config.requestTimeoutMs) / 4)),
      ),
      maxHeaderSize: 16 * 1024,
    },
    handleRequest,
  );
  capConnections(server, {
    maxPerIp: config.maxTcpConnectionsPerIp,
    maxTotal: config.maxTcpConnections,
    trustProxy: config.trustProxy,
  });
  const ws = createWsServer({ config, store, chat, log, auth, metrics }, budget('ws_upgrade', config.wsUpgradeRate));
  server.on('upgrade', (req, socket, head) => ws.handleUpgrade(req, socket, head));
  server.on('clientError', (err: NodeJS.ErrnoException, socket) => {
    if (err.code === 'ECONNRESET') {
      socket.destroy();
      return;
    }
    const status = err.code === 'HPE_HEADER_OVERFLOW' ? 431 : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
    const detail =
      status === 431 ? 'Request headers too large' : status === 408 ? 'Request timed out' : 'Malformed HTTP request';
    writeRawAnswer(socket, rawAnswer(status, { detail, code: 'bad_request' }));
  });

  return {
    server,
    hub,
    chat,
    store,
    auth,
    metrics,
    async listen() {
      const url = await listenOn(server, config.port, config.host);
      if (!metricsServer || config.metricsPort === null) return { port: url.port, url: url.url };
      const scrapeAt = await listenOn(metricsServer, config.metricsPort, config.host);
      log.info('metrics listening', { url: `${scrapeAt.url}/metrics`, token_required: config.metricsToken !== null });
      return { port: url.port, url: url.url, metricsUrl: `${scrapeAt.url}/metrics` };
    },
    async close() {
      readLimiter.close();
      writeLimiter.close();
      creation.close();
      healthLimiter.close();
      auth.close();
      lifecycle.closing = true;
      const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      await ws.close(config.shutdownTimeoutMs);
      const timer = setTimeout(() => server.closeAllConnections(), Math.max(0, config.shutdownTimeoutMs - 2000));
      timer.unref();
      await stopped;
      clearTimeout(timer);
      if (!options.accounts) await accounts.close();
      if (metricsServer?.listening) {
        metricsServer.closeAllConnections();
        await new Promise<void>((resolve) => metricsServer.close(() => resolve()));
      }
    },
  };
}

/** Listen on host:port; resolves with the bound port and a base URL that can be dialled. */
function listenOn(server: Server, port: number, host: string): Promise<{ port: number; url: string }> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const bound = (server.address() as AddressInfo).port;
      const dial = host === '0.0.0.0' || host === '::' ? 'localhost' : host;
      resolve({ port: bound, url: `http://${dial.includes(':') ? `[${dial}]` : dial}:${bound}` });
    });
  });
}
