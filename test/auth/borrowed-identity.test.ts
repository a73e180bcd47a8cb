/**
 * Identity cannot be borrowed: a request or socket without a valid token can never change an
 * account user's name, avatar or room membership, nor speak as it. Anonymous users (POST
 * /users, the real frontend's flow) keep working without tokens, exactly as before.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ORIGIN } from '../helpers/server.ts';
import { openSocket } from '../helpers/ws.ts';
import { bearer, signup, startAuthServer, type AuthServer } from './helpers.ts';

let srv: AuthServer;

beforeAll(async () => {
  srv = await startAuthServer();
});
afterAll(() => srv.close());

const EVIL_AVATAR = 'https://evil.example/x.png';

describe('an anonymous caller naming an account user', () => {
  it('cannot overwrite its room name and avatar: the owner keeps posting as itself', async () => {
    const owner = await signup(srv);
    const room = await srv.http.room('takeover');
    expect(
      (await srv.http.post(`/rooms/${room.id}/join`, { user_id: owner.user.id }, bearer(owner.token))).status,
    ).toBe(200);
    const sock = await openSocket(`${srv.wsUrl}/ws/${room.id}/${owner.user.id}?token=${owner.token}`);
    await sock.next((f) => f.type === 'user_joined');

    const attack = await srv.http.post(
      `/rooms/${room.id}/join`,
      { user_id: owner.user.id, username: 'HACKED', avatar_url: EVIL_AVATAR },
      { from: '127.0.0.9' },
    );
    expect(attack.status, attack.text).toBe(401);
    expect(attack.body.code).toBe('auth_required');
    expect(attack.body.detail).toMatch(/account/);
    expect(attack.headers['www-authenticate']).toBe('Bearer');
    expect(attack.headers['access-control-allow-origin']).toBe(ORIGIN);
    const seedAlias = await srv.http.post(`/${room.id}/join`, { user_id: owner.user.id, username: 'HACKED' });
    expect(seedAlias.status).toBe(401);

    sock.send({ content: 'still me' });
    const msg = await sock.next((f) => f.type === 'message');
    expect(msg).toMatchObject({ user_id: owner.user.id, username: owner.body.username, content: 'still me' });
    expect(msg.avatar_url).not.toBe(EVIL_AVATAR);
    await sock.close();
  });

  it('cannot post as it over REST, nor create its membership', async () => {
    const owner = await signup(srv);
    const room = await srv.http.room('no-membership');
    const res = await srv.http.post(`/rooms/${room.id}/messages`, {
      user_id: owner.user.id,
      content: 'spoofed',
      username: 'HACKED',
    });
    expect(res.status, res.text).toBe(401);
    expect(res.body.code).toBe('auth_required');
    expect((await srv.http.get(`/rooms/${room.id}/messages`)).body).toEqual([]);
    expect((await srv.http.get(`/rooms/${room.id}`)).body.users).toEqual([]);
    // With its token it can (and the membership appears).
    const own = await srv.http.post(
      `/rooms/${room.id}/messages`,
      { user_id: owner.user.id, content: 'mine' },
      bearer(owner.token),
    );
    expect(own.status).toBe(201);
    expect(own.body.username).toBe(owner.body.username);
    // Once a member, still no anonymous posting (the fast path checks too).
    expect(
      (await srv.http.post(`/rooms/${room.id}/messages`, { user_id: owner.user.id, content: 'spoofed again' })).status,
    ).toBe(401);
    const history = (await srv.http.get(`/rooms/${room.id}/messages`)).body as Array<{ content: string }>;
    expect(history.map((m) => m.content)).toEqual(['mine']);
  });

  it('gets its socket closed 4401, with no membership and nothing said in the room', async () => {
    const owner = await signup(srv);
    const room = await srv.http.room('no-socket');
    const watcherUser = await srv.http.user('watcher');
    const watcher = await openSocket(`${srv.wsUrl}/ws/${room.id}/${watcherUser.id}?username=watcher`);
    await watcher.next((f) => f.type === 'user_joined' && f.user_id === watcherUser.id);

    const sock = await openSocket(
      `${srv.wsUrl}/ws/${room.id}/${owner.user.id}?username=HACKED&avatar_url=${encodeURIComponent(EVIL_AVATAR)}`,
    );
    expect(await sock.closed).toEqual({ code: 4401, reason: 'This user is an account: add ?token=<its token>' });
    expect((await srv.http.get(`/rooms/${room.id}`)).body.users).toEqual([watcherUser.id]);

    // The watcher saw nothing from the borrowed identity: its next frame is its own message.
    watcher.send({ content: 'quiet?' });
    const next = await watcher.next(() => true);
    expect(next).toMatchObject({ type: 'message', user_id: watcherUser.id, content: 'quiet?' });
    await watcher.close();
  });
});

describe('anonymous users keep working without tokens (the real frontend)', () => {
  it('POST /users, join with name and avatar, rename by join, socket, REST post', async () => {
    const user = await srv.http.user('guest-ab12');
    const room = await srv.http.room('frontend');
    await srv.http.join(room.id, user.id, { username: 'guest-ab12', avatar_url: 'https://i.pravatar.cc/150?u=1' });
    // Anyone holding an anonymous user's id may still act for it: the id is its only credential.
    await srv.http.join(room.id, user.id, { username: 'renamed' });
    const sock = await openSocket(
      `${srv.wsUrl}/ws/${room.id}/${user.id}?username=guest-ab12&avatar_url=https://i.pravatar.cc/150?u=2`,
    );
    await sock.next((f) => f.type === 'user_joined');
    sock.send({ content: 'hello', username: 'guest-ab12', user_id: user.id });
    expect(await sock.next((f) => f.type === 'message')).toMatchObject({
      user_id: user.id,
      username: 'renamed',
      avatar_url: 'https://i.pravatar.cc/150?u=1',
    });
    const rest = await srv.http.post(`/rooms/${room.id}/messages`, { user_id: user.id, content: 'via rest' });
    expect(rest.status).toBe(201);
    await sock.close();
  });
});
