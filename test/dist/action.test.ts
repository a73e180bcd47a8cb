/**
 * The GitHub Action's step (action/verify.sh, what action.yml runs) against a real server with
 * the built CLI: the report file, the exit code, the log lines and annotations, the job summary
 * and the step outputs GitHub reads.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkVerifyReport } from '../../src/cli/verify/report-shape.ts';
import { cleanEnv, run, type RunResult } from '../helpers/run.ts';
import { ORIGIN, startTestServer, type TestServer } from '../helpers/server.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** One action run starts Node twice (vchat, the summary); generous for a shared two-core box. */
const RUN_MS = 120_000;

let srv: TestServer;
let work: string;
/** The CLI built for this file alone (the package test packs packages/vchat/dist at the same time). */
let cli: string;
let runs = 0;

/** Run action/verify.sh with these inputs; GitHub's output and summary files live in a fresh directory. */
async function action(
  inputs: Record<string, string>,
): Promise<RunResult & { outputs: string; summary: string; dir: string }> {
  const dir = mkdtempSync(join(work, `run${++runs}-`));
  const env = cleanEnv({
    VCHAT_CLI: cli,
    INPUT_HEADERS: '',
    INPUT_JSON_OUTPUT: '',
    INPUT_ARGS: '',
    GITHUB_OUTPUT: join(dir, 'output'),
    GITHUB_STEP_SUMMARY: join(dir, 'summary.md'),
    RUNNER_TEMP: dir,
    ...inputs,
  });
  const res = await run('bash', [join(ROOT, 'action/verify.sh')], dir, env);
  const read = (f: string): string => {
    try {
      return readFileSync(join(dir, f), 'utf8');
    } catch {
      return '';
    }
  };
  return { ...res, outputs: read('output'), summary: read('summary.md'), dir };
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'vchat-action-'));
  const build = await run('npm', ['run', 'build:cli', '--', '--out-dir', join(work, 'cli')], ROOT);
  if (build.code !== 0) throw new Error(`npm run build:cli failed\n${build.stdout}\n${build.stderr}`);
  cli = join(work, 'cli/vchat.js');
  srv = await startTestServer();
}, 120_000);

afterAll(async () => {
  await srv?.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('the vchat verify action', () => {
  it(
    'passes a healthy deployment: exit 0, the JSON report where json-output says, a summary table, the outputs',
    { timeout: RUN_MS },
    async () => {
      const res = await action({
        INPUT_API: srv.url,
        INPUT_ORIGIN: ORIGIN,
        INPUT_JSON_OUTPUT: 'reports/verify.json',
        INPUT_ARGS: '--timeout 8000',
      });
      expect(res.code, res.stderr).toBe(0);
      const report = JSON.parse(readFileSync(join(res.dir, 'reports/verify.json'), 'utf8'));
      expect(checkVerifyReport(report)).toEqual([]);
      expect(report.ok).toBe(true);
      expect(res.stdout).toMatch(/^PASS +ws-echo /m);
      expect(res.summary).toContain('| verdict | step | ms | observed |');
      expect(res.summary).toMatch(/^\| PASS \| ws-second-client \|/m);
      expect(res.outputs).toContain('exit-code=0\n');
      expect(res.outputs).toContain('json-output=reports/verify.json\n');
    },
  );

  it(
    'fails an origin the server refuses: exit 1, an error annotation per failed step, the report in the runner temp dir',
    { timeout: RUN_MS },
    async () => {
      const res = await action({ INPUT_API: srv.url, INPUT_ORIGIN: 'https://not-allowed.example' });
      expect(res.code).toBe(1);
      expect(res.stdout).toMatch(/^::error title=vchat verify cors-health::/m);
      expect(res.stdout).toMatch(/^::error title=vchat verify ws-connect::HTTP 403/m);
      expect(res.summary).toContain('❌');
      const path = /^json-output=(.+)$/m.exec(res.outputs)?.[1];
      expect(path?.startsWith(res.dir)).toBe(true);
      expect(JSON.parse(readFileSync(path!, 'utf8')).exit_code).toBe(1);
    },
  );

  it('sends each line of headers with every request and WebSocket upgrade', { timeout: RUN_MS }, async () => {
    const seen: Array<[string, string | undefined, string | undefined]> = [];
    const record = (kind: string) => (req: IncomingMessage) =>
      seen.push([kind, req.headers['x-ci-token'] as string | undefined, req.headers['x-second'] as string | undefined]);
    const onRequest = record('request');
    const onUpgrade = record('upgrade');
    srv.app.server.prependListener('request', onRequest);
    srv.app.server.prependListener('upgrade', onUpgrade);
    try {
      const res = await action({
        INPUT_API: srv.url,
        INPUT_ORIGIN: ORIGIN,
        INPUT_HEADERS: 'x-ci-token: abc123\n  x-second:two\n\n',
      });
      expect(res.code, res.stdout + res.stderr).toBe(0);
    } finally {
      srv.app.server.off('request', onRequest);
      srv.app.server.off('upgrade', onUpgrade);
    }
    expect(seen.filter(([kind]) => kind === 'request').length).toBeGreaterThan(5);
    expect(seen.filter(([kind]) => kind === 'upgrade').length).toBeGreaterThan(1);
    expect(seen.filter(([, token, second]) => token !== 'abc123' || second !== 'two')).toEqual([]);
  });

  it('a usage error exits 2 and says there is no report', { timeout: RUN_MS }, async () => {
    const res = await action({ INPUT_API: srv.url, INPUT_ORIGIN: 'not-an-origin' });
    expect(res.code).toBe(2);
    expect(res.stderr).toContain('not an origin');
    expect(res.stdout).toContain('exited 2 without a report');
    expect(res.outputs).toContain('exit-code=2\n');
  });

  it('action.yml hands every input to the script', () => {
    const yml = readFileSync(join(ROOT, 'action.yml'), 'utf8');
    const script = readFileSync(join(ROOT, 'action/verify.sh'), 'utf8');
    for (const input of ['api', 'origin', 'headers', 'json-output', 'args']) {
      const envName = `INPUT_${input.toUpperCase().replace(/-/g, '_')}`;
      expect(yml).toContain(`${envName}: \${{ inputs.${input} }}`);
      expect(script).toContain(envName);
    }
    expect(yml).toContain('run: bash "$GITHUB_ACTION_PATH/action/verify.sh"');
  });
});
