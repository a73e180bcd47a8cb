/**
 * `vchat load` and `vchat soak` against a foreign deployment: the stand-in for the seed's
 * FastAPI backend (200 on creation, no client_msg_id echo, no ping/pong, username required
 * on join) behind deployment protection that wants a header on every request and upgrade.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadAction } from '../../src/cli/load/command.ts';
import type { LoadResult } from '../../src/cli/load/result.ts';
import { soakAction } from '../../src/cli/soak/command.ts';
import type { SoakResult } from '../../src/cli/soak/result.ts';
import { startFakeFastApi, type FakeServer } from '../cli/fixtures/fastapi-like.ts';
import { captureIo } from '../helpers/io.ts';
import { ORIGIN } from '../helpers/server.ts';

const BYPASS = { name: 'x-vercel-protection-bypass', value: 'let-me-in' };
const header = { [BYPASS.name]: BYPASS.value };
let fake: FakeServer;
beforeAll(async () => {
  fake = await startFakeFastApi({ origins: [ORIGIN], requiredHeader: BYPASS });
});
afterAll(() => fake.close());

describe('a FastAPI-like deployment behind deployment protection', () => {
  it('load: without --header setup stops at the 401 and says which flag to add (exit 2)', async () => {
    const io = captureIo();
    expect(
      await loadAction({ api: fake.url, origin: ORIGIN, clients: '4', rooms: '1', duration: '1s', workers: '0' }, io),
    ).toBe(2);
    expect(io.err()).toMatch(/setup failed: user: HTTP 401 .*--header/);
  });

  it('load: with --header, every echo is matched by the nonce in its content; no loss, no duplicates', async () => {
    const io = captureIo();
    const code = await loadAction(
      {
        api: fake.url,
        origin: ORIGIN,
        header,
        clients: '6',
        rooms: '2',
        ramp: '200ms',
        rate: '30',
        duration: '2s',
        httpRate: '10',
        workers: '0',
        maxLoss: '0',
        json: true,
      },
      io,
    );
    const r = JSON.parse(io.out()) as LoadResult;
    expect(r.setup.rest.statuses).toEqual({ '200': 6 + 2 + 6 });
    expect(r.connect).toMatchObject({ attempted: 6, connected: 6 });
    expect(r.messages.sent).toBeGreaterThan(0);
    // Rooms of 3: each message is expected at the 2 other members.
    expect(r.messages.expected).toBe(r.messages.sent * 2);
    expect(r.messages).toMatchObject({ lost: 0, duplicated: 0, out_of_order: 0, delivered: r.messages.expected });
    // The REST mix's POSTs carry the username the seed requires: all 200.
    expect(Object.keys(r.rest?.statuses ?? {})).toEqual(['200']);
    expect(r.target.header_names).toEqual([BYPASS.name]);
    expect(io.out()).not.toContain(BYPASS.value);
    expect(code).toBe(0);
  });

  // --max-p99-growth opened up: latency trends are timing, which a shared 2-core box does not keep.
  it('soak: with --header, reconnects and delivers everything (no memory figures in its /health)', async () => {
    const io = captureIo();
    const code = await soakAction(
      {
        api: fake.url,
        origin: ORIGIN,
        header,
        clients: '4',
        rooms: '1',
        rate: '10',
        duration: '2s',
        interval: '1s',
        drain: '300ms',
        reconnect: '1',
        json: true,
        maxP99Growth: '60000ms',
      },
      io,
    );
    const r = JSON.parse(io.out()) as SoakResult;
    expect(r.totals.sent).toBeGreaterThan(0);
    expect(r.totals).toMatchObject({
      lost: 0,
      duplicated: 0,
      reconnect_failures: 0,
      reconnects: 2,
      delivered: r.totals.expected,
    });
    expect(r.drift.rss_first_bytes).toBeNull();
    expect(r.exit_code, JSON.stringify([r.sanity, r.checks])).toBe(0);
    expect(code).toBe(0);
  });
});
