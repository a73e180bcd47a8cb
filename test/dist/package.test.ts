/**
 * What users install and what production runs: the built server (`npm run build:server`,
 * started as `npm start` does) and the CLI package (`npm pack` of packages/vchat, installed
 * from the tarball into an empty project with no network), then `npx vchat` from there:
 * --help, --version, verify against the built server, and a short load run through a forked
 * worker (the bundle's second entry point).
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkVerifyReport } from '../../src/cli/verify/report-shape.ts';
import { BUILT_ENTRY, OPEN_LIMITS_ENV, spawnServer, type ServerProcess } from '../helpers/process.ts';
import { run, type RunResult } from '../helpers/run.ts';
import { ORIGIN } from '../helpers/server.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const PKG_DIR = join(ROOT, 'packages/vchat');
const PKG = JSON.parse(readFileSync(join(PKG_DIR, 'package.json'), 'utf8')) as { name: string; version: string };
/** Two builds and an install on a shared two-core box. */
const SETUP_MS = 300_000;

interface PackResult {
  filename: string;
  size: number;
  unpackedSize: number;
  files: Array<{ path: string; size: number }>;
}

let work: string;
let project: string;
let packed: PackResult;
let server: ServerProcess | undefined;

/** Fail with the command's output when it did not exit 0. */
function ok(what: string, res: RunResult): RunResult {
  if (res.code !== 0) throw new Error(`${what} exited ${res.code}\n${res.stdout}\n${res.stderr}`);
  return res;
}

/** `npx --no-install vchat …` inside the temporary project: only the installed package can answer. */
const vchat = (args: string[]): Promise<RunResult> => run('npx', ['--no-install', 'vchat', ...args], project);

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'vchat-pack-'));
  ok('npm run build:server', await run('npm', ['run', 'build:server'], ROOT));
  // prepack builds the bundle, so the tarball always holds the current source.
  const pack = ok('npm pack', await run('npm', ['pack', '--json', '--pack-destination', work], PKG_DIR));
  packed = (JSON.parse(pack.stdout.slice(pack.stdout.indexOf('['))) as PackResult[])[0]!;
  project = join(work, 'project');
  mkdirSync(project);
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'frontend-ci', private: true }));
  // --offline: the tarball must install with nothing from the network.
  ok(
    'npm install',
    await run('npm', ['install', '--offline', '--no-audit', '--no-fund', join(work, packed.filename)], project),
  );
  server = await spawnServer(OPEN_LIMITS_ENV, 20_000, BUILT_ENTRY);
}, SETUP_MS);

afterAll(async () => {
  await server?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe(`the ${PKG.name} tarball`, () => {
  it('carries the bundle, its worker entry, the licenses and nothing else', () => {
    const paths = packed.files.map((f) => f.path).sort();
    expect(paths).toContain('dist/vchat.js');
    expect(paths).toContain('dist/worker-entry.js');
    expect(paths).toContain('dist/THIRD_PARTY_LICENSES.md');
    expect(
      paths.filter(
        (p) =>
          !/^(package\.json|README\.md|dist\/(vchat|worker-entry)\.js|dist\/THIRD_PARTY_LICENSES\.md|dist\/chunks\/chunk-[A-Z0-9]+\.js)$/.test(
            p,
          ),
      ),
    ).toEqual([]);
  });

  it('installs without pulling any dependency (no mongodb, pg, redis or tsx)', () => {
    const installed = readdirSync(join(project, 'node_modules')).filter((d) => !d.startsWith('.'));
    expect(installed).toEqual(['@vchat-ops']);
    const manifest = JSON.parse(
      readFileSync(join(project, 'node_modules', PKG.name, 'package.json'), 'utf8'),
    ) as Record<string, unknown>;
    expect(manifest.dependencies).toBeUndefined();
  });
});

describe('npx vchat from the installed package', () => {
  it('--help lists the commands; --version is the package version', { timeout: 120_000 }, async () => {
    const help = await vchat(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: vchat /);
    for (const command of ['verify', 'load', 'soak']) expect(help.stdout).toContain(command);
    const version = await vchat(['--version']);
    expect(version.code).toBe(0);
    expect(version.stdout.trim()).toBe(PKG.version);
  });

  it('verify passes against the built server (the one npm start runs)', { timeout: 120_000 }, async () => {
    const res = await vchat(['verify', '--api', server!.url, '--origin', ORIGIN, '--json']);
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    const report = JSON.parse(res.stdout);
    expect(checkVerifyReport(report)).toEqual([]);
    expect(report.summary.fail).toBe(0);
    expect(report.server.version).toBe(
      (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version,
    );
  });

  it(
    'load runs its clients in a forked worker from the bundle and delivers every message',
    { timeout: 120_000 },
    async () => {
      const args = [
        'load',
        '--api',
        server!.url,
        '--origin',
        ORIGIN,
        '--clients',
        '2',
        '--rooms',
        '1',
        '--rate',
        '4',
        '--duration',
        '1s',
        '--ramp',
        '0s',
        '--drain',
        '5s',
        '--workers',
        '1',
        '--json',
      ];
      const res = await vchat(args);
      expect(res.code, res.stderr).toBe(0);
      const result = JSON.parse(res.stdout);
      expect(result.connect.connected).toBe(2);
      expect(result.messages.sent).toBeGreaterThan(0);
      expect(result.messages.delivered).toBe(result.messages.sent);
    },
  );
});
