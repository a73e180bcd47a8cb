/**
 * The startup line with the configuration in effect: every setting, with credentials out.
 * Passwords in connection URLs become `REDACTED` (redact.ts, like every other log line), and the
 * metrics token is only said to be set.
 */
import type { Config } from './config.ts';
import { redactConnectionUrl } from './redact.ts';
import type { Fields } from './log.ts';

/** `config` as log fields, safe to print. */
export function effectiveConfig(config: Config): Fields {
  const { origins, storage, redisUrl, metricsToken, ...rest } = config;
  return {
    ...rest,
    origins: origins.entries,
    storage: { ...storage, ...(storage.url === undefined ? {} : { url: redactConnectionUrl(storage.url) }) },
    redisUrl: redisUrl === null ? null : redactConnectionUrl(redisUrl),
    metricsToken: metricsToken === null ? 'unset' : 'set',
  };
}
