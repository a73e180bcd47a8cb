/**
 * Real runs of `vchat load` against the real app on port 0: a clean server delivers every
 * message to every other member; a server that drops every tenth broadcast is caught
 * (loss reported per sender, --max-loss 0 exits 1). No timing assertions.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { loadAction } from '../../src/cli/load/command.ts';
import type { LoadResult } from '../../src/cli/load/result.ts';
import { createApp } from '../../src/server/app.ts';
import type { Fanout } from '../../src/server/chat.ts';
import { testConfig, type Config } from '../../src/server/config.ts';
import { MemoryStore } from '../../src/server/store/memory.ts';
import { ORIGIN, OPEN_FRAME_BUDGETS, startTestServer } from '../helpers/server.ts';
import { captureIo } from '../helpers/io.ts';

/** Per-socket chat limit high enough for the test rate; the default is 10/s. */
const LOAD_LIMITS: Partial<Config> = {
  ...OPEN_FRAME_BUDGETS,
  wsUpgradeRate: { perSecond: 100_000, burst: 100_000 },
};

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (closers.length) await closers.pop()?.();
});

/** The real app whose fan-out silently skips every tenth chat message. */
async function startLossyServer(): Promise<string> {
  const store = new MemoryStore();
  await store.init();
  const config = testConfig({ ...LOAD_LIMITS, rateLimitWrite: { perSecond: 100_000, burst: 100_000 } });
  let messages = 0;
  const fanout = (hub: Parameters<NonNullable<Parameters<typeof createApp>[0]['fanout']>>[0]): Fanout => ({
    publish(roomId, frame, except) {
      if (frame.type === 'message' && ++messages % 10 === 0) return;
      hub.broadcast(roomId, frame, except);
    },
  });
  const app = createApp({ config, store, fanout });
  const { port } = await app.listen();
  closers.push(async () => {
    await app.close();
    await store.close();
  });
  return `http://127.0.0.1:${port}`;
}

const baseArgs = (api: string) => ({
  api,
  origin: ORIGIN,
  clients: '20',
  rooms: '4',
  ramp: '300ms',
  rate: '60',
  duration: '2s',
  json: true as const,
});

describe('vchat load against a real server', () => {
  it('counts every message delivered to every other member, across two worker processes', async () => {
    const server = await startTestServer(LOAD_LIMITS);
    closers.push(() => server.close());
    const io = captureIo();
    const code = await loadAction({ ...baseArgs(server.url), workers: '2', maxLoss: '0' }, io);
    const result = JSON.parse(io.out()) as LoadResult;
    expect(result.connect).toMatchObject({ attempted: 20, connected: 20, failed: 0 });
    const m = result.messages;
    expect(m.sent).toBeGreaterThan(0);
    // 4 rooms of 5: each message is expected at the 4 other members.
    expect(m.expected).toBe(m.sent * 4);
    expect(m.delivered).toBe(m.expected);
    expect(m).toMatchObject({ lost: 0, duplicated: 0, out_of_order: 0, senders_with_issues: [] });
    expect(result.latency.count).toBe(m.delivered);
    expect(result.errors_total).toBe(0);
    expect(result.thresholds).toEqual([{ name: 'max_loss', limit: 0, actual: 0, ok: true }]);
    expect(code).toBe(0);
    // Two forked workers start through tsx: slow on a shared, busy box.
  }, 60_000);

  it('reports the loss of a server that drops every tenth broadcast, and exits 1', async () => {
    const api = await startLossyServer();
    const io = captureIo();
    const code = await loadAction({ ...baseArgs(api), workers: '0', drain: '1s', maxLoss: '0' }, io);
    const result = JSON.parse(io.out()) as LoadResult;
    const m = result.messages;
    expect(result.connect.connected).toBe(20);
    // Every dropped broadcast loses 4 deliveries (the sender's own echo is not counted).
    const dropped = Math.floor(m.sent / 10);
    expect(m.lost).toBe(dropped * 4);
    expect(m.delivered).toBe(m.expected - m.lost);
    expect(m.duplicated).toBe(0);
    expect(m.senders_with_issues.length).toBeGreaterThan(0);
    expect(result.ok).toBe(false);
    expect(result.thresholds[0]).toMatchObject({ name: 'max_loss', limit: 0, actual: m.lost, ok: false });
    expect(io.err()).toMatch(/FAIL: lost messages \d+ > --max-loss 0/);
    expect(code).toBe(1);
  });

  it('runs against a REQUIRE_AUTH server with --accounts (tokens on writes, REST mix and sockets), and says so without it', async () => {
    const open = { perSecond: 1000, burst: 1000 };
    const server = await startTestServer({
      ...LOAD_LIMITS,
      requireAuth: true,
      loginRateIp: open,
      rateLimitWrite: open,
    });
    closers.push(() => server.close());
    const refused = captureIo();
    expect(await loadAction({ ...baseArgs(server.url), clients: '4', rooms: '2', workers: '0' }, refused)).toBe(2);
    expect(refused.err()).toMatch(/setup failed: user: HTTP 401 .*run again with --accounts/);

    const io = captureIo();
    const code = await loadAction(
      { ...baseArgs(server.url), clients: '6', rooms: '2', workers: '0', httpRate: '20', accounts: true, maxLoss: '0' },
      io,
    );
    const result = JSON.parse(io.out()) as LoadResult;
    expect(result.connect).toMatchObject({ attempted: 6, connected: 6, failed: 0 });
    expect(result.messages.sent).toBeGreaterThan(0);
    expect(result.messages).toMatchObject({ lost: 0, duplicated: 0, delivered: result.messages.expected });
    // The REST mix's POSTs carry the client's token: no 401 among its statuses.
    const statuses = result.rest?.statuses ?? {};
    expect(Object.keys(statuses)).not.toContain('401');
    expect(statuses['201']).toBeGreaterThan(0);
    expect(code).toBe(0);
  });

  it('refuses to start without --api, and above the client cap without --yes (exit 2)', async () => {
    const io = captureIo();
    expect(await loadAction({ clients: '10' }, io)).toBe(2);
    expect(io.err()).toMatch(/--api URL is required/);
    const io2 = captureIo();
    expect(await loadAction({ api: 'http://127.0.0.1:9', clients: '5000' }, io2)).toBe(2);
    expect(io2.err()).toMatch(/add --yes/);
  });

  it('exits 2 when setup cannot reach the server', async () => {
    const io = captureIo();
    // Port 9 (discard) on loopback: nothing listens, the connection is refused.
    expect(await loadAction({ api: 'http://127.0.0.1:9', clients: '2', rooms: '1', duration: '1s' }, io)).toBe(2);
    expect(io.err()).toMatch(/setup failed: user: connection refused/);
  });
});
