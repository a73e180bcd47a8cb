/**
 * Accounts live behind their own small interface, next to (not inside) the chat Store:
 * an account points at a normal User by `user_id`, so the user works everywhere.
 */

export interface Account {
  /** The User this account signs in as (created with store.createUser). */
  user_id: string;
  /** As typed at sign-up. */
  username: string;
  /** Unique among accounts; what logins match against. */
  username_lower: string;
  /** Lower-cased; unique among accounts. */
  email: string;
  /** `scrypt$N$r$p$salt$hash` (see password.ts). Never leaves the server. */
  password_hash: string;
  created_at: Date;
}

export interface NewAccount {
  user_id: string;
  username: string;
  username_lower: string;
  email: string;
  password_hash: string;
}

/** A stored login token: only its sha256 is kept. */
export interface TokenRecord {
  hash: string;
  user_id: string;
  expires_at: Date;
}

/** Thrown by createAccount when the username or email already belongs to an account. */
export class AccountConflictError extends Error {
  override name = 'AccountConflictError';
  constructor(readonly field: 'username' | 'email') {
    super(`${field} already taken`);
  }
}

export interface AccountStore {
  readonly kind: 'memory' | 'mongo' | 'postgres';
  /** Connect and create tables/indexes. Idempotent. */
  init(): Promise<void>;
  close(): Promise<void>;
  /** Store a new account; throws AccountConflictError on a taken username_lower or email. */
  createAccount(input: NewAccount): Promise<Account>;
  /** By username (case-insensitive) or, when it contains `@`, by email. */
  findByLogin(usernameOrEmail: string): Promise<Account | null>;
  /** The account behind a user id, or null for anonymous users. */
  findByUserId(userId: string): Promise<Account | null>;
  saveToken(hash: string, userId: string, expiresAt: Date): Promise<void>;
  /** The record for a token hash, expired or not (the caller checks expiry); null once revoked. */
  findToken(hash: string): Promise<TokenRecord | null>;
  /** Forget a token; unknown hashes are ignored. */
  revokeToken(hash: string): Promise<void>;
}

/** The key a login string is matched on: lower-cased email, or lower-cased username. */
export function loginKey(usernameOrEmail: string): { field: 'email' | 'username_lower'; value: string } {
  const value = usernameOrEmail.trim().toLowerCase();
  return { field: value.includes('@') ? 'email' : 'username_lower', value };
}
