/**
 * The seed's FastAPI app (bench/fastapi_app.py) under Debian's uvicorn, as a child process on a
 * free loopback port: for the fastapi comparison (bench/fastapi.ts) and the tests that run
 * `vchat load` and `vchat soak` against it. `.ci/run` installs the Debian packages when missing.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { setTimeout as delay } from 'node:timers/promises';

const BENCH_DIR = fileURLToPath(new URL('./', import.meta.url));
/** Debian's interpreter, where apt puts python3-fastapi (a pyenv or venv python3 on PATH would not have it). */
const PYTHON = process.env.VCHAT_FASTAPI_PYTHON ?? '/usr/bin/python3';
/** The apt packages the app needs (uvicorn[standard]'s parts as Debian ships them). */
export const FASTAPI_APT = 'python3-fastapi python3-uvicorn python3-websockets python3-uvloop python3-httptools';

export interface FastApiServer {
  url: string;
  close(): Promise<void>;
}

/** Why the app cannot run here, or undefined when it can. */
export function fastApiMissing(): string | undefined {
  const probe = spawnSync(PYTHON, ['-c', 'import fastapi, uvicorn, websockets'], { encoding: 'utf8' });
  if (probe.error) return `${PYTHON} not found (${probe.error.message}); apt-get install ${FASTAPI_APT}`;
  if (probe.status !== 0) return `${PYTHON} cannot import fastapi/uvicorn/websockets; apt-get install ${FASTAPI_APT}`;
  return undefined;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** Start uvicorn (one worker, like the seed's Procfile) and wait until GET /health answers. */
export async function startFastApi(origins: string[] = [], startTimeoutMs = 20_000): Promise<FastApiServer> {
  const port = await freePort();
  const child = spawn(
    PYTHON,
    [
      '-m',
      'uvicorn',
      'fastapi_app:app',
      '--app-dir',
      BENCH_DIR,
      '--host',
      '127.0.0.1',
      '--port',
      String(port),
      '--workers',
      '1',
      '--log-level',
      'warning',
    ],
    {
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', VCHAT_BENCH_ORIGINS: origins.join(',') },
      // The seed's broadcast loop prints tracebacks when sockets close mid-broadcast; keep the last lines for errors.
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr?.on('data', (c: Buffer) => (stderr = (stderr + String(c)).slice(-2000)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  const close = async (): Promise<void> => {
    if (child.exitCode === null) child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  };
  const until = Date.now() + startTimeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`uvicorn exited with ${child.exitCode} before listening: ${stderr}`);
    const ok = await fetch(`${url}/health`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return { url, close };
    if (Date.now() > until) {
      await close();
      throw new Error(`uvicorn did not answer /health within ${startTimeoutMs} ms: ${stderr}`);
    }
    await delay(100);
  }
}
