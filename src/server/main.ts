/**
 * The only file touching `process`: config -> store -> app -> listen; SIGTERM/SIGINT, and the
 * crash policy (an uncaught fault drains like SIGTERM, then exit 1).
 * One entry point for `npm start`, the Procfile and the Dockerfile.
 */
import { createApp } from './app.ts';
import { ConfigError, loadConfig } from './config.ts';
import { effectiveConfig } from './effective-config.ts';
import { createLogger } from './log.ts';
import { startScaleOut } from './scale/index.ts';
import { createStore } from './store/index.ts';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig(process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`vchat: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const log = createLogger(config.logLevel);
  log.info('configuration', effectiveConfig(config));
  log.info('allowed origins', { origins: config.origins.entries, ws_allow_no_origin: config.wsAllowNoOrigin });

  const store = await createStore(config);
  try {
    await store.init();
  } catch (err) {
    // A database that is down at startup is not fatal: /health says degraded until it returns.
    log.error('storage not reachable at startup; serving degraded until it returns', { kind: store.kind, err });
  }
  if (store.persistent) {
    log.info('storage', { kind: store.kind, persistent: true, source: config.storage.source });
  } else {
    const fields = { kind: store.kind, persistent: false, history_limit: config.historyLimit };
    if (config.production)
      log.warn(
        'in-memory storage: every user, room and message is lost on restart. Set MONGODB_URI or DATABASE_URL.',
        fields,
      );
    else log.info('in-memory storage (data is lost on restart; set MONGODB_URI or DATABASE_URL to persist)', fields);
  }

  // REDIS_URL: cross-instance fan-out and presence; without it, null and nothing changes.
  const scale = await startScaleOut(config, log);
  // REDIS_URL: the creation, login, upgrade-attempt and REST request budgets count once for all
  // instances, on the fan-out's Redis connection. Imported only then: one process without Redis
  // loads no Redis code.
  const shared = scale
    ? new (await import('./limits/shared-budget.ts')).SharedBudgets({ client: scale.redis, prefix: config.redisPrefix })
    : null;
  const app = createApp({
    config,
    store,
    log,
    ...(scale ? { fanout: (hub, metrics) => scale.fanout(hub, metrics) } : {}),
    ...(shared
      ? {
          budgets: (name, rate) => shared.budget(name, rate),
          requestBudgets: (name, rate) => shared.requests(name, rate),
        }
      : {}),
  });
  const { url } = await app.listen();
  log.info('listening', {
    url,
    host: config.host,
    port: config.port,
    version: config.version,
    commit: config.commit,
    environment: config.environment,
  });

  let stopping = false;
  /** 0 after a signal; 1 once a fault happened (even during a drain already under way). */
  let exitCode = 0;
  const shutdown = async (signal: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    log.info('shutting down', { signal });
    const hardExit = setTimeout(() => {
      log.error('shutdown took too long; exiting');
      process.exit(1);
    }, config.shutdownTimeoutMs);
    hardExit.unref();
    try {
      scale?.drain(); // sockets closed with 1001 reconnect elsewhere: no user_left flap
      await app.close();
      await scale?.close();
      await store.close();
    } catch (err) {
      log.error('shutdown failed', { err });
      exitCode = 1;
    }
    log.info('stopped');
    process.exit(exitCode);
  };
  // After an uncaught fault Node documents the process state as unsafe: stop accepting, drain
  // like SIGTERM (bounded by SHUTDOWN_TIMEOUT_MS) and exit 1 so the platform starts a clean one.
  const crash = (what: string, err: unknown): void => {
    log.error(what, { err });
    exitCode = 1;
    void shutdown(what);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('unhandledRejection', (err) => crash('unhandled rejection', err));
  process.on('uncaughtException', (err) => crash('uncaught exception', err));
  const fault = config.testFault;
  if (fault) process.on('SIGUSR2', () => raiseTestFault(fault));
}

/** VCHAT_TEST_FAULT (test-only, refused in production by config.ts): a real uncaught fault on SIGUSR2. */
function raiseTestFault(kind: 'exception' | 'rejection'): void {
  if (kind === 'exception') {
    setImmediate(() => {
      throw new Error('VCHAT_TEST_FAULT: uncaught exception raised on SIGUSR2');
    });
  } else {
    void Promise.reject(new Error('VCHAT_TEST_FAULT: unhandled rejection raised on SIGUSR2'));
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`vchat: failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
