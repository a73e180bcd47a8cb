/**
 * The suite never touches a database it was not given through VCHAT_TEST_*: with only the
 * production variables set (as under `railway run npm test`), a real vitest run skips the
 * database tests, says the variables are ignored, and never connects anywhere.
 */
import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** A TCP listener standing in for "production": it only counts who connects to it. */
let trap: Server;
let trapPort = 0;
let connections = 0;

beforeAll(async () => {
  trap = createServer((socket) => {
    connections++;
    socket.destroy();
  });
  await new Promise<void>((resolve) => trap.listen(0, '127.0.0.1', resolve));
  trapPort = (trap.address() as { port: number }).port;
});
afterAll(() => new Promise<void>((resolve) => trap.close(() => resolve())));

/** `vitest run <files>` in a child with `env` on top of PATH and HOME only; its output and exit code. */
function runVitest(files: string[], env: Record<string, string>): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['node_modules/vitest/vitest.mjs', 'run', ...files], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', CI: 'true', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (out += c.toString('utf8')));
    child.once('exit', (code) => resolve({ code, out }));
  });
}

describe('production database variables in the test environment', () => {
  it('are ignored (and said so once): the database tests skip and nothing connects', async () => {
    const trapPg = `postgres://prod:secret@127.0.0.1:${trapPort}/production`;
    const trapMongo = `mongodb://127.0.0.1:${trapPort}/production`;
    const { code, out } = await runVitest(
      ['test/store/postgres.test.ts', 'test/store/mongo.test.ts', 'test/auth/account-store.test.ts'],
      {
        DATABASE_URL: trapPg,
        MONGODB_URI: trapMongo,
        MONGO_URL: trapMongo,
        REDIS_URL: `redis://127.0.0.1:${trapPort}`,
      },
    );
    expect(connections, out).toBe(0);
    expect(code, out).toBe(0);
    expect(out).toMatch(/SKIPPED/);
    const notices = out.split('\n').filter((l) => l.includes('set and ignored'));
    expect(notices, out).toHaveLength(1);
    for (const name of ['DATABASE_URL', 'MONGODB_URI', 'MONGO_URL', 'REDIS_URL']) expect(notices[0]).toContain(name);
    expect(out).not.toContain('secret');
  }, 60_000);
});
