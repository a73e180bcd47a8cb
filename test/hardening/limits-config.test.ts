/** Every limit in docs/security.md is set by the env var the table names, and impossible combinations fail fast. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/server/config.ts';
import { LIMITS } from '../../src/shared/protocol.ts';

describe('limit env vars (docs/security.md)', () => {
  it('each variable reaches its config field', () => {
    const c = loadConfig({
      RATE_LIMIT_WRITE_PER_S: '7',
      RATE_LIMIT_WRITE_BURST: '8',
      RATE_LIMIT_READ_PER_S: '9',
      RATE_LIMIT_READ_BURST: '10',
      WS_MESSAGE_RATE_PER_S: '11',
      WS_MESSAGE_RATE_BURST: '12',
      WS_TYPING_RATE_PER_S: '13',
      WS_TYPING_RATE_BURST: '14',
      WS_RATE_STRIKES: '15',
      HEARTBEAT_MS: '16000',
      WS_MAX_BUFFERED_BYTES: '17000',
      MAX_CONNECTIONS: '18',
      MAX_CONNECTIONS_PER_IP: '19',
      MAX_ROOM_ONLINE: '20',
      HEADERS_TIMEOUT_MS: '2100',
      REQUEST_TIMEOUT_MS: '2200',
      KEEP_ALIVE_TIMEOUT_MS: '2300',
      SHUTDOWN_TIMEOUT_MS: '2400',
      MAX_BODY_BYTES: '25000',
      MAX_FRAME_BYTES: '26000',
      HISTORY_LIMIT: '27',
      TRUST_PROXY: 'true',
      LOGIN_RATE_IP_PER_MIN: '30',
      LOGIN_RATE_USER_PER_MIN: '6',
    });
    expect(c.rateLimitWrite).toEqual({ perSecond: 7, burst: 8 });
    expect(c.rateLimitRead).toEqual({ perSecond: 9, burst: 10 });
    expect(c.wsMessageRate).toEqual({ perSecond: 11, burst: 12 });
    expect(c.wsTypingRate).toEqual({ perSecond: 13, burst: 14 });
    expect(c.wsRateStrikes).toBe(15);
    expect(c.heartbeatMs).toBe(16000);
    expect(c.wsMaxBufferedBytes).toBe(17000);
    expect([c.maxConnections, c.maxConnectionsPerIp, c.maxRoomMembersOnline]).toEqual([18, 19, 20]);
    expect([c.headersTimeoutMs, c.requestTimeoutMs, c.keepAliveTimeoutMs, c.shutdownTimeoutMs]).toEqual([
      2100, 2200, 2300, 2400,
    ]);
    expect([c.maxBodyBytes, c.maxFrameBytes, c.historyLimit]).toEqual([25000, 26000, 27]);
    expect(c.trustProxy).toBe(true);
    expect(c.loginRateIp.perSecond).toBeCloseTo(0.5);
    expect(c.loginRateUser.perSecond).toBeCloseTo(0.1);
  });

  it('defaults match the table', () => {
    const c = loadConfig({});
    expect(c.rateLimitWrite).toEqual({ perSecond: 20, burst: 40 });
    expect(c.rateLimitRead).toEqual({ perSecond: 50, burst: 100 });
    expect(c.wsMessageRate).toEqual({ perSecond: 10, burst: 20 });
    expect(c.wsTypingRate).toEqual({ perSecond: 10, burst: 10 });
    expect(c.wsRateStrikes).toBe(20);
    expect(c.heartbeatMs).toBe(30_000);
    expect(c.wsMaxBufferedBytes).toBe(1024 * 1024);
    expect([c.maxConnections, c.maxConnectionsPerIp, c.maxRoomMembersOnline]).toEqual([10_000, 100, 0]);
    expect([c.headersTimeoutMs, c.requestTimeoutMs, c.keepAliveTimeoutMs, c.shutdownTimeoutMs]).toEqual([
      10_000, 30_000, 5_000, 10_000,
    ]);
    expect([c.maxBodyBytes, c.maxFrameBytes]).toEqual([1024 * 1024, 64 * 1024]);
    expect(c.trustProxy).toBe(false);
    expect(loadConfig({ RAILWAY_ENVIRONMENT: 'production' }).trustProxy).toBe(true);
  });

  it('the chat frame default comes from LIMITS, and the README limits table (the one doc that states it) agrees', () => {
    const { perSecond, burst } = LIMITS.chatFramesPerSocket;
    expect(loadConfig({}).wsMessageRate).toEqual({ perSecond, burst });
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    expect(readme).toContain(`| Chat frames per socket | ${perSecond}/s, burst ${burst} |`);
  });

  it('frame, upgrade, /health and refusal-log budgets: variables reach their fields; defaults match the table', () => {
    const c = loadConfig({
      WS_CONTROL_RATE_PER_S: '3',
      WS_CONTROL_RATE_BURST: '4',
      WS_BYTE_RATE_PER_S: '5000',
      WS_BYTE_RATE_BURST: '70000',
      WS_UPGRADE_RATE_PER_S: '6',
      WS_UPGRADE_RATE_BURST: '7',
      HEALTH_RATE_PER_S: '8',
      HEALTH_RATE_BURST: '9',
      WS_REJECT_LOG_PER_S: '10',
      WS_STRIKE_BYTES: '70000',
      WS_ABUSE_CLOSES_PER_MIN: '30',
      WS_ABUSE_CLOSES_BURST: '5',
    });
    expect([c.wsControlRate, c.wsByteRate]).toEqual([
      { perSecond: 3, burst: 4 },
      { perSecond: 5000, burst: 70000 },
    ]);
    expect([c.wsUpgradeRate, c.healthRate]).toEqual([
      { perSecond: 6, burst: 7 },
      { perSecond: 8, burst: 9 },
    ]);
    expect(c.wsRejectLogPerSecond).toBe(10);
    expect(c.wsStrikeBytes).toBe(70000);
    expect(c.wsAbuseRate).toEqual({ perSecond: 0.5, burst: 5 });
    const d = loadConfig({});
    expect([d.wsControlRate, d.wsByteRate]).toEqual([
      { perSecond: 2, burst: 10 },
      { perSecond: 65536, burst: 262144 },
    ]);
    expect([d.wsUpgradeRate, d.healthRate]).toEqual([
      { perSecond: 10, burst: 100 },
      { perSecond: 20, burst: 100 },
    ]);
    expect([d.wsRejectLogPerSecond, d.testFault]).toEqual([10, null]);
    expect(d.wsStrikeBytes).toBe(256 * 1024);
    expect(d.wsAbuseRate.burst).toBe(3);
    expect(d.wsAbuseRate.perSecond).toBeCloseTo(0.1);
  });

  it('a byte burst smaller than one frame is refused: such a frame could never be accepted', () => {
    expect(() => loadConfig({ WS_BYTE_RATE_BURST: '1000' })).toThrow(
      /WS_BYTE_RATE_BURST \(1000\) must be at least MAX_FRAME_BYTES \(65536\)/,
    );
  });

  it('a strike-bytes allowance smaller than one frame is refused: one refused frame would close with no warning', () => {
    expect(() => loadConfig({ WS_STRIKE_BYTES: '1000' })).toThrow(
      /WS_STRIKE_BYTES \(1000\) must be at least MAX_FRAME_BYTES \(65536\)/,
    );
  });

  it('VCHAT_TEST_FAULT is test-only: refused in production, and only exception or rejection', () => {
    expect(loadConfig({ VCHAT_TEST_FAULT: 'exception' }).testFault).toBe('exception');
    expect(() => loadConfig({ VCHAT_TEST_FAULT: 'exception', NODE_ENV: 'production' })).toThrow(/for tests only/);
    expect(() => loadConfig({ VCHAT_TEST_FAULT: 'rejection', RAILWAY_ENVIRONMENT: 'staging' })).toThrow(
      /for tests only/,
    );
    expect(() => loadConfig({ VCHAT_TEST_FAULT: 'boom' })).toThrow(/must be exception or rejection/);
  });

  it('a headers timeout above the request timeout is refused with a clear message', () => {
    expect(() => loadConfig({ HEADERS_TIMEOUT_MS: '5000', REQUEST_TIMEOUT_MS: '1000' })).toThrow(ConfigError);
    expect(() => loadConfig({ HEADERS_TIMEOUT_MS: '5000', REQUEST_TIMEOUT_MS: '1000' })).toThrow(
      /HEADERS_TIMEOUT_MS \(5000\) must not be larger than REQUEST_TIMEOUT_MS \(1000\)/,
    );
  });
});
