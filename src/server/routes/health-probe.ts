/**
 * The database probe behind GET /health, cached: at most one probe starts per `minIntervalMs`
 * and callers arriving while one runs share it, so hammering /health cannot load the database.
 */

/** A cached storage probe. */
export interface StorageProbe {
  /** The last result while it is fresh (its probe started under `minIntervalMs` ago), else undefined. */
  fresh(now?: number): boolean | undefined;
  /** The running probe, or a new one; never rejects (a failure or timeout is `false`). */
  run(now?: number): Promise<boolean>;
}

/** Wrap `ping` (true when the database answers) with a `timeoutMs` limit and the cache. */
export function cachedProbe(ping: () => Promise<boolean>, minIntervalMs: number, timeoutMs: number): StorageProbe {
  let startedAtMs = -Infinity;
  let last: boolean | undefined;
  let running: Promise<boolean> | undefined;
  return {
    fresh(now = performance.now()) {
      return now - startedAtMs < minIntervalMs ? last : undefined;
    },
    run(now = performance.now()) {
      if (running) return running;
      startedAtMs = now;
      running = withTimeout(ping, timeoutMs).then((ok) => {
        last = ok;
        running = undefined;
        return ok;
      });
      return running;
    },
  };
}

async function withTimeout(ping: () => Promise<boolean>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([ping().catch(() => false), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
