import { describe, expect, it } from 'vitest';
import {
  charLength,
  cleanContent,
  isValidId,
  validateCreateRoom,
  validateCreateUser,
  validatePageQuery,
  validateProfile,
} from '../../src/shared/validate.ts';

describe('validators', () => {
  it('trims usernames and bounds them at 1-50 code points', () => {
    expect(validateCreateUser({ username: '  bob ' })).toEqual({ ok: true, value: { username: 'bob' } });
    expect(validateCreateUser({ username: '   ' }).ok).toBe(false);
    expect(validateCreateUser({ username: 'x'.repeat(51) }).ok).toBe(false);
    expect(validateCreateUser({ username: '😀'.repeat(50) }).ok).toBe(true);
    expect(validateCreateUser({ username: 'a\u0000b' }).ok).toBe(false);
    expect(validateCreateUser({ username: 42 }).ok).toBe(false);
    expect(validateCreateUser({}).ok).toBe(false);
  });

  it('accepts http(s) and data:image thumbnails only', () => {
    expect(validateCreateRoom({ name: 'r', thumbnail_url: 'https://x.test/a.png' }).ok).toBe(true);
    expect(validateCreateRoom({ name: 'r', thumbnail_url: 'data:image/png;base64,iVBORw0KGgo=' }).ok).toBe(true);
    expect(validateCreateRoom({ name: 'r', thumbnail_url: 'data:text/html;base64,PGI+' }).ok).toBe(false);
    expect(validateCreateRoom({ name: 'r', thumbnail_url: 'javascript:alert(1)' }).ok).toBe(false);
    expect(
      validateCreateRoom({ name: 'r', thumbnail_url: `data:image/png;base64,${'A'.repeat(1024 * 1024)}` }).ok,
    ).toBe(false);
    expect(validateCreateRoom({ name: 'r', thumbnail_url: null })).toEqual({
      ok: true,
      value: { name: 'r', thumbnail_url: null },
    });
    // A lone surrogate is refused; a real pair (an emoji) in a URL is fine.
    expect(validateCreateRoom({ name: 'r', thumbnail_url: 'https://x.test/\ud800.png' })).toMatchObject({
      ok: false,
      errors: [{ field: 'thumbnail_url' }],
    });
    expect(validateCreateRoom({ name: 'r', thumbnail_url: 'https://x.test/\ud83d\ude00.png' }).ok).toBe(true);
    expect(validateProfile({ avatar_url: 'https://x.test/\udc00' }).ok).toBe(false);
  });

  it('flags the seed profile rules as 400 and type errors as 422', () => {
    const data = validateProfile({ avatar_url: 'data:image/png;base64,AAAA' });
    expect(data.ok).toBe(false);
    expect(!data.ok && data.status).toBe(400);
    const long = validateProfile({ avatar_url: `https://x.test/${'a'.repeat(2000)}` });
    expect(!long.ok && long.status).toBe(400);
    const short = validateProfile({ display_name: 'a' });
    expect(!short.ok && short.status).toBe(400);
    const typed = validateProfile({ display_name: 7 });
    expect(!typed.ok && typed.status).toBe(422);
    expect(validateProfile({ display_name: 'Ann', avatar_url: 'https://i.pravatar.cc/150' })).toEqual({
      ok: true,
      value: { display_name: 'Ann', avatar_url: 'https://i.pravatar.cc/150' },
    });
  });

  it('cleans content: CRLF to LF, control characters stripped, newline and tab kept', () => {
    expect(cleanContent('  a\r\nb\tc\u0007d\u200b ')).toBe('a\nb\tcd\u200b');
    expect(cleanContent('\ud800x')).toBe('\ufffdx');
    expect(charLength('👍🏽')).toBe(2);
  });

  it('gives the same lone-surrogate answer on every call, and rejoins a pair split by a control character', () => {
    // The checks once shared a global regex whose lastIndex leaked from one call into the next.
    for (let i = 0; i < 3; i++) {
      expect(validateCreateUser({ username: 'a\ud800' }).ok).toBe(false);
      expect(validateCreateUser({ username: '\ud83d\ude00 ok' }).ok).toBe(true);
      expect(validateProfile({ avatar_url: 'https://x.test/\udc00' }).ok).toBe(false);
    }
    expect(cleanContent('\ud83d\u0001\ude00')).toBe('\ud83d\ude00');
    expect(cleanContent('a\udc00\ud800b\r')).toBe('a\ufffd\ufffdb');
  });

  it('checks ids and paging parameters', () => {
    expect(isValidId('3f1c2d4e-aaaa-4bbb-8ccc-123456789abc')).toBe(true);
    expect(isValidId('a/b')).toBe(false);
    expect(isValidId('x'.repeat(129))).toBe(false);
    expect(validatePageQuery(new URLSearchParams('limit=0')).ok).toBe(false);
    expect(validatePageQuery(new URLSearchParams('limit=501')).ok).toBe(false);
    expect(validatePageQuery(new URLSearchParams('limit=1.5')).ok).toBe(false);
    expect(validatePageQuery(new URLSearchParams('before=a&after=b')).ok).toBe(false);
    expect(validatePageQuery(new URLSearchParams(''))).toEqual({ ok: true, value: { limit: 100 } });
  });
});
