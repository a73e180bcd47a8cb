/**
 * vchat verify against deliberately broken servers: each time the right step fails with the
 * right hint, dependents are skipped rather than failed again, and the exit code is 1 (2 when
 * the API cannot be reached at all).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { parseOriginList } from '../../src/server/http/cors.ts';
import { HINTS } from '../../src/cli/verify/hints.ts';
import { checkVerifyReport } from '../../src/cli/verify/report-shape.ts';
import { ORIGIN, startTestServer } from '../helpers/server.ts';
import { startFakeFastApi } from './fixtures/fastapi-like.ts';
import { step, verdicts, verify } from './verify-helpers.ts';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((fn) => fn()));
});

describe('verify against broken servers', () => {
  it('origin missing from the allowlist: CORS and ws-connect fail with the allowlist hint; the chat steps are skipped', async () => {
    const srv = await startTestServer({ origins: parseOriginList('https://someone-else.example').policy });
    cleanups.push(() => srv.close());
    const report = await verify(srv.url);
    expect(step(report, 'cors-health')).toMatchObject({
      verdict: 'FAIL',
      observed: 'no access-control-allow-origin',
      hint: HINTS.corsMissing,
    });
    expect(step(report, 'cors-preflight').verdict).toBe('FAIL');
    expect(step(report, 'cors-preflight').observed).toMatch(/HTTP 403/);
    expect(step(report, 'ws-connect')).toMatchObject({ verdict: 'FAIL', hint: HINTS.wsRefused403 });
    expect(step(report, 'ws-connect').observed).toMatch(/HTTP 403.*origin_not_allowed/);
    for (const id of ['ws-user-joined', 'ws-echo', 'ws-second-client', 'messages-history', 'ws-unknown-room']) {
      expect(step(report, id).verdict, id).toBe('SKIP');
    }
    expect(step(report, 'ws-echo').note).toBe('needs ws-user-joined, skipped because ws-connect failed');
    expect(step(report, 'create-user').verdict).toBe('PASS');
    expect(report.exit_code).toBe(1);
    expect(checkVerifyReport(report)).toEqual([]);
  });

  it('WebSocket that accepts any Origin: ws-bad-origin fails with the hijacking hint', async () => {
    const srv = await startTestServer();
    cleanups.push(() => srv.close());
    // Forget the Origin before the real upgrade handler sees it: the handshake admits everyone.
    const upgrade = srv.app.server.listeners('upgrade') as Array<(...args: unknown[]) => void>;
    srv.app.server.removeAllListeners('upgrade');
    srv.app.server.on('upgrade', (req, socket, head) => {
      req.headers.origin = ORIGIN;
      for (const fn of upgrade) fn(req, socket, head);
    });
    const report = await verify(srv.url, { timeoutMs: 1000 });
    expect(step(report, 'ws-bad-origin')).toMatchObject({ verdict: 'FAIL', hint: HINTS.badOriginAccepted });
    expect(step(report, 'ws-bad-origin').observed).toMatch(/^101/);
    expect(step(report, 'cors-disallowed').verdict).toBe('PASS');
    expect(report.summary.fail).toBe(1);
    expect(report.exit_code).toBe(1);
  });

  it('the seed FastAPI backend as written: passes with warnings (no Vary, 403 for unknown rooms, zone-less timestamps)', async () => {
    const fake = await startFakeFastApi({ origins: [ORIGIN] });
    cleanups.push(() => fake.close());
    const report = await verify(fake.url);
    expect(report.summary.fail, JSON.stringify(verdicts(report))).toBe(0);
    expect(step(report, 'cors-health')).toMatchObject({ verdict: 'WARN', hint: HINTS.corsVary });
    expect(step(report, 'ws-unknown-room')).toMatchObject({
      verdict: 'WARN',
      observed: 'HTTP 403 on the upgrade',
      hint: HINTS.unknownRoomNot4004,
    });
    expect(step(report, 'timestamps')).toMatchObject({ verdict: 'WARN', hint: HINTS.naiveTimestamps });
    expect(step(report, 'create-user').note).toMatch(/joined_at/);
    expect(report.exit_code).toBe(0);
  });

  it('+00:00 timestamps: the timestamps step fails with the Z hint', async () => {
    const fake = await startFakeFastApi({ origins: [ORIGIN], timestamps: 'offset' });
    cleanups.push(() => fake.close());
    const report = await verify(fake.url);
    const ts = step(report, 'timestamps');
    expect(ts).toMatchObject({ verdict: 'FAIL', hint: HINTS.timestamps });
    expect(ts.observed).toMatch(/\+00:00"/);
    expect(step(report, 'ws-echo').verdict).toBe('PASS');
    expect(report.summary.fail).toBe(1);
    expect(report.exit_code).toBe(1);
  });

  it('no echo to the sender: ws-echo fails with the broadcast hint; the second client and history still pass', async () => {
    const fake = await startFakeFastApi({ origins: [ORIGIN], timestamps: 'z', echo: false });
    cleanups.push(() => fake.close());
    const report = await verify(fake.url, { timeoutMs: 1000 });
    const echo = step(report, 'ws-echo');
    expect(echo).toMatchObject({ verdict: 'FAIL', hint: HINTS.echoMissing });
    expect(echo.observed).toMatch(
      /no frame with the sent content within 1000 ms \(received \d+ frame\(s\): user_joined/,
    );
    expect(step(report, 'ws-second-client').verdict).toBe('PASS');
    expect(step(report, 'messages-history').verdict).toBe('PASS');
    expect(report.summary.fail).toBe(1);
    expect(report.exit_code).toBe(1);
  });

  it('nothing listening: reachable fails, everything else is skipped, exit 2', async () => {
    const report = await verify('http://127.0.0.1:1');
    expect(step(report, 'reachable')).toMatchObject({ verdict: 'FAIL', hint: HINTS.unreachable });
    expect(step(report, 'reachable').observed).toMatch(/connection refused \(ECONNREFUSED\)/);
    expect(report.steps.slice(1).every((s) => s.verdict === 'SKIP')).toBe(true);
    expect(step(report, 'timestamps').note).toBe('needs reachable, which failed');
    expect(report.exit_code).toBe(2);
    expect(checkVerifyReport(report)).toEqual([]);
  });
});
