/**
 * The startup line with the configuration in effect: every setting, with credentials out.
 * Passwords in connection URLs become `***`, and the metrics token is only said to be set.
 */
import type { Config } from './config.ts';
import type { Fields } from './log.ts';

/** `config` as log fields, safe to print. */
export function effectiveConfig(config: Config): Fields {
  const { origins, storage, redisUrl, metricsToken, ...rest } = config;
  return {
    ...rest,
    origins: origins.entries,
    storage: { ...storage, ...(storage.url === undefined ? {} : { url: redactUrl(storage.url) }) },
    redisUrl: redisUrl === null ? null : redactUrl(redisUrl),
    metricsToken: metricsToken === null ? 'unset' : 'set',
  };
}

/** A URL without its password (and without secret-looking query parameters); unparsable: fully hidden. */
export function redactUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return '(unparsable URL, hidden)';
  }
  if (url.password) url.password = '***';
  for (const key of [...url.searchParams.keys()]) {
    if (/pass|secret|token|key|auth/i.test(key)) url.searchParams.set(key, '***');
  }
  return url.toString();
}
