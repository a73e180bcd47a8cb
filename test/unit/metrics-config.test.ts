import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, metricsEnabled } from '../../src/server/config.ts';
import { effectiveConfig } from '../../src/server/effective-config.ts';
import { redactConnectionUrl } from '../../src/server/redact.ts';

const problems = (env: Record<string, string>): string[] => {
  try {
    loadConfig(env);
    return [];
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
};

describe('metrics configuration', () => {
  it('is off unless METRICS_TOKEN or METRICS_PORT is set', () => {
    expect(metricsEnabled(loadConfig({}))).toBe(false);
    expect(metricsEnabled(loadConfig({ METRICS_TOKEN: 'x'.repeat(16) }))).toBe(true);
    expect(loadConfig({ METRICS_PORT: '9100' })).toMatchObject({ metricsPort: 9100, metricsToken: null });
  });

  it('refuses a short token and a METRICS_PORT equal to PORT, with the other problems', () => {
    expect(problems({ METRICS_TOKEN: 'short', METRICS_PORT: '8000', PORT: '8000' })).toEqual([
      'METRICS_TOKEN must be at least 16 characters (try: openssl rand -hex 24)',
      'METRICS_PORT (8000) must differ from PORT: /metrics gets a listener of its own',
    ]);
    expect(problems({ METRICS_PORT: 'ninety' })).toEqual([
      'METRICS_PORT="ninety" must be a whole number from 1 to 65535',
    ]);
  });
});

describe('log level per environment', () => {
  it('is info in production (Railway or NODE_ENV=production), debug elsewhere, LOG_LEVEL wins', () => {
    expect(loadConfig({ RAILWAY_ENVIRONMENT: 'production' }).logLevel).toBe('info');
    expect(loadConfig({ NODE_ENV: 'production' }).logLevel).toBe('info');
    expect(loadConfig({}).logLevel).toBe('debug');
    expect(loadConfig({ NODE_ENV: 'production', LOG_LEVEL: 'warn' }).logLevel).toBe('warn');
  });
});

describe('the startup configuration line', () => {
  it('shows every setting but no credential', () => {
    const config = loadConfig({
      DATABASE_URL: 'postgres://app:s3cret-pw@db.internal:5432/chat?sslmode=require&password=other-secret',
      REDIS_URL: 'rediss://default:redis-pw@cache.internal:6380',
      METRICS_TOKEN: 'metrics-token-1234567890',
    });
    const fields = effectiveConfig(config);
    const line = JSON.stringify(fields);
    for (const secret of ['s3cret-pw', 'other-secret', 'redis-pw', 'metrics-token-1234567890'])
      expect(line).not.toContain(secret);
    expect(fields).toMatchObject({
      storage: {
        kind: 'postgres',
        url: 'postgres://app:REDACTED@db.internal:5432/chat?sslmode=require&password=REDACTED',
        source: 'DATABASE_URL',
      },
      redisUrl: 'rediss://default:REDACTED@cache.internal:6380',
      metricsToken: 'set',
      port: 8000,
      maxConnections: config.maxConnections,
    });
    expect(redactConnectionUrl('not a url with a pw')).toBe('(unparsable URL, hidden)');
  });
});
