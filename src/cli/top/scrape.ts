/** One GET /metrics of a deployment, with the reasons it can fail said in words. */
import type { Dispatcher } from 'undici';
import { bearerHeaders, httpRequest } from '../client/http.ts';
import { describeNetError } from '../client/net-error.ts';
import { parseExposition, type Sample } from './exposition.ts';

/** A scrape that cannot succeed as configured (wrong token, metrics off): retrying will not help. */
export class ScrapeRefused extends Error {
  override name = 'ScrapeRefused';
}

export interface ScrapeOptions {
  /** API base URL; `/metrics` is appended. */
  api: string;
  /** METRICS_TOKEN of the server, sent as a bearer token. */
  token?: string | undefined;
  /** Extra request headers (--header). */
  headers?: Record<string, string>;
  timeoutMs: number;
  dispatcher?: Dispatcher;
}

/** The samples of one scrape. Throws ScrapeRefused for 401/404, Error for anything else. */
export async function scrapeMetrics(options: ScrapeOptions): Promise<Sample[]> {
  let res;
  try {
    res = await httpRequest({
      url: '/metrics',
      base: options.api,
      headers: { ...options.headers, accept: 'text/plain', ...(options.token ? bearerHeaders(options.token) : {}) },
      timeoutMs: options.timeoutMs,
      ...(options.dispatcher ? { dispatcher: options.dispatcher } : {}),
    });
  } catch (err) {
    throw new Error(`cannot reach ${options.api}/metrics: ${describeNetError(err)}`, { cause: err });
  }
  if (res.status === 401) {
    throw new ScrapeRefused(
      options.token
        ? 'the server refused the token: pass its METRICS_TOKEN with --token'
        : 'the server wants a token: pass its METRICS_TOKEN with --token',
    );
  }
  if (res.status === 404) {
    throw new ScrapeRefused(
      'GET /metrics is off on that server (404): set METRICS_TOKEN there, or METRICS_PORT and point --api at that port',
    );
  }
  if (res.status !== 200) throw new Error(`GET /metrics answered ${res.status}`);
  const samples = parseExposition(res.text);
  if (!samples.some((s) => s.name.startsWith('vchat_')))
    throw new ScrapeRefused('that /metrics is not a vchat server (no vchat_ metrics)');
  return samples;
}
