/** The license texts of every npm package a bundle contains, for shipping next to it. */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

interface PackageInfo {
  name: string;
  version: string;
  license?: string;
}

/** `node_modules/<name>` or `node_modules/@scope/<name>` directory of a bundle input path, or null for our own files. */
function packageDir(input: string): string | null {
  const match = /^(.*node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(input);
  return match ? match[1]! : null;
}

/**
 * Markdown listing each bundled package (name, version, license) with its LICENSE file's text.
 * `inputs`: the bundler's input paths, relative to `rootDir`.
 */
export function thirdPartyLicenses(rootDir: string, inputs: string[]): string {
  const dirs = [...new Set(inputs.map(packageDir).filter((d): d is string => d !== null))];
  const sections = dirs
    .map((dir) => {
      const abs = join(rootDir, dir);
      const pkg = JSON.parse(readFileSync(join(abs, 'package.json'), 'utf8')) as PackageInfo;
      const file = existsSync(abs) ? readdirSync(abs).find((f) => /^(licen[cs]e|copying)(\.|$)/i.test(f)) : undefined;
      const text = file
        ? readFileSync(join(abs, file), 'utf8').trim()
        : `(no license file; package.json says ${pkg.license ?? 'nothing'})`;
      return { title: `${pkg.name}@${pkg.version} (${pkg.license ?? 'unknown'})`, text };
    })
    .sort((a, b) => a.title.localeCompare(b.title));
  return [
    '# Third-party licenses',
    '',
    'The `vchat` bundle contains these npm packages.',
    '',
    ...sections.flatMap((s) => [`## ${s.title}`, '', '```text', s.text, '```', '']),
  ].join('\n');
}
