/**
 * Content safety: chat content is text. Control characters (other than newline and tab) are
 * stripped the same way on REST and WebSocket, lone surrogates become U+FFFD, HTML is stored
 * and sent verbatim, names with control characters are refused, ids are checked before use.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api } from '../helpers/http.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { openSocket, type TestSocket } from '../helpers/ws.ts';

let srv: TestServer;
let http: ReturnType<typeof api>;
let roomId: string;
let userId: string;
let sock: TestSocket;

beforeAll(async () => {
  srv = await startTestServer();
  http = api(srv.url);
  roomId = (await http.room('content')).id;
  userId = (await http.user('writer')).id;
  sock = await openSocket(`${srv.wsUrl}/ws/${roomId}/${userId}`);
  await sock.next((f) => f.type === 'user_joined');
});
afterAll(async () => {
  await sock?.close();
  await srv?.close();
});

/** Post the same raw content over REST and over the socket; return [REST answer, WS echo, stored both]. */
async function both(raw: string): Promise<{ rest: string; ws: string; stored: string[] }> {
  const tag = crypto.randomUUID();
  const rest = await http.post(`/rooms/${roomId}/messages`, {
    user_id: userId,
    content: raw,
    client_msg_id: `r-${tag}`,
  });
  expect(rest.status).toBe(201);
  sock.send({ content: raw, client_msg_id: `w-${tag}` });
  const echo = await sock.next((f) => f.type === 'message' && f.client_msg_id === `w-${tag}`);
  const stored = (await http.get(`/rooms/${roomId}/messages?limit=500`)).body as any[];
  const mine = stored.filter((m) => m.id === rest.body.id || m.id === echo.id).map((m) => m.content);
  return { rest: rest.body.content, ws: echo.content, stored: mine };
}

describe('content is text', () => {
  it('control characters are stripped identically on REST and WebSocket; \\n and \\t are kept, CRLF becomes LF', async () => {
    const raw = '  a\u0000b\u0007c\u001bd\u007fe\u0085f\u009fg\th\ni\r\nj\rk\u000bl\u000cm  ';
    const { rest, ws, stored } = await both(raw);
    expect(rest).toBe('abcdefg\th\ni\nj\nklm');
    expect(ws).toBe(rest);
    expect(stored).toEqual([rest, rest]);
  });

  it('HTML and script are stored and sent verbatim, as JSON text with nosniff', async () => {
    const html = '<script>alert("x")</script><img src=x onerror=alert(1)> &amp; &lt;b&gt; <!-- c -->';
    const { rest, ws, stored } = await both(html);
    expect([rest, ws, ...stored]).toEqual([html, html, html, html]);
    const res = await http.get(`/rooms/${roomId}/messages`);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.headers['x-content-type-options']).toBe('nosniff');
  });

  it('lone surrogates become U+FFFD on both paths; emoji, RTL and zero-width characters are kept as they are', async () => {
    const lone = await both('x\ud800y\udfffz');
    expect(lone.rest).toBe('x\ufffdy\ufffdz');
    expect(lone.ws).toBe(lone.rest);
    expect(lone.stored).toEqual([lone.rest, lone.rest]);
    const intl = '👩‍👩‍👧‍👦 مرحبا \u202eabc\u202c a\u200bb e\u0301';
    const kept = await both(intl);
    expect([kept.rest, kept.ws, ...kept.stored]).toEqual([intl, intl, intl, intl]);
  });

  it('the 5000-character limit counts code points, the same on both paths', async () => {
    const max = '😀'.repeat(5000);
    const ok = await both(max);
    expect(ok.rest).toBe(max);
    expect(ok.ws).toBe(max);
    const over = await http.post(`/rooms/${roomId}/messages`, { user_id: userId, content: `${max}x` });
    expect(over.status).toBe(422);
    expect(over.body.code).toBe('validation_error');
    sock.send({ content: `${max}x` });
    expect((await sock.next((f) => f.type === 'error')).code).toBe('validation_error');
  });

  it('content that is empty after cleaning is refused on both paths and nothing is stored', async () => {
    const before = (await http.get(`/rooms/${roomId}/messages?limit=500`)).body.length;
    const empty = '  \u0000\u0007 \r\n \u200b'.replace('\u200b', '');
    const res = await http.post(`/rooms/${roomId}/messages`, { user_id: userId, content: empty });
    expect(res.status).toBe(422);
    sock.send({ content: empty });
    expect((await sock.next((f) => f.type === 'error')).code).toBe('validation_error');
    expect((await http.get(`/rooms/${roomId}/messages?limit=500`)).body.length).toBe(before);
  });

  it('names with control characters or lone surrogates are refused; bounded lengths everywhere', async () => {
    for (const username of ['a\u0000b', 'bell\u0007', 'x\ud800', 'a'.repeat(51)]) {
      const res = await http.post('/users', { username });
      expect(res.status, JSON.stringify(username)).toBe(422);
    }
    for (const name of ['r\u001b[31m', 'r'.repeat(101)]) expect((await http.post('/rooms', { name })).status).toBe(422);
    const html = await http.post('/users', { username: '<b>bold</b>' });
    expect(html.status).toBe(201);
    expect(html.body.username).toBe('<b>bold</b>');
  });

  it('identity in a socket frame is ignored: the member record decides who spoke', async () => {
    sock.send({ content: 'who am i', user_id: 'someone-else', username: '<img src=x>', avatar: 'javascript:alert(1)' });
    const echo = await sock.next((f) => f.type === 'message' && f.content === 'who am i');
    expect(echo.user_id).toBe(userId);
    expect(echo.username).toBe('writer');
    expect(echo.avatar_url).toBeNull();
  });

  it('ids are checked before use: malformed or oversized ids are 404, never 500', async () => {
    for (const path of [
      `/users/${'a'.repeat(129)}`,
      '/users/..%2F..%2Fetc%2Fpasswd',
      '/rooms/%00/messages',
      '/rooms/%E0%A4%A/messages',
      `/rooms/${encodeURIComponent('{"$gt":""}')}`,
      '/rooms/__proto__',
      '/users/constructor',
    ]) {
      const res = await http.get(path);
      expect(res.status, path).toBe(404);
      expect(typeof res.body.code).toBe('string');
    }
    const join = await http.post(`/rooms/${roomId}/join`, { user_id: 'x'.repeat(129) });
    expect(join.status).toBe(422);
    const ws = await openSocket(`${srv.wsUrl}/ws/${'r'.repeat(200)}/${userId}`);
    expect((await ws.closed).code).toBe(4004);
  });
});
