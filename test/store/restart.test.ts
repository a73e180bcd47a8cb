/**
 * Restart survival over HTTP: a real server creates a user, a room, a membership and
 * messages; it stops; a new app with a new store on the same database serves the same ids
 * in the same order. Runs for each database this machine has; skipped with the reason otherwise.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { MongoStore } from '../../src/server/store/mongo.ts';
import { PostgresStore } from '../../src/server/store/postgres.ts';
import type { Store } from '../../src/server/store/store.ts';
import { api } from '../helpers/http.ts';
import { startTestServer } from '../helpers/server.ts';
import {
  freshMongoDatabase,
  freshPgDatabase,
  MONGO_SKIP,
  MONGO_URL,
  PG_SKIP,
  PG_URL,
  type TestDatabase,
} from './databases.ts';

function restartSuite(kind: string, make: () => Promise<Store>): void {
  describe(`${kind} store: data survives a server restart`, () => {
    it('same user, room, members, message ids and order after a restart; a retried client_msg_id is still deduplicated', async () => {
      const first = await startTestServer({}, await make());
      let http = api(first.url);
      const user = await http.user('persist');
      const other = await http.user('persist');
      const room = await http.room('durable');
      await http.join(room.id, user.id, { avatar_url: 'https://a.example/p.png' });
      await http.join(room.id, other.id);
      const sent: string[] = [];
      for (let i = 0; i < 5; i++) {
        const res = await http.post(`/rooms/${room.id}/messages`, {
          user_id: i % 2 ? other.id : user.id,
          content: `msg ${i}`,
          client_msg_id: `c-${i}`,
        });
        expect(res.status).toBe(201);
        sent.push(res.body.id);
      }
      const before = {
        user: (await http.get(`/users/${user.id}`)).body,
        room: (await http.get(`/rooms/${room.id}`)).body,
        messages: (await http.get(`/rooms/${room.id}/messages`)).body,
      };
      await first.close();

      const second = await startTestServer({}, await make());
      try {
        http = api(second.url);
        expect((await http.get(`/users/${user.id}`)).body).toEqual(before.user);
        const roomAfter = (await http.get(`/rooms/${room.id}`)).body;
        expect(roomAfter.id).toBe(room.id);
        expect(roomAfter.users).toEqual([user.id, other.id]);
        expect(roomAfter).toMatchObject({ name: before.room.name, created_at: before.room.created_at });
        const messages = (await http.get(`/rooms/${room.id}/messages`)).body;
        expect(messages.map((m: { id: string }) => m.id)).toEqual(sent);
        expect(messages).toEqual(before.messages);
        const page = (await http.get(`/rooms/${room.id}/messages?after=${sent[1]}&limit=2`)).body;
        expect(page.map((m: { id: string }) => m.id)).toEqual(sent.slice(2, 4));
        const retry = await http.post(`/rooms/${room.id}/messages`, {
          user_id: user.id,
          content: 'msg 0',
          client_msg_id: 'c-0',
        });
        expect(retry.status).toBe(200);
        expect(retry.body.id).toBe(sent[0]);
        const storage = (await http.get('/health')).body.storage;
        expect(storage).toMatchObject({ kind, persistent: true, ok: true });
        // One pool for the database (chat and accounts share it): its size and use are shown.
        expect(storage.pool.max).toBeGreaterThan(0);
        expect(storage.pool.open).toBeGreaterThanOrEqual(1);
        expect(storage.pool.open).toBeLessThanOrEqual(storage.pool.max);
      } finally {
        await second.close();
      }
    });
  });
}

const pgUrl = PG_URL;
if (pgUrl) {
  let db: Promise<TestDatabase> | undefined;
  restartSuite(
    'postgres',
    async () => new PostgresStore({ url: (await (db ??= freshPgDatabase(pgUrl, 'vchat_restart'))).url }),
  );
  afterAll(async () => {
    await (await db)?.drop();
  });
} else {
  describe.skip(`postgres store: data survives a server restart — ${PG_SKIP}`, () => {
    it('restart over HTTP', () => {});
  });
}

const mongoUrl = MONGO_URL;
if (mongoUrl) {
  const db = freshMongoDatabase(mongoUrl, 'vchat_restart');
  restartSuite('mongo', async () => new MongoStore({ url: mongoUrl, dbName: db.dbName }));
  afterAll(async () => {
    await db.drop();
  });
} else {
  describe.skip(`mongo store: data survives a server restart — ${MONGO_SKIP}`, () => {
    it('restart over HTTP', () => {});
  });
}
