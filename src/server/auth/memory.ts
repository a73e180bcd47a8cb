/** In-memory AccountStore: the default, and the reference the contract suite pins down. */
import {
  AccountConflictError,
  loginKey,
  type Account,
  type AccountStore,
  type NewAccount,
  type TokenRecord,
} from './store.ts';

/** Expired tokens are swept every this many saves, so memory does not grow forever. */
const SWEEP_EVERY_SAVES = 1000;

export class MemoryAccountStore implements AccountStore {
  readonly kind = 'memory' as const;
  private byUser = new Map<string, Account>();
  private byName = new Map<string, Account>();
  private byEmail = new Map<string, Account>();
  private tokens = new Map<string, TokenRecord>();
  private saves = 0;

  async init(): Promise<void> {}
  async close(): Promise<void> {}

  async createAccount(input: NewAccount): Promise<Account> {
    if (this.byName.has(input.username_lower)) throw new AccountConflictError('username');
    if (this.byEmail.has(input.email)) throw new AccountConflictError('email');
    const account: Account = { ...input, created_at: new Date() };
    this.byUser.set(account.user_id, account);
    this.byName.set(account.username_lower, account);
    this.byEmail.set(account.email, account);
    return { ...account };
  }

  async findByLogin(usernameOrEmail: string): Promise<Account | null> {
    const key = loginKey(usernameOrEmail);
    const account = (key.field === 'email' ? this.byEmail : this.byName).get(key.value);
    return account ? { ...account } : null;
  }

  async findByUserId(userId: string): Promise<Account | null> {
    const account = this.byUser.get(userId);
    return account ? { ...account } : null;
  }

  async saveToken(hash: string, userId: string, expiresAt: Date): Promise<void> {
    if (++this.saves % SWEEP_EVERY_SAVES === 0) this.sweep(Date.now());
    this.tokens.set(hash, { hash, user_id: userId, expires_at: new Date(expiresAt) });
  }

  async findToken(hash: string): Promise<TokenRecord | null> {
    const record = this.tokens.get(hash);
    return record ? { ...record, expires_at: new Date(record.expires_at) } : null;
  }

  async revokeToken(hash: string): Promise<void> {
    this.tokens.delete(hash);
  }

  private sweep(nowMs: number): void {
    for (const [hash, record] of this.tokens) if (record.expires_at.getTime() <= nowMs) this.tokens.delete(hash);
  }
}
