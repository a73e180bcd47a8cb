import { describe, expect, it } from 'vitest';
import { MemoryStore } from '../../src/server/store/memory.ts';
import { CursorNotFoundError } from '../../src/server/store/store.ts';

describe('MemoryStore history bound', () => {
  it('keeps only the newest historyLimit messages per room and forgets evicted cursors and dedupe keys', async () => {
    const store = new MemoryStore({ historyLimit: 5 });
    const room = await store.createRoom({ name: 'r', thumbnail_url: null });
    const other = await store.createRoom({ name: 'o', thumbnail_url: null });
    const user = await store.createUser({ username: 'u' });
    const ids: string[] = [];
    for (let i = 0; i < 8; i++) {
      const { message } = await store.insertMessage({
        room_id: room.id,
        user_id: user.id,
        username: 'u',
        content: `m${i}`,
        avatar_url: null,
        client_msg_id: `c${i}`,
      });
      ids.push(message.id);
    }
    await store.insertMessage({
      room_id: other.id,
      user_id: user.id,
      username: 'u',
      content: 'elsewhere',
      avatar_url: null,
    });
    const kept = await store.listMessages(room.id, { limit: 500 });
    expect(kept.map((m) => m.content)).toEqual(['m3', 'm4', 'm5', 'm6', 'm7']);
    expect((await store.listMessages(other.id, { limit: 500 })).map((m) => m.content)).toEqual(['elsewhere']);
    await expect(store.listMessages(room.id, { limit: 10, before: ids[0] })).rejects.toBeInstanceOf(
      CursorNotFoundError,
    );
    expect((await store.listMessages(room.id, { limit: 10, after: ids[3] })).map((m) => m.content)).toEqual([
      'm4',
      'm5',
      'm6',
      'm7',
    ]);
    // The evicted message's client_msg_id no longer dedupes: it is a new message now.
    const again = await store.insertMessage({
      room_id: room.id,
      user_id: user.id,
      username: 'u',
      content: 'm0 again',
      avatar_url: null,
      client_msg_id: 'c0',
    });
    expect(again.created).toBe(true);
    const repeat = await store.insertMessage({
      room_id: room.id,
      user_id: user.id,
      username: 'u',
      content: 'x',
      avatar_url: null,
      client_msg_id: 'c7',
    });
    expect(repeat).toMatchObject({ created: false, message: { id: ids[7] } });
  });

  it('stays correct across array compaction (thousands of inserts into a full room)', async () => {
    const store = new MemoryStore({ historyLimit: 10 });
    const room = await store.createRoom({ name: 'r', thumbnail_url: null });
    const user = await store.createUser({ username: 'u' });
    const ids: string[] = [];
    for (let i = 0; i < 2500; i++) {
      const { message } = await store.insertMessage({
        room_id: room.id,
        user_id: user.id,
        username: 'u',
        content: `m${i}`,
        avatar_url: null,
      });
      ids.push(message.id);
    }
    const kept = await store.listMessages(room.id, { limit: 500 });
    expect(kept.map((m) => m.content)).toEqual(Array.from({ length: 10 }, (_, i) => `m${2490 + i}`));
    expect((await store.listMessages(room.id, { limit: 3, before: ids[2495] })).map((m) => m.content)).toEqual([
      'm2492',
      'm2493',
      'm2494',
    ]);
    expect((await store.listMessages(room.id, { limit: 3, after: ids[2490] })).map((m) => m.content)).toEqual([
      'm2491',
      'm2492',
      'm2493',
    ]);
    await expect(store.listMessages(room.id, { limit: 3, after: ids[2489] })).rejects.toBeInstanceOf(
      CursorNotFoundError,
    );
  });

  it('finds old cursors through the position index, kept right across eviction and compaction', async () => {
    const store = new MemoryStore({ historyLimit: 2000 });
    const room = await store.createRoom({ name: 'r', thumbnail_url: null });
    const user = await store.createUser({ username: 'u' });
    const ids: string[] = [];
    const say = async (i: number): Promise<void> => {
      const { message } = await store.insertMessage({
        room_id: room.id,
        user_id: user.id,
        username: 'u',
        content: `m${i}`,
        avatar_url: null,
      });
      ids.push(message.id);
    };
    for (let i = 0; i < 1500; i++) await say(i);
    const page = async (cursor: 'before' | 'after', i: number): Promise<string[]> =>
      (await store.listMessages(room.id, { limit: 3, [cursor]: ids[i] as string })).map((m) => m.content);
    // Far from the newest end: this builds the index.
    expect(await page('before', 100)).toEqual(['m97', 'm98', 'm99']);
    // 3,000 more: 2,500 evicted, the array compacted more than once, the index updated as it goes.
    for (let i = 1500; i < 4500; i++) await say(i);
    expect(await page('before', 2600)).toEqual(['m2597', 'm2598', 'm2599']);
    expect(await page('after', 2500)).toEqual(['m2501', 'm2502', 'm2503']);
    expect(await page('before', 4498)).toEqual(['m4495', 'm4496', 'm4497']);
    await expect(page('before', 2499)).rejects.toBeInstanceOf(CursorNotFoundError);
    await expect(page('after', 100)).rejects.toBeInstanceOf(CursorNotFoundError);
  });

  it('dedupes per user when two users in a room pick the same client_msg_id, through eviction', async () => {
    const store = new MemoryStore({ historyLimit: 4 });
    const room = await store.createRoom({ name: 'r', thumbnail_url: null });
    const [a, b, c] = await Promise.all(['a', 'b', 'c'].map((username) => store.createUser({ username })));
    const send = (user: { id: string; username: string }, content: string, cmid?: string) =>
      store.insertMessage({
        room_id: room.id,
        user_id: user.id,
        username: user.username,
        content,
        avatar_url: null,
        ...(cmid ? { client_msg_id: cmid } : {}),
      });
    const fromA = await send(a!, 'a1', 'same');
    const fromB = await send(b!, 'b1', 'same');
    const fromC = await send(c!, 'c1', 'same');
    expect([fromA.created, fromB.created, fromC.created]).toEqual([true, true, true]);
    // Each retry finds its own sender's message, not another user's.
    expect(await send(b!, 'b1 retry', 'same')).toMatchObject({
      created: false,
      message: { id: fromB.message.id, content: 'b1' },
    });
    expect(await send(a!, 'a1 retry', 'same')).toMatchObject({ created: false, message: { id: fromA.message.id } });
    // Evict a's message (limit 4): b's and c's still dedupe; a's id is free again.
    await send(c!, 'filler 1');
    await send(c!, 'filler 2');
    expect((await store.listMessages(room.id, { limit: 10 })).map((m) => m.content)).toEqual([
      'b1',
      'c1',
      'filler 1',
      'filler 2',
    ]);
    expect(await send(c!, 'c1 retry', 'same')).toMatchObject({ created: false, message: { id: fromC.message.id } });
    expect(await send(b!, 'b1 retry', 'same')).toMatchObject({ created: false, message: { id: fromB.message.id } });
    const aAgain = await send(a!, 'a2', 'same');
    expect(aAgain.created).toBe(true);
    // Evict b's and c's: a's new message is the one left under the id, then it goes too.
    await send(b!, 'filler 3');
    await send(b!, 'filler 4');
    expect(await send(b!, 'b2', 'same')).toMatchObject({ created: true });
    expect(await send(a!, 'a2 retry', 'same')).toMatchObject({ created: false, message: { id: aAgain.message.id } });
    for (let i = 0; i < 4; i++) await send(c!, `late ${i}`);
    expect(await send(a!, 'a3', 'same')).toMatchObject({ created: true });
    expect(await send(b!, 'b3', 'same')).toMatchObject({ created: true });
  });
});
