/**
 * What CI systems and shell pipelines get from `vchat verify`: `--header` on every request and
 * upgrade (deployment protection), `--junit` (one testcase per step, failures with the hint),
 * and a closed stdout pipe that is not an error.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/program.ts';
import { captureIo } from '../helpers/io.ts';
import { ORIGIN, startTestServer, type TestServer } from '../helpers/server.ts';
import { startFakeFastApi, type FakeServer } from './fixtures/fastapi-like.ts';

const BIN = fileURLToPath(new URL('../../bin/vchat.js', import.meta.url));
const BYPASS = { name: 'x-vercel-protection-bypass', value: 'let-me-in' };
let srv: TestServer;
let guarded: FakeServer;
const dir = mkdtempSync(join(tmpdir(), 'vchat-ci-output-'));
beforeAll(async () => {
  [srv, guarded] = await Promise.all([
    startTestServer(),
    startFakeFastApi({ origins: [ORIGIN], timestamps: 'offset', requiredHeader: BYPASS }),
  ]);
});
afterAll(async () => {
  await Promise.all([srv.close(), guarded.close()]);
});

describe('vchat verify for CI', () => {
  it('--header reaches every request and upgrade; --junit writes one testcase per step, the failure with its hint', async () => {
    const refused = captureIo();
    expect(await runCli(['verify', '--api', guarded.url, '--origin', ORIGIN, '--json'], refused)).toBe(1);
    const without = JSON.parse(refused.out()) as { steps: Array<{ name: string; verdict: string; observed?: string }> };
    expect(without.steps.find((s) => s.name === 'create-user')).toMatchObject({
      verdict: 'FAIL',
      observed: expect.stringMatching(/^HTTP 401/),
    });

    const file = join(dir, 'verify.xml');
    const io = captureIo();
    const code = await runCli(
      [
        'verify',
        '--api',
        guarded.url,
        '--origin',
        ORIGIN,
        '--header',
        `${BYPASS.name}: ${BYPASS.value}`,
        '--json',
        '--junit',
        file,
      ],
      io,
    );
    const report = JSON.parse(io.out()) as {
      summary: { total: number; fail: number; skip: number };
      steps: Array<{ id: string; verdict: string; hint?: string }>;
    };
    // With the header only the seed's +00:00 timestamps fail; everything else got through the protection.
    expect(report.steps.filter((s) => s.verdict === 'FAIL').map((s) => s.id)).toEqual(['timestamps']);
    expect(code).toBe(1);

    const xml = readFileSync(file, 'utf8');
    expect(xml).toMatch(/^<\?xml version="1.0" encoding="UTF-8"\?>\n<testsuites /);
    expect(xml.match(/<testcase /g)).toHaveLength(report.summary.total);
    expect(xml).toContain(`tests="${report.summary.total}" failures="1"`);
    const failure = xml.match(
      /<testcase classname="vchat.verify" name="timestamps"[^>]*>\s*<failure message="([^"]*)"/,
    );
    expect(failure?.[1]).toContain('hint: ');
    expect(xml).toMatch(/name="ws-unknown-room"[^>]*>\s*<system-out>WARN/);
  });

  it('`vchat verify --json | true`: the closed pipe is not an error; no EPIPE stack, the exit code stays 0', async () => {
    const res = await new Promise<{ code: string; stderr: string }>((resolve, reject) => {
      const sh = spawn(
        'bash',
        [
          '-c',
          `"${process.execPath}" "${BIN}" verify --api ${srv.url} --origin ${ORIGIN} --json | true; echo "exit=\${PIPESTATUS[0]}"`,
        ],
        { env: { ...process.env, CI: 'true' } },
      );
      let out = '';
      let stderr = '';
      sh.stdout.on('data', (c: Buffer) => (out += String(c)));
      sh.stderr.on('data', (c: Buffer) => (stderr += String(c)));
      sh.once('error', reject);
      sh.once('close', () => resolve({ code: out.trim(), stderr }));
    });
    expect(res.stderr).not.toMatch(/EPIPE|Error/);
    expect(res.code).toBe('exit=0');
    // A child CLI through tsx plus a whole verify run: slow on a shared, busy box.
  }, 60_000);
});
