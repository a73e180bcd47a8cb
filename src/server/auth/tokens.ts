/** Login tokens: 32 random bytes (base64url) handed out once; only their sha256 is stored. */
import { createHash, randomBytes } from 'node:crypto';

const TOKEN_RE = /^[A-Za-z0-9_-]{43}$/;

/** A fresh token and the hash to store for it. */
export function newToken(): { token: string; hash: string } {
  const token = randomBytes(32).toString('base64url');
  return { token, hash: hashToken(token) };
}

/** sha256 hex of a token: what the AccountStore keys tokens by. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** True when the string has the shape of one of our tokens (cheap reject before a lookup). */
export function isTokenShaped(token: string): boolean {
  return TOKEN_RE.test(token);
}

/**
 * The token in an `Authorization` header: undefined when there is no header, null when
 * there is one that is not `Bearer <token>` (that is an invalid token, not anonymous).
 */
export function bearerToken(header: string | string[] | undefined): string | null | undefined {
  if (header === undefined) return undefined;
  const value = Array.isArray(header) ? header[0] : header;
  const m = /^Bearer[ ]+(\S+)\s*$/i.exec(value ?? '');
  return m ? m[1] : null;
}
