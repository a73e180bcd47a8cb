import { describe, expect, it } from 'vitest';
import { HttpError } from '../../src/server/http/errors.ts';
import { Router, type Handler } from '../../src/server/http/router.ts';

const h = (name: string): Handler => Object.assign(() => undefined, { label: name });
const label = (handler: Handler) => (handler as unknown as { label: string }).label;

describe('Router', () => {
  const router = new Router()
    .on('GET', '/rooms', h('list'))
    .on('POST', '/rooms', h('create'))
    .on('GET', '/rooms/:id', h('room'))
    .on('POST', '/rooms/:id/join', h('join'))
    .on('POST', '/:id/join', h('alias'))
    .on('GET', '/rooms/:id/messages', h('messages'));

  it('matches static and param segments, decoding params', () => {
    expect(label(router.resolve('GET', '/rooms').handler)).toBe('list');
    const room = router.resolve('GET', '/rooms/a%20b');
    expect(label(room.handler)).toBe('room');
    expect(room.params).toEqual({ id: 'a b' });
    expect(label(router.resolve('POST', '/rooms/r1/join').handler)).toBe('join');
    expect(router.resolve('POST', '/r1/join').params).toEqual({ id: 'r1' });
    expect(label(router.resolve('GET', '/rooms/r1/messages/').handler)).toBe('messages');
  });

  it('answers HEAD with the GET handler', () => {
    expect(label(router.resolve('HEAD', '/rooms/x').handler)).toBe('room');
  });

  it('throws 405 with Allow for a known path, 404 otherwise (also for undecodable params)', () => {
    const wrong = (() => {
      try {
        router.resolve('DELETE', '/rooms');
      } catch (err) {
        return err as HttpError;
      }
    })();
    expect(wrong).toMatchObject({
      status: 405,
      code: 'method_not_allowed',
      extra: { headers: { Allow: 'GET, HEAD, POST' } },
    });
    expect(() => router.resolve('GET', '/rooms/a/b/c/d')).toThrow(expect.objectContaining({ status: 404 }));
    expect(() => router.resolve('GET', '/rooms/%E0%A4%A')).toThrow(expect.objectContaining({ status: 404 }));
  });
});
