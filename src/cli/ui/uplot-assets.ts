/**
 * uPlot's script and stylesheet, inlined into the HTML reports so a report works offline.
 * The package build (scripts/build/cli.ts) defines VCHAT_UPLOT, so the bundle carries them;
 * from source they are read from node_modules once.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

/** Set by the package build; undeclared when running from source. */
declare const VCHAT_UPLOT: { js: string; css: string } | undefined;

let cached: { js: string; css: string } | undefined;

/** uPlot's minified IIFE build (defines `uPlot`) and its CSS. */
export function uplotAssets(): { js: string; css: string } {
  if (typeof VCHAT_UPLOT === 'object') return VCHAT_UPLOT;
  if (!cached) {
    const require = createRequire(import.meta.url);
    const read = (file: string): string => readFileSync(require.resolve(`uplot/dist/${file}`), 'utf8');
    cached = { js: read('uPlot.iife.min.js'), css: read('uPlot.min.css') };
  }
  return cached;
}
