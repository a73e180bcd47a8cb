/**
 * ALLOWED_ORIGINS patterns whose `*` stands for a whole label directly under a public suffix
 * (`*.vercel.app`, `*.up.railway.app`, `*.netlify.app`, `*.co.uk`…) would trust every site
 * anyone can put on that suffix, with credentials: the real server refuses to start and says
 * why. The project-scoped preview pattern (the default) keeps working.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_ORIGINS, loadConfig } from '../../src/server/config.ts';
import { isOriginAllowed } from '../../src/server/http/cors.ts';
import { spawnServer } from '../helpers/process.ts';

const PUBLIC_SUFFIX_PATTERNS = [
  'https://*.vercel.app',
  'https://*.up.railway.app',
  'https://*.netlify.app',
  'https://*.github.io',
  'https://*.co.uk',
  'https://app.*.vercel.app',
  'https://*.pages.dev',
];

describe('ALLOWED_ORIGINS wildcards under a public suffix', () => {
  it('the real server refuses to start with *.vercel.app, naming the pattern and why', async () => {
    const started = spawnServer({ ALLOWED_ORIGINS: 'http://localhost:3000,https://*.vercel.app' });
    await expect(started).rejects.toThrow(/exited with 2 before listening[\s\S]*\*\.vercel\.app[\s\S]*public suffix/);
  });

  it.each(PUBLIC_SUFFIX_PATTERNS)('%s is refused by the config check', (pattern) => {
    expect(() => loadConfig({ ALLOWED_ORIGINS: pattern })).toThrow(/public suffix/);
  });

  it('all such patterns are reported at once, with the other problems', () => {
    let message = '';
    try {
      loadConfig({ ALLOWED_ORIGINS: 'https://*.vercel.app,https://*.netlify.app', PORT: 'x' });
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/\*\.vercel\.app/);
    expect(message).toMatch(/\*\.netlify\.app/);
    expect(message).toMatch(/PORT/);
  });

  it('keeps the project-scoped preview pattern and subdomains of a domain you own', () => {
    const config = loadConfig({
      ALLOWED_ORIGINS: `${DEFAULT_ORIGINS},https://*.preview.example.com,https://*.example.com`,
    });
    expect(isOriginAllowed('https://video-chat-frontend-git-main-dalkirks-projects.vercel.app', config.origins)).toBe(
      true,
    );
    expect(isOriginAllowed('https://pr-12.preview.example.com', config.origins)).toBe(true);
    expect(isOriginAllowed('https://evil.vercel.app', config.origins)).toBe(false);
    expect(loadConfig({}).origins.entries).toContain('https://video-chat-frontend-*-dalkirks-projects.vercel.app');
  });
});
