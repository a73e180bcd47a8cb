/**
 * The one store contract: every Store (memory, postgres, mongo) must pass these cases.
 * `factory()` returns a new, not yet initialised store; for a database store every call
 * opens the same database (so a second store sees the first one's data).
 */
import { createHash, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CursorNotFoundError, type Message, type Store } from '../../src/server/store/store.ts';

export type StoreFactory = () => Promise<Store>;

/** Register the contract suite for one store. */
export function storeContract(name: string, factory: StoreFactory): void {
  describe(`store contract: ${name}`, () => {
    let store: Store;
    beforeAll(async () => {
      store = await factory();
      await store.init();
    });
    afterAll(async () => {
      await store?.close();
    });

    /** A user, a room and a membership for message tests. */
    async function fixture(avatar: string | null = null) {
      const user = await store.createUser({ username: 'alice', avatar_url: avatar });
      const room = await store.createRoom({ name: 'general', thumbnail_url: null });
      const member = await store.upsertMember(room.id, user.id, {}, 'overwrite');
      return { user, room, member };
    }
    const say = (
      roomId: string,
      userId: string,
      content: string,
      extra: { client_msg_id?: string; avatar_url?: string | null; username?: string } = {},
    ) =>
      store.insertMessage({
        room_id: roomId,
        user_id: userId,
        username: extra.username ?? 'alice',
        content,
        avatar_url: extra.avatar_url ?? null,
        ...(extra.client_msg_id ? { client_msg_id: extra.client_msg_id } : {}),
      });
    const contents = (messages: Message[]) => messages.map((m) => m.content);

    it('init is idempotent and ping answers true', async () => {
      await store.init();
      expect(await store.ping()).toBe(true);
    });

    describe('users', () => {
      it('createUser returns a stable string id, the fields and a Date; getUser reads it back', async () => {
        const user = await store.createUser({ username: 'bob' });
        expect(typeof user.id).toBe('string');
        expect(user).toMatchObject({ username: 'bob', avatar_url: null });
        expect(user.created_at).toBeInstanceOf(Date);
        const again = await store.getUser(user.id);
        expect(again).toEqual(user);
        const withAvatar = await store.createUser({ username: 'bob', avatar_url: 'https://a.example/b.png' });
        expect(withAvatar.id).not.toBe(user.id); // usernames are not unique
        expect(withAvatar.avatar_url).toBe('https://a.example/b.png');
      });

      it('not found is null, for any id shape', async () => {
        expect(await store.getUser(randomUUID())).toBeNull();
        expect(await store.getUser('not-a-uuid')).toBeNull();
        expect(await store.updateUser(randomUUID(), { username: 'x' })).toBeNull();
        expect(await store.updateUser('nope', { username: 'x' })).toBeNull();
      });

      it('updateUser changes only the given fields; null clears the avatar', async () => {
        const user = await store.createUser({ username: 'carol', avatar_url: 'https://a.example/1.png' });
        expect(await store.updateUser(user.id, { username: 'caz' })).toMatchObject({
          id: user.id,
          username: 'caz',
          avatar_url: 'https://a.example/1.png',
        });
        expect(await store.updateUser(user.id, { avatar_url: null })).toMatchObject({
          username: 'caz',
          avatar_url: null,
        });
        expect(await store.updateUser(user.id, {})).toMatchObject({ username: 'caz', avatar_url: null });
        expect(await store.getUser(user.id)).toMatchObject({
          username: 'caz',
          avatar_url: null,
          created_at: user.created_at,
        });
      });
    });

    describe('rooms', () => {
      it('createRoom/getRoom/listRooms: no members yet, newest first, unknown is null', async () => {
        const a = await store.createRoom({ name: 'a', thumbnail_url: 'https://t.example/a.png' });
        const b = await store.createRoom({ name: 'b', thumbnail_url: null });
        expect(a).toMatchObject({ name: 'a', thumbnail_url: 'https://t.example/a.png', thumbnail_id: null, users: [] });
        expect(a.created_at).toBeInstanceOf(Date);
        expect(await store.getRoom(a.id)).toEqual(a);
        const ids = (await store.listRooms()).map((r) => r.id).filter((id) => id === a.id || id === b.id);
        expect(ids).toEqual([b.id, a.id]);
        expect(await store.getRoom(randomUUID())).toBeNull();
        expect(await store.getRoom('general')).toBeNull();
      });

      it('listRooms pages newest first by keyset: limit, beforeSeq, no gaps or repeats', async () => {
        const made: string[] = [];
        for (let i = 0; i < 7; i++) made.push((await store.createRoom({ name: `p${i}`, thumbnail_url: null })).id);
        const first = await store.listRooms({ limit: 3 });
        expect(first.map((r) => r.id)).toEqual(made.slice(4).reverse());
        const last = first[first.length - 1];
        const second = await store.listRooms({ limit: 3, beforeSeq: last?.seq as number });
        expect(second.map((r) => r.id)).toEqual(made.slice(1, 4).reverse());
        expect(second[0]?.seq).toBeLessThan(last?.seq as number);
        // A room created meanwhile does not shift the pages after it.
        await store.createRoom({ name: 'late', thumbnail_url: null });
        const third = await store.listRooms({ limit: 1, beforeSeq: second[2]?.seq as number });
        expect(third.map((r) => r.id)).toEqual([made[0]]);
      });

      it('an uploaded thumbnail is stored once by content address and read back byte for byte', async () => {
        const data = Buffer.from(`image bytes ${randomUUID()}`);
        const id = createHash('sha256').update(data).digest('hex');
        const thumbnail = { id, content_type: 'image/webp', data };
        const a = await store.createRoom({ name: 'ta', thumbnail_url: null, thumbnail });
        const b = await store.createRoom({ name: 'tb', thumbnail_url: null, thumbnail });
        expect(a).toMatchObject({ thumbnail_url: null, thumbnail_id: id });
        expect((await store.getRoom(b.id))?.thumbnail_id).toBe(id);
        const back = await store.getThumbnail(id);
        expect(back?.content_type).toBe('image/webp');
        expect(back && Buffer.from(back.data).equals(data)).toBe(true);
        expect(await store.getThumbnail('0'.repeat(64))).toBeNull();
        expect(await store.getThumbnail('not an id')).toBeNull();
      });
    });

    describe('members', () => {
      it('a new member takes the patch, else the user values; upsert is idempotent', async () => {
        const user = await store.createUser({ username: 'dave', avatar_url: 'https://a.example/d.png' });
        const room = await store.createRoom({ name: 'm', thumbnail_url: null });
        const m1 = await store.upsertMember(room.id, user.id, {}, 'fill');
        expect(m1).toMatchObject({
          room_id: room.id,
          user_id: user.id,
          username: 'dave',
          avatar_url: 'https://a.example/d.png',
        });
        expect(m1.joined_at).toBeInstanceOf(Date);
        const m2 = await store.upsertMember(room.id, user.id, {}, 'overwrite');
        expect(m2).toEqual(m1);
        expect((await store.getRoom(room.id))?.users).toEqual([user.id]);

        const other = await store.createUser({ username: 'erin' });
        const m3 = await store.upsertMember(
          room.id,
          other.id,
          { username: 'E', avatar_url: 'https://a.example/e.png' },
          'fill',
        );
        expect(m3).toMatchObject({ username: 'E', avatar_url: 'https://a.example/e.png' });
        expect((await store.getRoom(room.id))?.users).toEqual([user.id, other.id]); // oldest member first
        const listed = (await store.listRooms()).find((r) => r.id === room.id);
        expect(listed?.users).toEqual([user.id, other.id]);
        expect(await store.getMember(room.id, other.id)).toEqual(m3);
      });

      it("'fill' only fills what the member lacks; 'overwrite' replaces the given fields", async () => {
        const user = await store.createUser({ username: 'fay' });
        const room = await store.createRoom({ name: 'f', thumbnail_url: null });
        await store.upsertMember(room.id, user.id, {}, 'fill');
        // avatar missing -> fill sets it; username present -> fill keeps it
        expect(
          await store.upsertMember(
            room.id,
            user.id,
            { username: 'other', avatar_url: 'https://a.example/1.png' },
            'fill',
          ),
        ).toMatchObject({
          username: 'fay',
          avatar_url: 'https://a.example/1.png',
        });
        // both present -> fill changes nothing
        expect(
          await store.upsertMember(room.id, user.id, { username: 'x', avatar_url: 'https://a.example/2.png' }, 'fill'),
        ).toMatchObject({
          username: 'fay',
          avatar_url: 'https://a.example/1.png',
        });
        // overwrite replaces what is given, keeps what is not
        expect(
          await store.upsertMember(room.id, user.id, { avatar_url: 'https://a.example/3.png' }, 'overwrite'),
        ).toMatchObject({
          username: 'fay',
          avatar_url: 'https://a.example/3.png',
        });
        expect(
          await store.upsertMember(room.id, user.id, { username: 'Fay', avatar_url: null }, 'overwrite'),
        ).toMatchObject({
          username: 'Fay',
          avatar_url: null,
        });
        // a value that looks like an operator is stored verbatim
        expect(await store.upsertMember(room.id, user.id, { avatar_url: '$username' }, 'fill')).toMatchObject({
          avatar_url: '$username',
        });
        expect(await store.getMember(room.id, user.id)).toMatchObject({ username: 'Fay', avatar_url: '$username' });
      });

      it('getMember not found is null; upsert into an unknown room or for an unknown user rejects', async () => {
        const { user, room } = await fixture();
        expect(await store.getMember(room.id, randomUUID())).toBeNull();
        expect(await store.getMember(randomUUID(), user.id)).toBeNull();
        expect(await store.getMember('r', 'u')).toBeNull();
        await expect(store.upsertMember(randomUUID(), user.id, {}, 'fill')).rejects.toThrow();
        await expect(store.upsertMember(room.id, randomUUID(), {}, 'fill')).rejects.toThrow();
      });

      it('concurrent upserts of one membership neither throw nor duplicate', async () => {
        const user = await store.createUser({ username: 'gus' });
        const room = await store.createRoom({ name: 'g', thumbnail_url: null });
        const results = await Promise.all(
          Array.from({ length: 12 }, (_, i) =>
            store.upsertMember(
              room.id,
              user.id,
              { avatar_url: `https://a.example/${i}.png` },
              i % 2 ? 'fill' : 'overwrite',
            ),
          ),
        );
        expect(results.every((m) => m.user_id === user.id)).toBe(true);
        expect((await store.getRoom(room.id))?.users).toEqual([user.id]);
      });
    });

    describe('messages', () => {
      it('insertMessage stores the given fields; listMessages returns oldest first', async () => {
        const { user, room } = await fixture();
        const { message, created } = await say(room.id, user.id, 'one', { avatar_url: 'https://a.example/m.png' });
        expect(created).toBe(true);
        expect(message).toMatchObject({
          room_id: room.id,
          user_id: user.id,
          username: 'alice',
          content: 'one',
          avatar_url: 'https://a.example/m.png',
        });
        expect(message.created_at).toBeInstanceOf(Date);
        expect('client_msg_id' in message).toBe(false);
        await say(room.id, user.id, 'two');
        await say(room.id, user.id, 'three');
        const listed = await store.listMessages(room.id, { limit: 50 });
        expect(contents(listed)).toEqual(['one', 'two', 'three']);
        expect(listed[0]).toEqual(message); // ids and fields stable
      });

      it('limit / before / after page through the history; unknown cursors throw CursorNotFoundError', async () => {
        const { user, room } = await fixture();
        const ids: string[] = [];
        for (let i = 0; i < 10; i++) ids.push((await say(room.id, user.id, `m${i}`)).message.id);
        expect(contents(await store.listMessages(room.id, { limit: 3 }))).toEqual(['m7', 'm8', 'm9']);
        expect(contents(await store.listMessages(room.id, { limit: 2, before: ids[5] }))).toEqual(['m3', 'm4']);
        expect(contents(await store.listMessages(room.id, { limit: 2, after: ids[5] }))).toEqual(['m6', 'm7']);
        expect(contents(await store.listMessages(room.id, { limit: 5, before: ids[2] }))).toEqual(['m0', 'm1']);
        expect(contents(await store.listMessages(room.id, { limit: 5, after: ids[8] }))).toEqual(['m9']);
        expect(await store.listMessages(room.id, { limit: 5, before: ids[0] })).toEqual([]);
        expect(await store.listMessages(room.id, { limit: 5, after: ids[9] })).toEqual([]);

        const other = await store.createRoom({ name: 'other', thumbnail_url: null });
        await expect(store.listMessages(room.id, { limit: 5, before: randomUUID() })).rejects.toBeInstanceOf(
          CursorNotFoundError,
        );
        await expect(store.listMessages(room.id, { limit: 5, after: 'not-an-id' })).rejects.toBeInstanceOf(
          CursorNotFoundError,
        );
        await expect(store.listMessages(other.id, { limit: 5, after: ids[1] })).rejects.toBeInstanceOf(
          CursorNotFoundError,
        );
        expect(await store.listMessages(other.id, { limit: 5 })).toEqual([]);
        expect(await store.listMessages(randomUUID(), { limit: 5 })).toEqual([]);
      });

      it('a repeated client_msg_id returns the original with created=false and stores nothing', async () => {
        const { user, room } = await fixture();
        const first = await say(room.id, user.id, 'hello', { client_msg_id: 'c-1' });
        expect(first.created).toBe(true);
        expect(first.message.client_msg_id).toBe('c-1');
        const again = await say(room.id, user.id, 'hello (retry)', { client_msg_id: 'c-1' });
        expect(again.created).toBe(false);
        expect(again.message).toEqual(first.message);
        // the key is (room, user, client_msg_id): another user or room may reuse it
        const bob = await store.createUser({ username: 'bob' });
        await store.upsertMember(room.id, bob.id, {}, 'fill');
        expect((await say(room.id, bob.id, 'bob', { client_msg_id: 'c-1' })).created).toBe(true);
        const room2 = await store.createRoom({ name: 'r2', thumbnail_url: null });
        await store.upsertMember(room2.id, user.id, {}, 'fill');
        expect((await say(room2.id, user.id, 'elsewhere', { client_msg_id: 'c-1' })).created).toBe(true);
        expect(contents(await store.listMessages(room.id, { limit: 10 }))).toEqual(['hello', 'bob']);
      });

      it('concurrent retries of one client_msg_id store it once', async () => {
        const { user, room } = await fixture();
        const results = await Promise.all(
          Array.from({ length: 8 }, () => say(room.id, user.id, 'once', { client_msg_id: 'same' })),
        );
        expect(results.filter((r) => r.created)).toHaveLength(1);
        expect(new Set(results.map((r) => r.message.id)).size).toBe(1);
        expect(contents(await store.listMessages(room.id, { limit: 10 }))).toEqual(['once']);
      });

      it('messages without an avatar get the member avatar, else the user avatar; their own avatar wins', async () => {
        const user = await store.createUser({ username: 'hal', avatar_url: 'https://a.example/user.png' });
        const room = await store.createRoom({ name: 'h', thumbnail_url: null });
        await store.upsertMember(room.id, user.id, { avatar_url: null }, 'fill'); // member avatar = user's
        await store.upsertMember(room.id, user.id, { avatar_url: null }, 'overwrite'); // now none
        await say(room.id, user.id, 'no avatar');
        await say(room.id, user.id, 'own', { avatar_url: 'https://a.example/own.png' });
        let listed = await store.listMessages(room.id, { limit: 10 });
        expect(listed.map((m) => m.avatar_url)).toEqual(['https://a.example/user.png', 'https://a.example/own.png']);
        await store.upsertMember(room.id, user.id, { avatar_url: 'https://a.example/member.png' }, 'overwrite');
        listed = await store.listMessages(room.id, { limit: 10 });
        expect(listed.map((m) => m.avatar_url)).toEqual(['https://a.example/member.png', 'https://a.example/own.png']);
        // a message from a user who is no longer a member falls back to the user
        const ghost = await store.createUser({ username: 'ghost', avatar_url: 'https://a.example/ghost.png' });
        await say(room.id, ghost.id, 'boo', { username: 'ghost' });
        expect((await store.listMessages(room.id, { limit: 1 }))[0]?.avatar_url).toBe('https://a.example/ghost.png');
      });

      it('a profile update reaches memberships, later messages and avatar fill-in', async () => {
        const { user, room } = await fixture();
        await say(room.id, user.id, 'before');
        await store.updateUser(user.id, { username: 'alice2', avatar_url: 'https://a.example/new.png' });
        const member = await store.getMember(room.id, user.id);
        expect(member).toMatchObject({ username: 'alice2', avatar_url: 'https://a.example/new.png' });
        // the server stamps later messages with the member identity (Chat.post)
        await say(room.id, user.id, 'after', { username: member!.username, avatar_url: member!.avatar_url });
        const listed = await store.listMessages(room.id, { limit: 10 });
        expect(listed.map((m) => [m.content, m.username, m.avatar_url])).toEqual([
          ['before', 'alice', 'https://a.example/new.png'],
          ['after', 'alice2', 'https://a.example/new.png'],
        ]);
      });

      it('concurrent inserts keep each sender in order and lose nothing; paging walks it without gaps', async () => {
        const { room } = await fixture();
        const senders = await Promise.all([1, 2, 3, 4].map((i) => store.createUser({ username: `s${i}` })));
        for (const s of senders) await store.upsertMember(room.id, s.id, {}, 'fill');
        const perSender = 15;
        await Promise.all(
          senders.map(async (s, si) => {
            for (let i = 0; i < perSender; i++) await say(room.id, s.id, `${si}:${i}`, { client_msg_id: `${si}-${i}` });
          }),
        );
        const all = await store.listMessages(room.id, { limit: 1000 });
        expect(all).toHaveLength(senders.length * perSender);
        expect(new Set(all.map((m) => m.id)).size).toBe(all.length);
        for (let si = 0; si < senders.length; si++) {
          expect(contents(all).filter((c) => c.startsWith(`${si}:`))).toEqual(
            Array.from({ length: perSender }, (_, i) => `${si}:${i}`),
          );
        }
        // walking forward with `after` and backward with `before` gives the same order
        const forward: Message[] = [];
        let page = await store.listMessages(room.id, { limit: 7, after: all[0]!.id });
        forward.push(all[0]!);
        while (page.length) {
          forward.push(...page);
          page = await store.listMessages(room.id, { limit: 7, after: page[page.length - 1]!.id });
        }
        expect(forward.map((m) => m.id)).toEqual(all.map((m) => m.id));
        const backward: Message[] = [];
        page = await store.listMessages(room.id, { limit: 9 });
        while (page.length) {
          backward.unshift(...page);
          page = await store.listMessages(room.id, { limit: 9, before: page[0]!.id });
        }
        expect(backward.map((m) => m.id)).toEqual(all.map((m) => m.id));
      });

      it('insertMemberMessage takes the membership name and avatar; a non-member beside members in one batch is refused alone', async (ctx) => {
        const insert = store.insertMemberMessage?.bind(store);
        if (!insert) {
          ctx.skip('this store has no insertMemberMessage (callers look the member up first)');
          return;
        }
        const { user, room } = await fixture('https://example.com/a.png');
        await store.upsertMember(room.id, user.id, { username: 'alice in general' }, 'overwrite');
        const outsider = await store.createUser({ username: 'mallory' });
        const send = (userId: string, content: string, client_msg_id?: string) =>
          insert({ room_id: room.id, user_id: userId, content, ...(client_msg_id ? { client_msg_id } : {}) });
        // Sent together: they share a batch where the store batches.
        const [a, refused, b, again, c] = await Promise.all([
          send(user.id, 'one', 'm-1'),
          send(outsider.id, 'not a member', 'x-1'),
          send(user.id, 'two'),
          send(user.id, 'one (twice in the batch)', 'm-1'),
          send(user.id, 'three'),
        ]);
        expect(refused).toBeNull();
        expect(a).toMatchObject({ created: true, message: { username: 'alice in general', content: 'one' } });
        expect(a?.message.avatar_url).toBe('https://example.com/a.png');
        expect(a?.message.room_id).toBe(room.id);
        expect(a?.message.user_id).toBe(user.id);
        expect(a?.message.client_msg_id).toBe('m-1');
        expect(again).toEqual({ created: false, message: a?.message });
        expect(b?.created && c?.created).toBe(true);
        const stored = await store.listMessages(room.id, { limit: 10 });
        expect(contents(stored)).toEqual(['one', 'two', 'three']);
        expect(stored[0]).toEqual(a?.message);
        // A retry later returns the original; an unknown room or a non-uuid is "not a member".
        expect(await send(user.id, 'retry', 'm-1')).toEqual({ created: false, message: a?.message });
        expect(await insert({ room_id: randomUUID(), user_id: user.id, content: 'x' })).toBeNull();
        expect(await insert({ room_id: 'nope', user_id: user.id, content: 'x' })).toBeNull();
        // Joined later: accepted from then on.
        await store.upsertMember(room.id, outsider.id, {}, 'fill');
        expect(await send(outsider.id, 'now a member', 'x-1')).toMatchObject({
          created: true,
          message: { username: 'mallory', content: 'now a member' },
        });
      });

      it('insertMessage into an unknown room rejects', async () => {
        const { user } = await fixture();
        await expect(say(randomUUID(), user.id, 'lost')).rejects.toThrow();
      });
    });

    describe('concurrency (group commit)', () => {
      /** 20 rooms and two users; `second` is another store on the same database (the same store for memory). */
      async function concurrentFixture() {
        const second = store.persistent ? await factory() : store;
        await second.init();
        const users = await Promise.all(['u1', 'u2'].map((username) => store.createUser({ username })));
        const rooms: string[] = [];
        for (let r = 0; r < 20; r++) rooms.push((await store.createRoom({ name: `c${r}`, thumbnail_url: null })).id);
        return {
          instances: [store, second],
          users,
          rooms,
          close: () => (second === store ? Promise.resolve() : second.close()),
        };
      }

      it('500 inserts over 20 rooms from two instances: per-instance ack order is stored order, after-paging readers see no gaps, each client_msg_id stored once (also twice in one batch)', async () => {
        const { instances, users, rooms, close } = await concurrentFixture();
        try {
          const acked = new Map<string, string[]>(); // room -> instance:id in acknowledgement order
          const seen = new Map<string, Message[]>(); // room -> what an `after` reader collected while writes ran
          let writing = true;
          // One reader per room pages forward with `after` while the writers run: a message committed
          // with a lower position than one already seen would be skipped and missing at the end.
          const readers = rooms.map(async (roomId) => {
            const got: Message[] = [];
            seen.set(roomId, got);
            for (;;) {
              const done = !writing;
              const last = got[got.length - 1];
              const page = await instances[1]!.listMessages(
                roomId,
                last ? { limit: 50, after: last.id } : { limit: 50 },
              );
              got.push(...page);
              if (done && page.length === 0) return;
            }
          });
          const sends: Array<Promise<{ message: Message; created: boolean }>> = [];
          const cmids: string[] = [];
          for (let i = 0; i < 500; i++) {
            const instance = i % 2;
            const roomId = rooms[i % rooms.length]!;
            const user = users[instance]!;
            const input = {
              room_id: roomId,
              user_id: user.id,
              username: user.username,
              content: `m${i}`,
              avatar_url: null,
              client_msg_id: `k${i}`,
            };
            cmids.push(`${roomId}|${user.id}|k${i}`);
            // Every 10th message is sent twice back to back: both copies land in the same batch.
            const copies = i % 10 === 0 ? 2 : 1;
            for (let c = 0; c < copies; c++) {
              const sent = instances[instance]!.insertMessage(input);
              sends.push(
                sent.then((r) => {
                  if (r.created) acked.set(roomId, [...(acked.get(roomId) ?? []), `${instance}:${r.message.id}`]);
                  return r;
                }),
              );
            }
          }
          const results = await Promise.all(sends);
          writing = false;
          await Promise.all(readers);
          expect(results.filter((r) => r.created)).toHaveLength(500);
          expect(new Set(results.map((r) => r.message.id)).size).toBe(500);
          for (const roomId of rooms) {
            const stored = await store.listMessages(roomId, { limit: 1000 });
            expect(stored).toHaveLength(25);
            // Stored once per (room, user, client_msg_id).
            const keys = stored.map((m) => `${m.room_id}|${m.user_id}|${m.client_msg_id}`);
            expect(new Set(keys).size).toBe(keys.length);
            expect(keys.every((k) => cmids.includes(k))).toBe(true);
            // Each instance acknowledged this room's messages in the order they are stored.
            const ackedHere = acked.get(roomId) ?? [];
            for (const instance of [0, 1]) {
              const mine = ackedHere.filter((a) => a.startsWith(`${instance}:`)).map((a) => a.slice(2));
              const userId = users[instance]!.id;
              expect(stored.filter((m) => m.user_id === userId).map((m) => m.id)).toEqual(mine);
            }
            // The reader that paged with `after` during the writes saw every message, in stored order.
            expect(seen.get(roomId)!.map((m) => m.id)).toEqual(stored.map((m) => m.id));
          }
        } finally {
          await close();
        }
      });
    });

    it('a second store on the same database sees the same ids and order (persistent stores only)', async (ctx) => {
      if (!store.persistent) {
        ctx.skip();
        return;
      }
      const { user, room } = await fixture('https://a.example/p.png');
      const sent = [await say(room.id, user.id, 'p1'), await say(room.id, user.id, 'p2', { client_msg_id: 'p2' })];
      const second = await factory();
      try {
        await second.init();
        expect(await second.getUser(user.id)).toEqual(await store.getUser(user.id));
        expect(await second.getRoom(room.id)).toEqual(await store.getRoom(room.id));
        expect((await second.listMessages(room.id, { limit: 10 })).map((m) => m.id)).toEqual(
          sent.map((s) => s.message.id),
        );
        expect((await second.insertMessage({ ...sent[1]!.message, content: 'retry' })).created).toBe(false);
      } finally {
        await second.close();
      }
    });
  });
}
