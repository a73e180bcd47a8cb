import { describe, expect, it } from 'vitest';
import { DEFAULT_ORIGINS } from '../../src/server/config.ts';
import { echoOrigin, isOriginAllowed, parseOriginList, preflightHeaders } from '../../src/server/http/cors.ts';

const { policy, problems } = parseOriginList(DEFAULT_ORIGINS);

describe('origin allowlist', () => {
  it('parses the default list without problems', () => {
    expect(problems).toEqual([]);
    expect(policy.entries).toHaveLength(4);
  });

  it.each([
    'http://localhost:3000',
    'https://video-chat-frontend-seven.vercel.app',
    'https://video-chat-frontend-iio886s1j-dalkirks-projects.vercel.app',
    'https://video-chat-frontend-abc123xyz-dalkirks-projects.vercel.app',
    'https://VIDEO-CHAT-FRONTEND-seven.vercel.app',
  ])('allows %s', (origin) => {
    expect(isOriginAllowed(origin, policy)).toBe(true);
  });

  it.each([
    'https://video-chat-frontend-seven.vercel.app.attacker.com',
    'https://evil-video-chat-frontend-seven.vercel.app',
    'https://evil-dalkirks-projects.vercel.app',
    'https://other-app.vercel.app',
    'https://video-chat-frontend-a.b-dalkirks-projects.vercel.app',
    'https://video-chat-frontend--dalkirks-projects.vercel.app',
    'http://video-chat-frontend-seven.vercel.app',
    'http://localhost:3001',
    'null',
    '',
    undefined,
  ])('refuses %s', (origin) => {
    expect(isOriginAllowed(origin, policy)).toBe(false);
  });

  it('refuses a bare * with a reason', () => {
    const parsed = parseOriginList('http://localhost:3000,*');
    expect(parsed.problems).toHaveLength(1);
    expect(parsed.problems[0]).toMatch(/credentials/);
  });

  it('refuses paths and wildcards in the registrable domain', () => {
    expect(parseOriginList('https://a.example.com/path').problems).toHaveLength(1);
    expect(parseOriginList('https://*.vercel.app').problems).toHaveLength(1);
    expect(parseOriginList('https://*.preview.example.com').problems).toHaveLength(0);
    expect(parseOriginList('https://example.*').problems).toHaveLength(1);
    expect(parseOriginList('https://*.com').problems).toHaveLength(1);
  });

  it('a pattern * never spans a dot', () => {
    const p = parseOriginList('https://*.preview.example.com').policy;
    expect(isOriginAllowed('https://a.preview.example.com', p)).toBe(true);
    expect(isOriginAllowed('https://a.b.preview.example.com', p)).toBe(false);
  });
});

describe('echoOrigin', () => {
  it('echoes an allowed origin exactly as sent, never *', () => {
    expect(echoOrigin('http://localhost:3000', policy)).toBe('http://localhost:3000');
  });

  it('returns nothing for a disallowed or missing origin', () => {
    expect(echoOrigin('https://evil.example', policy)).toBeUndefined();
    expect(echoOrigin(undefined, policy)).toBeUndefined();
  });

  it('gives the same verdicts when origins repeat and when more distinct origins than it remembers go by', () => {
    const seen: Array<string | undefined> = [];
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < 12; i++) seen.push(echoOrigin(`https://evil${i}.example`, policy));
      seen.push(echoOrigin('http://localhost:3000', policy), echoOrigin('HTTP://LOCALHOST:3000', policy));
    }
    expect(seen.filter((v) => v !== undefined)).toEqual(
      Array(3).fill(['http://localhost:3000', 'HTTP://LOCALHOST:3000']).flat(),
    );
  });

  it('preflight lists methods, headers and max-age, and adds requested extra headers', () => {
    const h = preflightHeaders('content-type, x-custom-thing');
    expect(h['Access-Control-Allow-Methods']).toBe('GET,POST,PUT,PATCH,DELETE,OPTIONS');
    expect(h['Access-Control-Allow-Headers']).toMatch(/Authorization, Content-Type, Accept, X-Requested-With/);
    expect(h['Access-Control-Allow-Headers']).toMatch(/x-custom-thing/);
    expect(h['Access-Control-Max-Age']).toBe('600');
  });
});
