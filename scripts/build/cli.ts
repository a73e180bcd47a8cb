/**
 * `npm run build:cli`: the `vchat` CLI as the installable package in `packages/vchat/`.
 * esbuild bundles `src/cli` and `src/shared` with their dependencies into `dist/vchat.js` plus
 * the load-worker entry (`dist/worker-entry.js`, forked by `vchat load --workers N`), sharing
 * chunks: the package has no dependencies to install (no network, no `mongodb`, `pg`, `redis`
 * or `tsx`), and one parse of a minified bundle starts much faster than loading hundreds of
 * files through tsx. Bundled packages' licenses go to `dist/THIRD_PARTY_LICENSES.md`.
 * `--out-dir DIR` builds elsewhere (tests build their own copy, so they never race `npm pack`).
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';
import { thirdPartyLicenses } from './licenses.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const PKG_DIR = `${ROOT}packages/vchat/`;
const { values } = parseArgs({ options: { 'out-dir': { type: 'string' } } });
const OUT_DIR = values['out-dir'] ?? `${PKG_DIR}dist`;
const { version } = JSON.parse(readFileSync(`${PKG_DIR}package.json`, 'utf8')) as { version: string };

/** uPlot's minified script and stylesheet, for the reports' inline copy. */
function uplotFiles(): { js: string; css: string } {
  const read = (file: string): string => readFileSync(`${ROOT}node_modules/uplot/dist/${file}`, 'utf8');
  return { js: read('uPlot.iife.min.js'), css: read('uPlot.min.css') };
}

rmSync(OUT_DIR, { recursive: true, force: true });
const result = await build({
  absWorkingDir: ROOT,
  entryPoints: { vchat: 'src/cli/main.ts', 'worker-entry': 'src/cli/load/worker-entry.ts' },
  outdir: OUT_DIR,
  chunkNames: 'chunks/[name]-[hash]',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20.18',
  minify: true,
  // ws loads these optional native add-ons inside try/catch; without them it uses plain JS.
  external: ['bufferutil', 'utf-8-validate'],
  // Bundled CommonJS packages call require() for Node built-ins; an ES module has none.
  banner: {
    js: "#!/usr/bin/env node\nimport { createRequire as __vchatCreateRequire } from 'node:module';\nconst require = __vchatCreateRequire(import.meta.url);",
  },
  // uPlot is inlined into HTML reports (src/cli/ui/uplot-assets.ts), so the bundle carries its files.
  define: { VCHAT_CLI_VERSION: JSON.stringify(version), VCHAT_UPLOT: JSON.stringify(uplotFiles()) },
  legalComments: 'none',
  metafile: true,
  logLevel: 'warning',
});
// uPlot arrives through `define`, not as a bundled module: its license is added by hand.
const inputs = [...Object.keys(result.metafile.inputs), 'node_modules/uplot/dist/uPlot.iife.min.js'];
writeFileSync(`${OUT_DIR}/THIRD_PARTY_LICENSES.md`, thirdPartyLicenses(ROOT, inputs));
process.stdout.write(`built ${OUT_DIR} (@vchat-ops/vchat ${version})\n`);
