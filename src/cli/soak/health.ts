/** Sample GET /health for the figures a soak tracks: RSS, heap, open connections. */
import { paths } from '../../shared/protocol.ts';
import { httpRequest } from '../client/http.ts';
import { describeNetError } from '../client/net-error.ts';
import type { HealthSample } from './result.ts';

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/** One sample; never throws (a failed request is `ok:false` with the reason). */
export async function sampleHealth(
  api: string,
  origin: string | null,
  headers: Record<string, string> = {},
): Promise<HealthSample> {
  try {
    const res = await httpRequest({ url: paths.health(), base: api, origin, headers, timeoutMs: 5000 });
    const body = (res.json ?? {}) as Record<string, unknown>;
    return {
      ok: res.status === 200,
      status: res.status,
      rss_bytes: num(body.memory_rss_bytes),
      heap_used_bytes: num(body.heap_used_bytes),
      active_connections: num(body.active_connections),
    };
  } catch (err) {
    return {
      ok: false,
      status: 0,
      rss_bytes: null,
      heap_used_bytes: null,
      active_connections: null,
      error: describeNetError(err),
    };
  }
}
