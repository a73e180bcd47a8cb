/** `vchat soak` for a few seconds against the real app: reconnects, /health drift, zero loss. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { soakAction } from '../../src/cli/soak/command.ts';
import { checkSoak } from '../../src/cli/soak/checks.ts';
import { parseGrowth } from '../../src/cli/soak/options.ts';
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
    const code = await soakAction({ api: server.url, origin: ORIGIN, clients: '8', rooms: '2', rate: '20', duration: '3s', interval: '1s', drain: '300ms', reconnect: '2', json: true, maxRssGrowth: '1GB' }, io);
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

  it('fails the RSS-growth check by name', () => {
    const base = { totals: { lost: 0, expected: 10, reconnect_failures: 0, reconnects: 2 }, intervals: [] } as unknown as SoakResult;
    const drift = { rss_first_bytes: 100e6, rss_last_bytes: 180e6 } as SoakResult['drift'];
    const checks = checkSoak({ ...base, drift }, { maxRssGrowthFraction: 0.5, maxLoss: 0, maxReconnectFailures: 0 });
    expect(checks[0]).toMatchObject({ name: 'max_rss_growth', ok: false, actual: 0.8 });
    expect(checks.slice(1).every((c) => c.ok)).toBe(true);
    expect(parseGrowth('50%')).toEqual({ fraction: 0.5 });
    expect(parseGrowth('200MB')).toEqual({ bytes: 200e6 });
    expect(() => parseGrowth('lots')).toThrow(/50% or 200MB/);
  });
});
