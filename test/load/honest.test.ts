/**
 * Honest numbers: with --rate, a server that stalls for a known time shows the stall in the
 * max and the p99 (latency is measured from each message's due time), and a gate never passes
 * on nothing (no socket, nothing sent, a soak that leaves no time to send): exit 1 with a hint.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { loadAction } from '../../src/cli/load/command.ts';
import { parseLoadOptions } from '../../src/cli/load/options.ts';
import type { LoadResult } from '../../src/cli/load/result.ts';
import { runLoad } from '../../src/cli/load/run.ts';
import { soakAction } from '../../src/cli/soak/command.ts';
import type { SoakResult } from '../../src/cli/soak/result.ts';
import type { Config } from '../../src/server/config.ts';
import { captureIo } from '../helpers/io.ts';
import { ORIGIN, startTestServer } from '../helpers/server.ts';
import { tcpProxy } from '../helpers/tcp-proxy.ts';

const LOAD_LIMITS: Partial<Config> = { wsMessageRate: { perSecond: 1000, burst: 1000 } };
const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (closers.length) await closers.pop()?.();
});

describe('coordinated omission', () => {
  it('a server that stalls for 800 ms during a --rate run shows the stall in max and p99', async () => {
    const STALL_MS = 800;
    const server = await startTestServer(LOAD_LIMITS);
    closers.push(() => server.close());
    const proxy = await tcpProxy('127.0.0.1', server.port);
    closers.push(() => proxy.close());
    const options = parseLoadOptions({
      api: `http://127.0.0.1:${proxy.port}`,
      origin: ORIGIN,
      clients: '10',
      rooms: '2',
      ramp: '200ms',
      rate: '100',
      duration: '3s',
      workers: '0',
      drain: '5s',
    });
    const timers: NodeJS.Timeout[] = [];
    const result = await runLoad(options, {
      onPhase: (phase) => {
        if (phase !== 'sending') return;
        // The stall is the thing under test: every byte between clients and server stops for STALL_MS.
        timers.push(setTimeout(() => proxy.freeze(), 1000));
        timers.push(setTimeout(() => proxy.thaw(), 1000 + STALL_MS));
      },
    });
    timers.forEach(clearTimeout);
    const m = result.messages;
    expect(m.sent).toBeGreaterThan(200);
    expect(m).toMatchObject({ lost: 0, duplicated: 0, delivered: m.expected });
    // The message due as the stall began waited (almost) all of it; about a quarter of the
    // run was sent into the stall, so the slowest 1% waited more than half of it.
    expect(result.latency.max_ms).toBeGreaterThanOrEqual(STALL_MS - 50);
    expect(result.latency.p99_ms).toBeGreaterThanOrEqual(STALL_MS / 2);
    // The timeline (the report's charts) shows it too.
    expect(Math.max(...result.timeline.map((p) => p.max_ms))).toBeGreaterThanOrEqual(STALL_MS - 50);
    expect(result.exit_code).toBe(0);
  });
});

describe('a gate never passes on nothing', () => {
  it('load without --origin: every upgrade is refused with 403, exit 1 and a hint to add --origin', async () => {
    const server = await startTestServer(LOAD_LIMITS);
    closers.push(() => server.close());
    const io = captureIo();
    const code = await loadAction(
      {
        api: server.url,
        clients: '4',
        rooms: '2',
        ramp: '100ms',
        rate: '20',
        duration: '1s',
        workers: '0',
        json: true,
      },
      io,
    );
    const r = JSON.parse(io.out()) as LoadResult;
    expect(r).toMatchObject({ schema: 'vchat.load/1', ok: false, exit_code: 1 });
    expect(r.connect).toMatchObject({ attempted: 4, connected: 0, failures: { upgrade_403: 4 } });
    const connected = r.sanity.find((c) => c.name === 'connected');
    expect(connected).toMatchObject({ ok: false, actual: 0 });
    expect(connected?.hint).toMatch(/add --origin/);
    expect(r.sanity.find((c) => c.name === 'sent')?.ok).toBe(false);
    expect(io.err()).toMatch(/FAIL: no socket connected .*upgrade_403×4.*add --origin/);
    expect(code).toBe(1);
  });

  it('load in rooms of one client measures nothing: exit 1, and the hint says every room needs two clients', async () => {
    const server = await startTestServer(LOAD_LIMITS);
    closers.push(() => server.close());
    const io = captureIo();
    const code = await loadAction(
      {
        api: server.url,
        origin: ORIGIN,
        clients: '3',
        rooms: '3',
        ramp: '100ms',
        rate: '20',
        duration: '1s',
        workers: '0',
      },
      io,
    );
    expect(io.out()).toMatch(
      /check {6}measured: no delivery was planned FAILED\n {11}hint: every room needs at least two clients/,
    );
    expect(io.out()).toMatch(/\nFAIL: /);
    expect(code).toBe(1);
  });

  it('a passing load document carries schema, exit_code 0 and three passed sanity checks', async () => {
    const server = await startTestServer(LOAD_LIMITS);
    closers.push(() => server.close());
    const io = captureIo();
    const code = await loadAction(
      {
        api: server.url,
        origin: ORIGIN,
        clients: '4',
        rooms: '1',
        ramp: '100ms',
        rate: '20',
        duration: '1s',
        workers: '0',
        json: true,
      },
      io,
    );
    const r = JSON.parse(io.out()) as LoadResult;
    expect(r).toMatchObject({ schema: 'vchat.load/1', ok: true, exit_code: 0 });
    expect(r.sanity.map((c) => [c.name, c.ok])).toEqual([
      ['connected', true],
      ['sent', true],
      ['measured', true],
    ]);
    expect(r.latency_curve.length).toBeGreaterThan(10);
    expect(r.latency_curve.at(-1)?.ms).toBe(r.latency.max_ms);
    expect(code).toBe(0);
  });

  it('a soak whose --interval is not longer than --drain sends nothing: exit 1 with the reason', async () => {
    const server = await startTestServer();
    closers.push(() => server.close());
    const io = captureIo();
    const code = await soakAction(
      {
        api: server.url,
        origin: ORIGIN,
        clients: '4',
        rooms: '1',
        rate: '10',
        duration: '2s',
        interval: '1s',
        drain: '1s',
        json: true,
        maxRssGrowth: '1GB',
      },
      io,
    );
    const r = JSON.parse(io.out()) as SoakResult;
    expect(r).toMatchObject({ schema: 'vchat.soak/1', ok: false, exit_code: 1 });
    expect(r.totals.sent).toBe(0);
    expect(r.sanity.find((c) => c.name === 'sent')).toMatchObject({
      ok: false,
      hint: expect.stringMatching(/--interval \(1000 ms\) is not longer than --drain \(1000 ms\)/),
    });
    expect(io.err()).toMatch(/^warning: --interval/);
    expect(code).toBe(1);
  });
});
