/**
 * Fuzz with a fixed seed: hundreds of random and hostile JSON bodies per POST/PUT route and
 * hostile WebSocket frames. Every answer is a documented status with `{detail, code}`, never
 * a 500; the socket survives whatever it can survive; /health stays 200 and nothing leaks
 * onto Object.prototype. A failure prints the seed and case index, so it replays exactly.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { call, api, type Res } from '../helpers/http.ts';
import { deepJson, hostileValue, NASTY_STRINGS, randomUnicode, seeded, type Rng } from '../helpers/random.ts';
import { ORIGIN, OPEN_FRAME_BUDGETS, startTestServer, type TestServer } from '../helpers/server.ts';
import { openSocket } from '../helpers/ws.ts';

const SEED = 0x7e57ed;
const CASES_PER_ROUTE = 300;
const CONCURRENCY = 8;

/** Documented codes per status (API.md "Errors"). */
const CODES: Record<number, readonly string[]> = {
  400: ['invalid_json', 'user_not_found', 'validation_error'],
  404: ['not_found', 'room_not_found', 'user_not_found'],
  413: ['payload_too_large'],
  415: ['unsupported_media_type'],
  422: ['validation_error'],
};

let srv: TestServer;
let userId: string;
let roomId: string;
const protoKeysBefore = Object.getOwnPropertyNames(Object.prototype).sort();

beforeAll(async () => {
  srv = await startTestServer(OPEN_FRAME_BUDGETS);
  const http = api(srv.url);
  userId = (await http.user('fuzz-owner')).id;
  roomId = (await http.room('fuzz-room')).id;
});
afterAll(() => srv?.close());

interface Route {
  method: 'POST' | 'PUT';
  path: (rng: Rng) => string;
  /** A valid value for each field the route reads. */
  valid: (rng: Rng) => Record<string, unknown>;
}

const hostileId = (rng: Rng): string =>
  encodeURIComponent(
    rng.pick(['x'.repeat(129), '..', '%zz', '\u0000', 'a b', '😀', '__proto__', 'constructor', crypto.randomUUID()]),
  );

const ROUTES: Record<string, Route> = {
  'POST /users': { method: 'POST', path: () => '/users', valid: (rng) => ({ username: `user ${rng.int(0, 1e6)}` }) },
  'PUT /users/:id/profile': {
    method: 'PUT',
    path: (rng) => `/users/${rng.bool(0.85) ? userId : hostileId(rng)}/profile`,
    valid: () => ({ display_name: 'Fuzzy Name', avatar_url: 'https://example.com/a.png' }),
  },
  'POST /rooms': {
    method: 'POST',
    path: () => '/rooms',
    valid: (rng) => ({ name: `room ${rng.int(0, 1e6)}`, thumbnail_url: null }),
  },
  'POST /rooms/:id/join': {
    method: 'POST',
    path: (rng) => `/rooms/${rng.bool(0.85) ? roomId : hostileId(rng)}/join`,
    valid: () => ({ user_id: userId, username: 'joiner', avatar_url: 'https://example.com/j.png' }),
  },
  'POST /:id/join': {
    method: 'POST',
    path: (rng) => `/${rng.bool(0.85) ? roomId : hostileId(rng)}/join`,
    valid: () => ({ user_id: userId }),
  },
  'POST /rooms/:id/messages': {
    method: 'POST',
    path: (rng) => `/rooms/${rng.bool(0.85) ? roomId : hostileId(rng)}/messages`,
    valid: (rng) => ({ user_id: userId, content: `hello ${rng.int(0, 1e6)}`, client_msg_id: `c${rng.int(0, 1e9)}` }),
  },
};

interface Case {
  path: string;
  raw: string | Buffer;
  contentType: string | null;
  label: string;
}

