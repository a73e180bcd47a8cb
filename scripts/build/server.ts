/**
 * `npm run build:server`: the server as plain JavaScript in `dist/` (what `npm start`, the
 * Procfile and the Dockerfile run). tsc rather than a bundler: one output file per source file,
 * so the paths the server resolves from `import.meta.url` (package.json, SQL migrations) stay
 * valid, stack traces name our files, and the build type-checks what it emits.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const OUT_DIR = `${ROOT}dist`;
/** Files the server reads at run time that tsc does not emit. */
const ASSET_DIRS = ['server/store/migrations'];

// A clean output: a source file deleted or renamed must not live on in dist/.
rmSync(OUT_DIR, { recursive: true, force: true });
const tsc = spawnSync(
  process.execPath,
  [createRequire(import.meta.url).resolve('typescript/bin/tsc'), '-p', `${ROOT}tsconfig.build.json`],
  { stdio: 'inherit' },
);
if (tsc.status !== 0) process.exit(tsc.status ?? 1);
for (const dir of ASSET_DIRS) cpSync(`${ROOT}src/${dir}`, `${OUT_DIR}/${dir}`, { recursive: true });
process.stdout.write(`built ${OUT_DIR}\n`);
