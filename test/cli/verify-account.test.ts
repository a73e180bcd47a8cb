/**
 * vchat verify --account: against the real server every account step passes; against a server
 * without /auth (the seed FastAPI stand-in) account-signup fails with the "not deployed" hint and
 * the rest of the group is skipped; without --account nothing changes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACCOUNT_STEP_NAMES, STEP_NAMES } from '../../src/cli/verify/types.ts';
import { HINTS } from '../../src/cli/verify/hints.ts';
import { checkVerifyReport } from '../../src/cli/verify/report-shape.ts';
import { runCli } from '../../src/cli/program.ts';
import { ORIGIN, startTestServer, type TestServer } from '../helpers/server.ts';
import { startFakeFastApi, type FakeServer } from './fixtures/fastapi-like.ts';
import { step, verdicts, verify } from './verify-helpers.ts';
import { captureIo } from '../helpers/io.ts';

let srv: TestServer;
let fake: FakeServer;
beforeAll(async () => {
  [srv, fake] = await Promise.all([startTestServer(), startFakeFastApi({ origins: [ORIGIN] })]);
});
afterAll(async () => {
  await Promise.all([srv.close(), fake.close()]);
});

describe('verify --account against the real server', () => {
  it('runs the account group after the other steps, every account step passes, exit 0', async () => {
    const report = await verify(srv.url, { account: true });
    expect(report.steps.map((s) => s.name)).toEqual([...STEP_NAMES, ...ACCOUNT_STEP_NAMES]);
    const expected: Record<string, string> = Object.fromEntries(
      [...STEP_NAMES, ...ACCOUNT_STEP_NAMES].map((n) => [n, 'PASS']),
    );
    expected.health = 'WARN';
    expect(verdicts(report)).toEqual(expected);
    expect(report.exit_code).toBe(0);
    expect(checkVerifyReport(report)).toEqual([]);

    // The throwaway account is named in the report and the steps speak about it.
    expect(report.account?.username).toMatch(/^vchat_[0-9a-z]{6}$/);
    expect(report.account?.email).toBe(`${report.account?.username}@verify.invalid`);
    expect(report.account?.user_id).toEqual(expect.any(String));
    expect(step(report, 'account-signup').observed).toBe(
      `HTTP 201, ${report.account?.username}, id ${report.account?.user_id}`,
    );
    expect(step(report, 'account-duplicate').observed).toBe(
      `HTTP 409 username_taken for ${report.account?.username.toUpperCase()}`,
    );
    expect(step(report, 'account-bad-login').observed).toMatch(/^HTTP 401 invalid_credentials for both/);
    expect(step(report, 'account-socket').observed).toMatch(new RegExp(`as ${report.account?.username}$`));
    expect(step(report, 'account-logout').observed).toMatch(
      /^HTTP 204; \/auth\/me with the token then HTTP 401 invalid_token; 2 login token\(s\) revoked too$/,
    );

    // The account's message is in the test room, stamped with the account.
    const rooms = await srv.store.listRooms();
    const mine = await Promise.all(rooms.map((r) => srv.store.listMessages(r.id, { limit: 100 })));
    const byAccount = mine.flat().filter((m) => m.user_id === report.account?.user_id);
    expect(byAccount.map((m) => m.username)).toEqual([report.account?.username]);
  });

  it('without --account nothing changes: no account steps, no account field', async () => {
    const report = await verify(srv.url, { only: ['health'] });
    expect(report.steps.map((s) => s.id)).toEqual(['reachable', 'health']);
    expect(report).not.toHaveProperty('account');
    const full = await verify(srv.url, { skip: ['ws-second-client'] });
    expect(full.steps.map((s) => s.name)).toEqual([...STEP_NAMES]);
  });

  it('--only account-me runs the sign-up it needs; account-socket pulls in create-room', async () => {
    const me = await verify(srv.url, { account: true, only: ['account-me'] });
    expect(verdicts(me)).toEqual({ reachable: 'PASS', 'account-signup': 'PASS', 'account-me': 'PASS' });
    const socket = await verify(srv.url, { account: true, only: ['account-socket'], skip: ['create-room'] });
    expect(step(socket, 'account-socket')).toMatchObject({
      verdict: 'SKIP',
      note: 'needs create-room, which was skipped by --skip',
    });
    expect(step(socket, 'account-signup').verdict).toBe('PASS');
    expect(checkVerifyReport(socket)).toEqual([]);
  });
});

describe('verify --account against a server without /auth', () => {
  it('account-signup fails with the "not deployed" hint, the rest of the group is skipped, exit 1', async () => {
    const report = await verify(fake.url, { account: true });
    const signup = step(report, 'account-signup');
    expect(signup).toMatchObject({ verdict: 'FAIL', hint: HINTS.accountsMissing });
    expect(signup.hint).toMatch(/^accounts are not deployed on this server \(no \/auth routes\)/);
    expect(signup.observed).toMatch(/HTTP 404/);
    for (const name of ACCOUNT_STEP_NAMES.slice(1)) {
      expect(step(report, name), name).toMatchObject({ verdict: 'SKIP', note: 'needs account-signup, which failed' });
    }
    // The seed backend passes the rest (with its usual warnings): the group is the only failure.
    expect(report.summary.fail, JSON.stringify(verdicts(report))).toBe(1);
    expect(report.account).toMatchObject({ user_id: null });
    expect(report.exit_code).toBe(1);
    expect(checkVerifyReport(report)).toEqual([]);
  });
});

describe('vchat verify --account on the command line', () => {
  it('an account step in --only without --account is a usage error (exit 2)', async () => {
    const cli = captureIo();
    expect(await runCli(['verify', '--api', srv.url, '--origin', ORIGIN, '--only', 'account-me'], cli)).toBe(2);
    expect(cli.err()).toMatch(/step "account-me" belongs to the --account group: add --account/);
  });

  it('--account --json prints a report with the account steps', async () => {
    const cli = captureIo();
    expect(
      await runCli(
        ['verify', '--api', srv.url, '--origin', ORIGIN, '--account', '--json', '--only', 'account-logout'],
        cli,
      ),
    ).toBe(0);
    const report = JSON.parse(cli.out()) as { steps: Array<{ id: string; verdict: string }> };
    expect(checkVerifyReport(report)).toEqual([]);
    expect(report.steps.map((s) => `${s.id}:${s.verdict}`)).toEqual([
      'reachable:PASS',
      'account-signup:PASS',
      'account-logout:PASS',
    ]);
  });
});
