/**
 * The server modules a bench process runs: the build in dist/ (`npm run build:server`, what
 * `npm start` and the Docker image run), not tsx's transform of src/ (tsx leaves plain .js files
 * alone). Typed from the source module of the same path; `npm run bench` builds first.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** `builtModule<typeof import('../src/server/app.ts')>('server/app')` loads dist/server/app.js. */
export async function builtModule<T>(path: string): Promise<T> {
  const url = new URL(`../dist/${path}.js`, import.meta.url);
  if (!existsSync(fileURLToPath(url)))
    throw new Error(`${fileURLToPath(url)} is missing: run npm run build:server (npm run bench does)`);
  return (await import(url.href)) as T;
}
