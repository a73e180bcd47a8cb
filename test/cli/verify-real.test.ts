/** vchat verify against the real server: everything passes, and the report has its documented shape. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkVerifyReport } from '../../src/cli/verify/report-shape.ts';
import { STEP_NAMES } from '../../src/cli/verify/types.ts';
import { renderHuman } from '../../src/cli/ui/human.ts';
import { ORIGIN, startTestServer, type TestServer } from '../helpers/server.ts';
import { step, verdicts, verify } from './verify-helpers.ts';

let srv: TestServer;
beforeAll(async () => {
  srv = await startTestServer();
});
afterAll(() => srv.close());

describe('verify against the real server', () => {
  it('passes every step (in-memory storage is a WARN) and exits 0', async () => {
    const report = await verify(srv.url);
    const expected: Record<string, string> = Object.fromEntries(STEP_NAMES.map((n) => [n, 'PASS']));
    expected.health = 'WARN';
    expect(verdicts(report)).toEqual(expected);
    expect(report.exit_code).toBe(0);
    expect(report.ok).toBe(true);
    expect(step(report, 'health').hint).toMatch(/Data lost on restart/);
    expect(report.server?.version).toBeTruthy();
    expect(checkVerifyReport(report)).toEqual([]);
  });

  it('warns on health when /health reports the Redis fan-out down', async () => {
    const down = await startTestServer({}, undefined, {
      fanout: (hub) => ({
        publish: (roomId, frame, except) => void hub.broadcast(roomId, frame, except),
        health: () => ({ kind: 'redis', ok: false, detail: 'Redis unreachable: connection refused' }),
      }),
    });
    try {
      const report = await verify(down.url);
      expect(step(report, 'health')).toMatchObject({ verdict: 'WARN', expected: 'fanout.ok true (Redis reachable)' });
      expect(step(report, 'health').observed).toMatch(/redis/);
      expect(step(report, 'health').hint).toMatch(/REDIS_URL/);
      expect(report.exit_code).toBe(0);
    } finally {
      await down.close();
    }
  });

  it('names the test user and room vchat-verify-<time>', async () => {
    const report = await verify(srv.url, { now: () => new Date('2026-01-02T03:04:05.678Z') });
    expect(report.exit_code).toBe(0);
    const rooms = await srv.store.listRooms();
    expect(rooms.map((r) => r.name)).toContain('vchat-verify-20260102T030405.678Z');
  });

  it('runs per-origin steps once per origin, suffixed with the origin', async () => {
    const other = 'https://video-chat-frontend-seven.vercel.app';
    const report = await verify(srv.url, { origins: [ORIGIN, other] });
    expect(report.exit_code).toBe(0);
    for (const name of ['cors-health', 'cors-preflight', 'ws-connect']) {
      expect(step(report, `${name}[${ORIGIN}]`).verdict).toBe('PASS');
      expect(step(report, `${name}[${other}]`).origin).toBe(other);
    }
    expect(checkVerifyReport(report)).toEqual([]);
  });

  it('--only runs the step and what it needs; --skip skips dependents with the reason', async () => {
    const only = await verify(srv.url, { only: ['ws-echo'] });
    expect(only.steps.map((s) => s.id)).toEqual([
      'reachable',
      'create-user',
      'create-room',
      'join-room',
      'ws-connect',
      'ws-user-joined',
      'ws-echo',
    ]);
    const skipped = await verify(srv.url, { skip: ['join-room'] });
    expect(step(skipped, 'join-room').note).toBe('skipped by --skip');
    expect(step(skipped, 'ws-connect')).toMatchObject({
      verdict: 'SKIP',
      note: 'needs join-room, which was skipped by --skip',
    });
    expect(step(skipped, 'create-room').verdict).toBe('PASS');
    expect(skipped.exit_code).toBe(0);
  });

  it('renders one line per step and a summary', async () => {
    const report = await verify(srv.url);
    const text = renderHuman(report);
    for (const name of STEP_NAMES) expect(text).toMatch(new RegExp(`^(PASS|WARN)  ${name} `, 'm'));
    expect(text).toMatch(/OK: 16 passed, 1 warning, 0 failed, 0 skipped in \d+ ms \(exit 0\)/);
  });
});

describe('the report shape checker', () => {
  it('names what is wrong with a malformed report', async () => {
    const report = JSON.parse(JSON.stringify(await verify(srv.url, { only: ['health'] })));
    report.exit_code = 1;
    report.steps[0].verdict = 'OK';
    delete report.steps[1].hint;
    const problems = checkVerifyReport(report);
    expect(problems).toContain('/ ok must equal exit_code === 0');
    expect(problems).toContain('/steps/0/verdict must be equal to one of the allowed values');
    expect(problems).toContain('/steps/1 FAIL/WARN steps need observed, expected and hint');
    expect(checkVerifyReport([])).toEqual(['report is not a JSON object']);
  });
});
