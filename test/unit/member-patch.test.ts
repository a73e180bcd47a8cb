import { describe, expect, it } from 'vitest';
import { memberPatch } from '../../src/server/store/store.ts';

describe('memberPatch', () => {
  it('leaves out undefined fields and keeps null (which clears the avatar)', () => {
    expect(memberPatch({})).toEqual({});
    expect(Object.keys(memberPatch({ username: undefined, avatar_url: undefined }))).toEqual([]);
    expect(memberPatch({ avatar_url: null })).toEqual({ avatar_url: null });
    expect(memberPatch({ username: 'ada', avatar_url: 'https://x/a.png' })).toEqual({
      username: 'ada',
      avatar_url: 'https://x/a.png',
    });
  });
});
