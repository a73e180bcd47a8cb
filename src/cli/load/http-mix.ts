/**
 * `--http-rate`: REST traffic mixed into the run at a fixed rate, round-robin over
 * GET /rooms/{id}/messages?limit=20, POST /rooms/{id}/messages and GET /rooms. At most
 * MAX_INFLIGHT requests are outstanding; beyond that a request is skipped and counted
 * (`skipped`), so a slow server cannot make the tool queue without bound.
 */
import { paths } from '../../shared/protocol.ts';
import type { ClientSpec } from './protocol.ts';
import { loadUsername, timedRequest, withToken, type RestStats, type RestTarget } from './setup.ts';

const MAX_INFLIGHT = 64;
const TICK_MS = 5;

/** Run the mix for `durationMs`; resolves when every request has finished. */
export async function runHttpMix(
  target: RestTarget,
  stats: RestStats,
  opts: { ratePerS: number; durationMs: number; clients: ClientSpec[]; run: string },
): Promise<void> {
  if (opts.ratePerS <= 0 || opts.clients.length === 0) return;
  const started = performance.now();
  let issued = 0;
  let inflight = 0;
  const pending = new Set<Promise<unknown>>();
  const fire = (n: number): void => {
    const client = opts.clients[n % opts.clients.length] as ClientSpec;
    const kind = n % 3;
    const req =
      kind === 0
        ? { method: 'GET' as const, url: `${paths.messages(client.roomId)}?limit=20` }
        : kind === 1
          ? {
              method: 'POST' as const,
              url: paths.messages(client.roomId),
              // username: the seed's FastAPI backend requires it (422 without).
              json: {
                user_id: client.userId,
                username: loadUsername(opts.run, client.index),
                content: `rest ${n}`,
                client_msg_id: `rest.${opts.run}.${n}`,
              },
              ...withToken(client.token),
            }
          : { method: 'GET' as const, url: paths.rooms() };
    if (inflight >= MAX_INFLIGHT) {
      stats.statuses.skipped = (stats.statuses.skipped ?? 0) + 1;
      return;
    }
    inflight++;
    const p = timedRequest(target, stats, req).finally(() => {
      inflight--;
      pending.delete(p);
    });
    pending.add(p);
  };
  await new Promise<void>((resolve) => {
    const tick = (): void => {
      const elapsed = performance.now() - started;
      const due = Math.floor((Math.min(elapsed, opts.durationMs) * opts.ratePerS) / 1000);
      while (issued < due) fire(issued++);
      if (elapsed >= opts.durationMs) resolve();
      else setTimeout(tick, TICK_MS);
    };
    tick();
  });
  await Promise.all(pending);
}