/** One request: mostly the route's own fields with some replaced by hostile values, sometimes raw junk. */
function makeCase(route: Route, rng: Rng): Case {
  const path = route.path(rng);
  const roll = rng.next();
  let raw: string | Buffer;
  let label: string;
  if (roll < 0.6) {
    const body: Record<string, unknown> = {};
    for (const [key, good] of Object.entries(route.valid(rng))) {
      const r = rng.next();
      if (r < 0.45) body[key] = good;
      else if (r < 0.9) body[key] = hostileValue(rng);
      // else: missing
    }
    for (let i = rng.int(0, 2); i > 0; i--) {
      Object.defineProperty(body, rng.pick(['__proto__', 'constructor', 'prototype', 'type', 'id', 'created_at']), {
        value: hostileValue(rng),
        enumerable: true,
        configurable: true,
        writable: true,
      });
    }
    raw = JSON.stringify(body);
    label = 'fields';
  } else if (roll < 0.7) {
    // Deep nesting, as the whole body or as one field's value.
    const depth = rng.pick([100, 1000, 10_000, 100_000, 400_000]);
    const deep = deepJson(depth, rng.bool() ? 'array' : 'object');
    const key = rng.pick(Object.keys(route.valid(rng)));
    raw = rng.bool() ? deep : `{"${key}":${deep}}`;
    label = `deep ${depth}`;
  } else if (roll < 0.75) {
    // Prototype keys written as raw JSON text (JSON.parse makes them own properties).
    const key = rng.pick(Object.keys(route.valid(rng)));
    raw = rng.pick([
      `{"__proto__":{"polluted":"yes","${key}":"x"}}`,
      `{"constructor":{"prototype":{"polluted":"yes"}},"${key}":"x"}`,
      `{"${key}":{"__proto__":{"polluted":"yes"}}}`,
      `{"__proto__":null,"${key}":"__proto__"}`,
      `{"${key}":"a","${key}":{"toString":1}}`,
    ]);
    label = 'proto';
  } else if (roll < 0.87) {
    raw = rng.pick<string | Buffer>([
      '',
      'null',
      '[]',
      '"string"',
      '12',
      'true',
      '{',
      '{"a":',
      '{"a":1}}',
      "{'single':'quotes'}",
      '{"a":1,}',
      'NaN',
      '\u0000',
      '\ufeff{}',
      Buffer.from([0xff, 0xfe, 0xfd, 0x7b, 0x7d]),
      Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xc3, 0x28, 0x22, 0x7d]),
      Buffer.from(Array.from({ length: 256 }, () => rng.int(0, 255))),
      JSON.stringify(randomUnicode(rng, 50)),
      JSON.stringify([route.valid(rng)]),
    ]);
    label = 'junk';
  } else if (roll < 0.92) {
    // Over the 1 MiB body limit.
    const key = rng.pick(Object.keys(route.valid(rng)));
    raw = JSON.stringify({ [key]: 'x'.repeat(1024 * 1024 + rng.int(1, 1000)) });
    label = 'huge';
  } else {
    raw = JSON.stringify(route.valid(rng));
    label = 'valid';
  }
  const ctRoll = rng.next();
  const contentType =
    ctRoll < 0.9
      ? rng.pick(['application/json', 'application/json; charset=utf-8', 'Application/JSON'])
      : rng.pick([
          null,
          'text/plain',
          'application/x-www-form-urlencoded',
          'multipart/form-data; boundary=x',
          'application/json-patch+json',
        ]);
  return { path, raw, contentType, label };
}

function checkAnswer(res: Res, what: string): void {
  expect(res.status, `${what}: status ${res.status} ${res.text.slice(0, 300)}`).toBeLessThan(500);
  expect(res.headers['access-control-allow-origin'], `${what}: CORS header`).toBe(ORIGIN);
  if (res.status >= 400) {
    const allowed = CODES[res.status];
    expect(allowed, `${what}: undocumented status ${res.status} ${res.text.slice(0, 300)}`).toBeDefined();
    expect(typeof res.body?.detail, `${what}: detail`).toBe('string');
    expect(allowed, `${what}: code ${res.body?.code} for ${res.status}`).toContain(res.body?.code);
    if (res.body.errors !== undefined) {
      for (const e of res.body.errors) expect([typeof e.field, typeof e.message]).toEqual(['string', 'string']);
    }
  } else {
    expect([200, 201], `${what}: ${res.status}`).toContain(res.status);
    expect(typeof res.body, what).toBe('object');
  }
}

