/**
 * A socket is accepted (101) before its room and user are looked up. Anything the room says
 * during that lookup must still reach it: the frontend does not wait for user_joined before
 * trusting the socket.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryStore } from '../../src/server/store/memory.ts';
import type { RoomWithMembers } from '../../src/server/store/store.ts';
import { api } from '../helpers/http.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { openSocket } from '../helpers/ws.ts';

/** A memory store whose next getRoom for one room can be held, so the setup gap is as long as the test wants. */
class GatedStore extends MemoryStore {
  gateRoom: string | undefined;
  private release: (() => void) | undefined;
  /** Resolves when a held getRoom call is waiting. */
  held!: Promise<void>;
  private onHeld: (() => void) | undefined;

  arm(roomId: string): void {
    this.gateRoom = roomId;
    this.held = new Promise((r) => (this.onHeld = r));
  }

  open(): void {
    this.gateRoom = undefined;
    this.release?.();
  }

  override async getRoom(id: string): Promise<RoomWithMembers | null> {
    if (id === this.gateRoom) {
      this.gateRoom = undefined; // one-shot: only the socket's lookup is held, not the POST's
      await new Promise<void>((resolve) => {
        this.release = resolve;
        this.onHeld?.();
      });
    }
    return super.getRoom(id);
  }
}

let srv: TestServer;
let store: GatedStore;
beforeAll(async () => {
  store = new GatedStore();
  srv = await startTestServer({}, store);
});
afterAll(() => srv.close());

describe('the gap between accept and joining the room', () => {
  it('delivers messages sent while the socket was being set up, before its user_joined', async () => {
    const http = api(srv.url);
    const room = await http.room('gap');
    const talker = await http.user('talker');
    const late = await http.user('late');
    store.arm(room.id);
    const socket = await openSocket(`${srv.wsUrl}/ws/${room.id}/${late.id}`);
    await store.held; // accepted, and its room lookup is now waiting
    const posted = await http.post(`/rooms/${room.id}/messages`, { user_id: talker.id, content: 'said during setup' });
    expect(posted.status).toBe(201);
    store.open();
    const joined = await socket.next((f) => f.type === 'user_joined' && f.user_id === late.id);
    expect(joined.username).toBe('late');
    const types = socket.frames.map((f) => f.type);
    expect(socket.frames[0]).toEqual(posted.body);
    expect(types).toEqual(['message', 'user_joined']);
    await socket.close();
  });

  it('drops what it buffered when the socket is refused with 4004', async () => {
    const http = api(srv.url);
    const room = await http.room('gap-404');
    const talker = await http.user('talker');
    store.arm(room.id);
    const socket = await openSocket(`${srv.wsUrl}/ws/${room.id}/no-such-user`);
    await store.held;
    await http.post(`/rooms/${room.id}/messages`, { user_id: talker.id, content: 'not for you' });
    store.open();
    expect(await socket.closed).toEqual({ code: 4004, reason: 'User not found' });
    expect(socket.frames).toEqual([]);
  });
});
