/** `vchat soak` for a few seconds against the real app: reconnects, /health drift, zero loss. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { soakAction } from '../../src/cli/soak/command.ts';
import { checkSoak } from '../../src/cli/soak/checks.ts';
import { parseGrowth, parseLatencyGrowth } from '../../src/cli/soak/options.ts';
import type { SoakResult } from '../../src/cli/soak/result.ts';
import { ORIGIN, startTestServer, type TestServer } from '../helpers/server.ts';
import { captureIo } from '../helpers/io.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

describe('vchat soak', () => {
  it('reconnects every interval, samples /health, loses nothing', async () => {
    const io = captureIo();
    const code = await soakAction(
      {
        api: server.url,
        origin: ORIGIN,
        clients: '8',
        rooms: '2',
        rate: '20',
        duration: '3s',
        interval: '1s',
        drain: '300ms',
        reconnect: '2',
        json: true,
        maxRssGrowth: '1GB',
        maxP99Growth: '60000ms',
      },
      io,
    );
    const r = JSON.parse(io.out()) as SoakResult;
    expect(r.intervals).toHaveLength(3);
    for (const x of r.intervals) {
      expect(x.reconnects).toMatchObject({ attempted: 2, failed: 0 });
      expect(x.health.ok).toBe(true);
      expect(x.health.rss_bytes).toBeGreaterThan(0);
      expect(x.health.active_connections).toBe(8);
      expect(x.open_clients).toBe(8);
    }
    expect(r.totals.sent).toBeGreaterThan(0);
    expect(r.totals).toMatchObject({ lost: 0, duplicated: 0, reconnect_failures: 0, reconnects: 6 });
    // 2 rooms of 4: each message is expected at 3 other members.
    expect(r.totals.expected).toBe(r.totals.sent * 3);
    expect(r.totals.delivered).toBe(r.totals.expected);
    expect(io.err().trim().split('\n')).toHaveLength(3);
    expect(code).toBe(0);
  });

  it('with --accounts, soaks a REQUIRE_AUTH server: sockets reconnect with their account tokens', async () => {
    const open = { perSecond: 1000, burst: 1000 };
    const authServer = await startTestServer({ requireAuth: true, loginRateIp: open });
    try {
      const io = captureIo();
      const code = await soakAction(
        {
          api: authServer.url,
          origin: ORIGIN,
          clients: '4',
          rooms: '1',
          rate: '8',
          duration: '2s',
          interval: '1s',
          drain: '300ms',
          reconnect: '2',
          json: true,
          maxRssGrowth: '1GB',
          maxP99Growth: '60000ms',
          accounts: true,
        },
        io,
      );
      const r = JSON.parse(io.out()) as SoakResult;
      expect(r.totals).toMatchObject({ lost: 0, duplicated: 0, reconnect_failures: 0, reconnects: 4 });
      expect(r.totals.sent).toBeGreaterThan(0);
      expect(r.totals.delivered).toBe(r.totals.expected);
      expect(code).toBe(0);
    } finally {
      await authServer.close();
    }
  });

  it('fails the RSS-growth check by name', () => {
    const base = {
      totals: { lost: 0, expected: 10, reconnect_failures: 0, reconnects: 2 },
      intervals: [],
    } as unknown as SoakResult;
    const drift = { rss_first_bytes: 100e6, rss_last_bytes: 180e6 } as SoakResult['drift'];
    const checks = checkSoak({ ...base, drift }, { maxRssGrowthFraction: 0.5, maxLoss: 0, maxReconnectFailures: 0 });
    expect(checks[0]).toMatchObject({ name: 'max_rss_growth', ok: false, actual: 0.8 });
    expect(checks.slice(1).every((c) => c.ok)).toBe(true);
    expect(parseGrowth('50%')).toEqual({ fraction: 0.5 });
    expect(parseGrowth('200MB')).toEqual({ bytes: 200e6 });
    expect(() => parseGrowth('lots')).toThrow(/50% or 200MB/);
  });

  it('fails the p99-growth check when the last third of the intervals is slower than the first by more than the limit', () => {
    const interval = (p99: number, delivered = 10) => ({ delivered, latency: { p99_ms: p99 } });
    const base = {
      totals: { lost: 0, expected: 10, reconnect_failures: 0, reconnects: 2 },
      drift: {},
    } as unknown as SoakResult;
    const growing = {
      ...base,
      intervals: [interval(2), interval(3), interval(2.2), interval(2.4), interval(16), interval(15), interval(99, 0)],
    } as unknown as SoakResult;
    const gate = (o: { maxP99GrowthMs?: number; maxP99GrowthFraction?: number }, r = growing) =>
      checkSoak(r, { maxLoss: 0, maxReconnectFailures: 0, ...o }).filter((c) => c.name === 'max_p99_growth');
    // 6 intervals delivered (the empty one is left out): first two median 2.5 ms, last two 15.5 ms.
    expect(gate({ maxP99GrowthMs: 20 })).toEqual([expect.objectContaining({ ok: true, actual: 13 })]);
    expect(gate({ maxP99GrowthMs: 10 })).toEqual([expect.objectContaining({ ok: false, actual: 13 })]);
    expect(gate({ maxP99GrowthMs: 10 })[0]?.detail).toMatch(/2\.5 ms .* 15\.5 ms/);
    expect(gate({ maxP99GrowthFraction: 1 })).toEqual([expect.objectContaining({ ok: false, actual: 5.2 })]);
    const flat = { ...base, intervals: [interval(3), interval(2), interval(3.5)] } as unknown as SoakResult;
    expect(gate({ maxP99GrowthMs: 1 }, flat)).toEqual([expect.objectContaining({ ok: true, actual: 0.5 })]);
    expect(gate({ maxP99GrowthMs: 1 }, { ...base, intervals: [interval(2)] } as unknown as SoakResult)).toEqual([]);
    expect(parseLatencyGrowth('20ms')).toEqual({ ms: 20 });
    expect(parseLatencyGrowth('100%')).toEqual({ fraction: 1 });
    expect(() => parseLatencyGrowth('fast')).toThrow(/20ms or 100%/);
  });
});