describe('REST fuzz (fixed seed)', () => {
  for (const [name, route] of Object.entries(ROUTES)) {
    it(`${name}: ${CASES_PER_ROUTE} hostile bodies, never a 500`, async () => {
      const rng = seeded(SEED ^ name.length ^ name.charCodeAt(name.length - 1));
      const cases = Array.from({ length: CASES_PER_ROUTE }, () => makeCase(route, rng));
      const tally: Record<number, number> = {};
      for (let i = 0; i < cases.length; i += CONCURRENCY) {
        await Promise.all(
          cases.slice(i, i + CONCURRENCY).map(async (c, j) => {
            const headers: Record<string, string> = {};
            if (c.contentType) headers['content-type'] = c.contentType;
            const res = await call(srv.url, route.method, c.path, undefined, { raw: c.raw, headers });
            tally[res.status] = (tally[res.status] ?? 0) + 1;
            checkAnswer(res, `seed ${SEED} ${name} case ${i + j} (${c.label}) ${c.path}`);
          }),
        );
      }
      // The fuzz really reached the validators and the store, not just the 4xx paths.
      expect(Object.keys(tally).length).toBeGreaterThan(2);
      const health = await call(srv.url, 'GET', '/health');
      expect(health.status).toBe(200);
    });
  }

  it('nothing leaked onto Object.prototype and the stores still answer', async () => {
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(protoKeysBefore);
    const http = api(srv.url);
    const rooms = await http.get('/rooms');
    expect(rooms.status).toBe(200);
    for (const r of rooms.body) expect(typeof r.name).toBe('string');
    const messages = await http.get(`/rooms/${roomId}/messages?limit=500`);
    expect(messages.status).toBe(200);
    for (const m of messages.body) {
      expect(typeof m.content).toBe('string');
      // Stored content never carries control characters other than \n and \t, nor lone surrogates.
      // eslint-disable-next-line no-control-regex -- matching control characters is the point
      expect(m.content).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/);
      expect(m.content.isWellFormed()).toBe(true);
    }
  });
});

