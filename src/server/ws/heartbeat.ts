/**
 * Protocol-level liveness (ws README, "How to detect and close broken connections"):
 * every interval, terminate sockets that did not answer the previous ping, ping the rest.
 */
export interface Beating {
  alive: boolean;
  readonly ws: { ping(): void; terminate(): void };
}

export function startHeartbeat(sockets: () => Iterable<Beating>, intervalMs: number): () => void {
  const timer = setInterval(() => {
    for (const s of [...sockets()]) {
      if (!s.alive) {
        s.ws.terminate();
        continue;
      }
      s.alive = false;
      try {
        s.ws.ping();
      } catch {
        s.ws.terminate();
      }
    }
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
