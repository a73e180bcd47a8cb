/**
 * A login token never reaches a log line, however its query parameter is spelled: the server
 * URL-decodes parameter names (`?to%6Ben=<token>` authenticates), so the redaction must too.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/server/log.ts';
import { MemoryAccountStore } from '../../src/server/auth/memory.ts';
import { MemoryStore } from '../../src/server/store/memory.ts';
import { api } from '../helpers/http.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { openSocket } from '../helpers/ws.ts';

let srv: TestServer;
const lines: string[] = [];

beforeAll(async () => {
  const log = createLogger('debug', { write: (s: string) => lines.push(s) });
  srv = await startTestServer({}, new MemoryStore(), { accounts: new MemoryAccountStore(), log });
});
afterAll(() => srv.close());

/** Every way of writing the parameter name that URLSearchParams reads as `token`, and an encoded value. */
function spellings(token: string): string[] {
  const encodedValue = Array.from(token, (c) => `%${c.charCodeAt(0).toString(16).padStart(2, '0')}`).join('');
  return [
    `to%6Ben=${token}`,
    `%74%6F%6B%65%6E=${token}`,
    `token=${encodedValue}`,
    `username=a&token=${token}&avatar_url=b`,
    `x=1&to%6ben=${token}`,
  ];
}

describe('tokens in log lines', () => {
  it('?to%6Ben=<token> authenticates a socket, so it is a token', async () => {
    const http = api(srv.url);
    const signed = await http.post('/auth/signup', {
      username: 'redact_me',
      email: 'redact@example.com',
      password: 'Correct7horse',
    });
    const room = await http.room('logs');
    const sock = await openSocket(`${srv.wsUrl}/ws/${room.id}/${signed.body.user.id}?to%6Ben=${signed.body.token}`);
    expect((await sock.next((f) => f.type === 'user_joined')).user_id).toBe(signed.body.user.id);
    await sock.close();
  });

  it('is redacted from refused upgrades however the parameter is spelled', async () => {
    const http = api(srv.url);
    const signed = await http.post('/auth/signup', {
      username: 'redact_two',
      email: 'redact2@example.com',
      password: 'Correct7horse',
    });
    const token: string = signed.body.token;
    const room = await http.room('logs-refused');
    lines.length = 0;
    for (const query of spellings(token)) {
      await expect(
        openSocket(`${srv.wsUrl}/ws/${room.id}/${signed.body.user.id}?${query}`, { origin: 'https://evil.example' }),
      ).rejects.toMatchObject({
        status: 403,
      });
    }
    const refused = lines.filter((l) => l.includes('websocket rejected'));
    expect(refused).toHaveLength(spellings(token).length);
    for (const line of refused) {
      expect(line).toContain('REDACTED');
      expect(decodeURIComponent(line)).not.toContain(token);
    }
  });
});

describe('the logger itself', () => {
  it('redacts path/url/referer fields and replaces credential headers on every line', () => {
    const out: string[] = [];
    const log = createLogger('info', { write: (s: string) => out.push(s) }).child({ url: '/x?token=base-secret' });
    log.warn('anything', {
      path: '/ws/r/u?%74oken=path-secret',
      referer: 'https://a.example/?TOKEN=ref-secret#x',
      authorization: 'Bearer header-secret',
      cookie: 'sid=cookie-secret',
    });
    const line = JSON.parse(out[0] as string);
    expect(line).toMatchObject({
      url: '/x?token=REDACTED',
      path: '/ws/r/u?%74oken=REDACTED',
      referer: 'https://a.example/?TOKEN=REDACTED',
      authorization: 'REDACTED',
      cookie: 'REDACTED',
    });
    expect(out[0]).not.toMatch(/secret/);
  });
});