describe('WebSocket fuzz (fixed seed)', () => {
  it('300 hostile text frames: only documented frames come back, the socket stays open', async () => {
    const rng = seeded(SEED);
    const s = await openSocket(`${srv.wsUrl}/ws/${roomId}/${userId}`);
    await s.next((f) => f.type === 'user_joined' && f.user_id === userId);
    const listenerUser = await api(srv.url).user('fuzz-listener');
    const listener = await openSocket(`${srv.wsUrl}/ws/${roomId}/${listenerUser.id}`);
    await s.next((f) => f.type === 'user_joined' && f.user_id === listenerUser.id);
    const before = (await api(srv.url).get(`/rooms/${roomId}/messages?limit=500`)).body.length as number;

    for (let i = 0; i < 300; i++) {
      const roll = rng.next();
      let frame: string;
      if (roll < 0.5) {
        const obj: Record<string, unknown> = {};
        for (const key of ['type', 'content', 'client_msg_id', 'user_id', 'username', 'avatar']) {
          if (rng.bool(0.6))
            obj[key] = rng.bool(0.3)
              ? rng.pick([undefined, 'message', 'typing_start', 'typing_stop', 'ping', 'pong', 'keep_alive', 'bogus'])
              : hostileValue(rng);
        }
        if (rng.bool(0.1)) Object.defineProperty(obj, '__proto__', { value: { polluted: 1 }, enumerable: true });
        frame = JSON.stringify(obj);
      } else if (roll < 0.65) {
        frame = JSON.stringify(hostileValue(rng));
      } else if (roll < 0.8) {
        // Deep nesting in each field, within the 64 KiB frame limit.
        const depth = rng.pick([100, 5000, 15_000, 30_000]);
        frame = `{"${rng.pick(['type', 'content', 'client_msg_id'])}":${deepJson(depth, rng.bool() ? 'array' : 'object').slice(0, 62_000)}}`;
        if (frame.length > 62_000) frame = `{"type":${deepJson(Math.min(depth, 15_000))}}`;
      } else if (roll < 0.9) {
        frame = rng.pick([
          '',
          '{',
          'null',
          '[]',
          '"x"',
          '1',
          'undefined',
          '{"content":"a"',
          'ping',
          '\ud800',
          randomUnicode(rng, 100),
        ]);
      } else {
        frame = JSON.stringify({
          content: rng.pick(NASTY_STRINGS) + randomUnicode(rng, rng.int(0, 20)),
          client_msg_id: `f${i}`,
        });
      }
      // Stay under the 64 KiB frame limit (that close is tested below): these must all be answered.
      if (Buffer.byteLength(frame) > 60_000) frame = frame.slice(0, 20_000);
      s.ws.send(frame);
    }
    // Frames are handled in order: the echo of this marker means every frame above has been
    // answered. (Not a ping: the fuzz itself sends pings, so a pong proves nothing.)
    s.send({ content: 'end of fuzz', client_msg_id: 'end-of-fuzz' });
    await s.next((f) => f.type === 'message' && f.client_msg_id === 'end-of-fuzz', 10_000);
    expect(s.ws.readyState).toBe(WebSocket.OPEN);

    const allowedTypes = new Set([
      'message',
      'error',
      'pong',
      'user_joined',
      'user_left',
      'typing_start',
      'typing_stop',
    ]);
    for (const f of s.frames) {
      expect(allowedTypes.has(f.type), JSON.stringify(f).slice(0, 200)).toBe(true);
      if (f.type === 'error') {
        expect(typeof f.code).toBe('string');
        expect(typeof f.detail).toBe('string');
        expect(['invalid_json', 'validation_error', 'unknown_type']).toContain(f.code);
      }
    }
    // A repeated client_msg_id is echoed again to its sender only: count each message once.
    const echoed = [...new Map(s.frames.filter((f) => f.type === 'message').map((f) => [f.id, f])).values()];
    const stored = (await api(srv.url).get(`/rooms/${roomId}/messages?limit=500`)).body as any[];
    expect(stored.length - before).toBe(echoed.length);
    // The listener got exactly the stored messages too.
    await listener.next((f) => f.type === 'message' && f.client_msg_id === 'end-of-fuzz', 5000);
    expect(listener.frames.filter((f) => f.type === 'message').map((f) => f.id)).toEqual(echoed.map((f) => f.id));

    // Still a working chat after the abuse.
    s.send({ content: 'still alive' });
    await listener.next((f) => f.type === 'message' && f.content === 'still alive');
    expect((await call(srv.url, 'GET', '/health')).status).toBe(200);
    await s.close();
    await listener.close();
  });

  it('a deeply nested unknown type gets an error frame, not a crashed process', async () => {
    const s = await openSocket(`${srv.wsUrl}/ws/${roomId}/${userId}`);
    s.ws.send(`{"type":${deepJson(30_000)}}`);
    s.ws.send(`{"type":${deepJson(9_000, 'object')}}`);
    const e1 = await s.next((f) => f.type === 'error');
    const e2 = await s.next((f) => f.type === 'error');
    expect([e1.code, e2.code]).toEqual(['unknown_type', 'unknown_type']);
    expect(s.ws.readyState).toBe(WebSocket.OPEN);
    await s.close();
  });

  it('binary, oversized and invalid UTF-8 frames close with 1003, 1009 and 1007', async () => {
    const url = `${srv.wsUrl}/ws/${roomId}/${userId}`;
    const binary = await openSocket(url);
    binary.ws.send(Buffer.from([1, 2, 3]), { binary: true });
    expect((await binary.closed).code).toBe(1003);

    const big = await openSocket(url);
    big.ws.send(JSON.stringify({ content: 'x'.repeat(70 * 1024) }));
    expect((await big.closed).code).toBe(1009);

    const badUtf8 = await openSocket(url);
    badUtf8.ws.send(Buffer.from([0x7b, 0x22, 0xc3, 0x28, 0x22, 0x7d]), { binary: false });
    expect((await badUtf8.closed).code).toBe(1007);

    expect((await call(srv.url, 'GET', '/health')).status).toBe(200);
  });
});
