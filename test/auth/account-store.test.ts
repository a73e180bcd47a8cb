/**
 * The AccountStore contract against every store: memory always; Postgres when
 * VCHAT_TEST_DATABASE_URL is set; MongoDB when VCHAT_TEST_MONGODB_URI is set (a fresh database, dropped after). Skips say why.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { MemoryAccountStore } from '../../src/server/auth/memory.ts';
import { freshMongoDatabase, MONGO_URL } from '../store/databases.ts';
import { accountStoreContract } from './account-store-contract.ts';

accountStoreContract('memory', () => new MemoryAccountStore());

const pgUrl = process.env.VCHAT_TEST_DATABASE_URL;
if (pgUrl) {
  accountStoreContract('postgres', async () => {
    const { PostgresAccountStore } = await import('../../src/server/auth/postgres.ts');
    return new PostgresAccountStore({ url: pgUrl });
  });
} else {
  describe('AccountStore contract: postgres', () => {
    it.skip('SKIPPED: set VCHAT_TEST_DATABASE_URL=postgres://… to run it against Postgres', () => {});
  });
}

const mongoUrl = MONGO_URL;
if (mongoUrl) {
  const db = freshMongoDatabase(mongoUrl, 'vchat_accounts');
  accountStoreContract('mongo', async () => {
    const { MongoAccountStore } = await import('../../src/server/auth/mongo.ts');
    return new MongoAccountStore({ url: mongoUrl, dbName: db.dbName });
  });
  afterAll(() => db.drop());
} else {
  describe('AccountStore contract: mongo', () => {
    it.skip('SKIPPED: set VCHAT_TEST_MONGODB_URI=mongodb://… to run it against MongoDB', () => {});
  });
}

describe.skipIf(!pgUrl)('createApp picks the account store by config.storage.kind', () => {
  it('postgres: sign-up, login and /auth/me go through the lazily connected store', async () => {
    const { createApp } = await import('../../src/server/app.ts');
    const { testConfig } = await import('../../src/server/config.ts');
    const { MemoryStore } = await import('../../src/server/store/memory.ts');
    const { api } = await import('../helpers/http.ts');
    const { newAccount } = await import('./helpers.ts');
    const config = testConfig({ storage: { kind: 'postgres', url: pgUrl as string } });
    const app = createApp({ config, store: new MemoryStore() });
    try {
      expect(app.auth.accounts.kind).toBe('postgres');
      const { port } = await app.listen();
      const http = api(`http://127.0.0.1:${port}`);
      const body = newAccount('pg');
      const created = await http.post('/auth/signup', body);
      expect(created.status).toBe(201);
      const login = await http.post('/auth/login', { username: body.email, password: body.password });
      expect(login.status).toBe(200);
      const me = await http.get('/auth/me', { headers: { authorization: `Bearer ${login.body.token}` } });
      expect(me.body.id).toBe(created.body.user.id);
      expect((await http.post('/auth/signup', { ...newAccount('pg'), username: body.username })).body.code).toBe(
        'username_taken',
      );
    } finally {
      await app.close();
    }
  });
});

describe('an unreachable account database', () => {
  it('answers 503 storage_unavailable (with CORS), and the process stays up', async () => {
    const { createApp } = await import('../../src/server/app.ts');
    const { testConfig } = await import('../../src/server/config.ts');
    const { MemoryStore } = await import('../../src/server/store/memory.ts');
    const { api } = await import('../helpers/http.ts');
    const { newAccount } = await import('./helpers.ts');
    const config = testConfig({ storage: { kind: 'postgres', url: 'postgres://nobody@127.0.0.1:1/none' } });
    const app = createApp({ config, store: new MemoryStore() });
    try {
      const { port } = await app.listen();
      const http = api(`http://127.0.0.1:${port}`);
      const res = await http.post('/auth/signup', newAccount());
      expect(res.status).toBe(503);
      expect(res.body.code).toBe('storage_unavailable');
      expect(res.headers['access-control-allow-origin']).toBe('http://localhost:3000');
      expect((await http.get('/auth/me', { headers: { authorization: `Bearer ${'A'.repeat(43)}` } })).status).toBe(503);
    } finally {
      await app.close();
    }
  });
});
