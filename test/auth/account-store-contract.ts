/** The contract every AccountStore keeps. Run by account-store.test.ts for each store. */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AccountConflictError, type AccountStore, type NewAccount } from '../../src/server/auth/store.ts';

function account(overrides: Partial<NewAccount> = {}): NewAccount {
  const tag = randomUUID().slice(0, 8);
  const username = overrides.username ?? `Acct_${tag}`;
  return {
    user_id: randomUUID(),
    username,
    username_lower: username.toLowerCase(),
    email: `acct.${tag}@example.com`,
    password_hash: `scrypt$16384$8$1$salt$${tag}`,
    ...overrides,
  };
}

/** Declare the suite for one store; `make` builds a fresh, not yet initialised store. */
export function accountStoreContract(name: string, make: () => AccountStore | Promise<AccountStore>): void {
  describe(`AccountStore contract: ${name}`, () => {
    let store: AccountStore;
    beforeAll(async () => {
      store = await make();
      await store.init();
      await store.init(); // idempotent
    });
    afterAll(() => store?.close());

    it('creates and finds an account by username (any case), email (any case) and user id', async () => {
      const input = account();
      const created = await store.createAccount(input);
      expect(created).toMatchObject(input);
      expect(created.created_at).toBeInstanceOf(Date);
      for (const login of [input.username, input.username.toUpperCase(), input.email, input.email.toUpperCase()]) {
        expect((await store.findByLogin(login))?.user_id).toBe(input.user_id);
      }
      expect((await store.findByUserId(input.user_id))?.email).toBe(input.email);
      expect(await store.findByLogin('no_such_user_' + randomUUID().slice(0, 6))).toBeNull();
      expect(await store.findByLogin(`nobody-${randomUUID()}@example.com`)).toBeNull();
      expect(await store.findByUserId(randomUUID())).toBeNull();
    });

    it('rejects a taken username (case-insensitive) and a taken email with typed conflicts', async () => {
      const first = account();
      await store.createAccount(first);
      const sameName = store.createAccount(
        account({ username: first.username.toUpperCase(), username_lower: first.username_lower }),
      );
      await expect(sameName).rejects.toBeInstanceOf(AccountConflictError);
      await expect(sameName).rejects.toMatchObject({ field: 'username' });
      await expect(store.createAccount(account({ email: first.email }))).rejects.toMatchObject({ field: 'email' });
    });

    it('lets exactly one of several concurrent creates for one name win', async () => {
      const name = account().username;
      const results = await Promise.allSettled(
        [1, 2, 3, 4].map(() => store.createAccount(account({ username: name }))),
      );
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      for (const r of results) if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(AccountConflictError);
    });

    it('saves, finds and revokes tokens by hash, keeping the expiry', async () => {
      const hash = randomUUID().replace(/-/g, '').padEnd(64, '0');
      const userId = randomUUID();
      const expiresAt = new Date(Date.now() + 60_000);
      await store.saveToken(hash, userId, expiresAt);
      const found = await store.findToken(hash);
      expect(found).toMatchObject({ hash, user_id: userId });
      expect(found?.expires_at.getTime()).toBe(expiresAt.getTime());
      await store.revokeToken(hash);
      expect(await store.findToken(hash)).toBeNull();
      await store.revokeToken(hash); // unknown: ignored
      expect(await store.findToken('f'.repeat(64))).toBeNull();
    });

    it('returns expired tokens for the caller to judge (or has already dropped them)', async () => {
      const hash = 'e'.repeat(32) + randomUUID().replace(/-/g, '');
      await store.saveToken(hash, randomUUID(), new Date(Date.now() - 1000));
      const found = await store.findToken(hash);
      if (found) expect(found.expires_at.getTime()).toBeLessThan(Date.now());
    });
  });
}
