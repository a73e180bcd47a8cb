import { describe, expect, it } from 'vitest';
import { MemoryAccountStore } from '../../src/server/auth/memory.ts';
import { hashPassword, verifyPassword } from '../../src/server/auth/password.ts';
import { bearerToken, hashToken, isTokenShaped, newToken } from '../../src/server/auth/tokens.ts';
import { redactRequestTarget } from '../../src/server/redact.ts';
import { signup, startAuthServer } from './helpers.ts';

describe('passwords', () => {
  it('the hash is not the password, is salted, and verifies in constant-time form', async () => {
    const a = await hashPassword('Correct7horse');
    const b = await hashPassword('Correct7horse');
    expect(a).not.toContain('Correct7horse');
    expect(a).toMatch(/^scrypt\$16384\$8\$1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
    expect(a).not.toBe(b);
    expect(await verifyPassword('Correct7horse', a)).toBe(true);
    expect(await verifyPassword('Correct7horsf', a)).toBe(false);
    expect(await verifyPassword('Correct7horse', 'scrypt$1$1$1$x$y')).toBe(false);
    expect(await verifyPassword('Correct7horse', 'plain')).toBe(false);
  });

  it('two accounts with the same password get different stored hashes', async () => {
    const srv = await startAuthServer();
    try {
      const a = await signup(srv, { username: 'same_pw_a', email: 'a@example.com', password: 'Shared7secret' });
      const b = await signup(srv, { username: 'same_pw_b', email: 'b@example.com', password: 'Shared7secret' });
      const accA = await srv.accounts.findByUserId(a.user.id);
      const accB = await srv.accounts.findByUserId(b.user.id);
      expect(accA?.password_hash).toMatch(/^scrypt\$/);
      expect(accA?.password_hash).not.toContain('Shared7secret');
      expect(accA?.password_hash).not.toBe(accB?.password_hash);
    } finally {
      await srv.close();
    }
  });
});

describe('tokens', () => {
  it('are 32 random bytes; only the sha256 is stored', async () => {
    const { token, hash } = newToken();
    expect(Buffer.from(token, 'base64url')).toHaveLength(32);
    expect(hash).toBe(hashToken(token));
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(isTokenShaped(token)).toBe(true);
    const store = new MemoryAccountStore();
    await store.saveToken(hash, 'u1', new Date(Date.now() + 1000));
    expect(await store.findToken(token)).toBeNull();
    expect((await store.findToken(hash))?.user_id).toBe('u1');
  });

  it('parses Authorization: Bearer strictly', () => {
    expect(bearerToken(undefined)).toBeUndefined();
    expect(bearerToken('Bearer abc')).toBe('abc');
    expect(bearerToken('bearer abc')).toBe('abc');
    expect(bearerToken('Basic abc')).toBeNull();
    expect(bearerToken('Bearer')).toBeNull();
    expect(bearerToken('Bearer a b')).toBeNull();
  });

  it('never reaches a log line: ?token= is redacted', () => {
    expect(redactRequestTarget('/ws/r/u?username=x&token=secret&avatar_url=y')).toBe(
      '/ws/r/u?username=x&token=REDACTED&avatar_url=y',
    );
    expect(redactRequestTarget('/ws/r/u?token=secret')).toBe('/ws/r/u?token=REDACTED');
  });
});
