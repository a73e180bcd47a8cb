import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, testConfig } from '../../src/server/config.ts';

describe('account configuration', () => {
  it('defaults: REQUIRE_AUTH off, 30-day tokens, login buckets per minute', () => {
    const config = loadConfig({});
    expect(config.requireAuth).toBe(false);
    expect(config.tokenTtlDays).toBe(30);
    expect(config.loginRateIp).toEqual({ perSecond: 20 / 60, burst: 20 });
    expect(config.loginRateUser).toEqual({ perSecond: 5 / 60, burst: 10 });
    expect(testConfig().requireAuth).toBe(false);
  });

  it('reads REQUIRE_AUTH, TOKEN_TTL_DAYS and LOGIN_RATE_*', () => {
    const config = loadConfig({
      REQUIRE_AUTH: 'true',
      TOKEN_TTL_DAYS: '7',
      LOGIN_RATE_USER_PER_MIN: '3',
      LOGIN_RATE_USER_BURST: '4',
      LOGIN_RATE_IP_PER_MIN: '60',
    });
    expect(config.requireAuth).toBe(true);
    expect(config.tokenTtlDays).toBe(7);
    expect(config.loginRateUser).toEqual({ perSecond: 3 / 60, burst: 4 });
    expect(config.loginRateIp.perSecond).toBe(1);
  });

  it('reports bad values all at once', () => {
    let err: unknown;
    try {
      loadConfig({ REQUIRE_AUTH: 'maybe', TOKEN_TTL_DAYS: '0' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).problems.join('\n')).toMatch(/REQUIRE_AUTH[\s\S]*TOKEN_TTL_DAYS/);
  });
});
