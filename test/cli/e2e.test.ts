/** One real end-to-end run: spawn bin/vchat.js against a server on port 0, check exit code and stdout JSON. */
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { checkVerifyReport } from '../../src/cli/verify/report-shape.ts';
import { publishedValidator } from '../helpers/report-schema.ts';
import { run, type RunResult } from '../helpers/run.ts';
import { ORIGIN, startTestServer, type TestServer } from '../helpers/server.ts';

const BIN = fileURLToPath(new URL('../../bin/vchat.js', import.meta.url));

/** Run the CLI as a child process; resolves with exit code, stdout and stderr. */
const runBin = (args: string[]): Promise<RunResult> => run(process.execPath, [BIN, ...args], process.cwd());

let srv: TestServer;
beforeAll(async () => {
  srv = await startTestServer();
});
afterAll(() => srv.close());

it('npx vchat verify --json: exit 0 and exactly one valid JSON document on stdout', async () => {
  const res = await runBin(['verify', '--api', srv.url, '--origin', ORIGIN, '--json']);
  expect(res.stderr).toBe('');
  expect(res.code).toBe(0);
  const report = JSON.parse(res.stdout);
  expect(checkVerifyReport(report)).toEqual([]);
  // The published JSON Schema, read by an independent validator, accepts a real run's output.
  const validate = publishedValidator();
  expect(validate(report), JSON.stringify(validate.errors)).toBe(true);
  expect(report.exit_code).toBe(0);
});

it('an unreachable API exits 2 and says so on stderr', async () => {
  const res = await runBin(['verify', '--api', 'http://127.0.0.1:1', '--origin', ORIGIN]);
  expect(res.code).toBe(2);
  expect(res.stdout).toMatch(/FAIL {2}reachable/);
  expect(res.stderr).toMatch(/cannot reach http:\/\/127\.0\.0\.1:1/);
});
