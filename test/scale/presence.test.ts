/** The presence Lua scripts against a real Redis, plus the pure parts of the fan-out. */
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testConfig } from '../../src/server/config.ts';
import { createLogger } from '../../src/server/log.ts';
import { decodeEnvelope, encodeEnvelope, envelopePrefix } from '../../src/server/scale/envelope.ts';
import { startScaleOut } from '../../src/server/scale/index.ts';
import { presenceKeys, presenceScripts } from '../../src/server/scale/presence-scripts.ts';
import { MAX_RECONNECT_DELAY_MS, reconnectDelayMs } from '../../src/server/scale/redis-link.ts';
import { REDIS_URL, uniquePrefix } from './helpers.ts';

describe('scale-out without Redis', () => {
  it('is off without REDIS_URL (nothing loaded, nothing changes)', async () => {
    expect(await startScaleOut(testConfig(), createLogger('silent'))).toBeNull();
  });

  it('reconnect backoff grows and stays bounded', () => {
    expect(reconnectDelayMs(0)).toBeLessThan(200);
    for (const n of [5, 20, 1000]) expect(reconnectDelayMs(n)).toBeLessThanOrEqual(MAX_RECONNECT_DELAY_MS + 100);
  });

  it('envelopes round-trip and junk is dropped', () => {
    const frame = { type: 'typing_start', user_id: 'u', username: 'n', room_id: 'r', timestamp: 't' } as const;
    expect(decodeEnvelope(encodeEnvelope('i', 'r', frame, 'u', 1234))).toEqual({
      origin: 'i',
      roomId: 'r',
      frame,
      exceptUserId: 'u',
      sentAtMs: 1234,
    });
    expect(decodeEnvelope(encodeEnvelope('i', 'r', frame, undefined, 1234))).toEqual({
      origin: 'i',
      roomId: 'r',
      frame,
      sentAtMs: 1234,
    });
    // An envelope from an instance that predates the timestamp still decodes.
    expect(decodeEnvelope('{"o":"i","r":"r","f":{"type":"pong"}}')).toEqual({
      origin: 'i',
      roomId: 'r',
      frame: { type: 'pong' },
    });
    for (const junk of ['', 'x', '1', 'null', '{"o":1}', '{"o":"i","r":"r","f":{}}'])
      expect(decodeEnvelope(junk)).toBeNull();
    expect(encodeEnvelope('vm-1-ab"c', 'r', frame).startsWith(envelopePrefix('vm-1-ab"c'))).toBe(true);
    expect(encodeEnvelope('vm-12', 'r', frame).startsWith(envelopePrefix('vm-1'))).toBe(false);
  });
});

const maybe = REDIS_URL ? describe : describe.skip;
maybe(
  REDIS_URL ? 'presence scripts (real Redis)' : 'presence scripts: SKIPPED, VCHAT_TEST_REDIS_URL is not set',
  () => {
    const p = uniquePrefix();
    const keys = presenceKeys(p);
    const redis = createClient({ url: REDIS_URL as string, scripts: presenceScripts });
    const total = async (room: string): Promise<Record<string, string>> => redis.hGetAll(`${p}:presence:room:${room}`);
    const join = (inst: string, room: string, user: string) => redis.presenceJoin(keys, inst, room, user);
    const leave = (inst: string, room: string, user: string) => redis.presenceLeave(keys, inst, room, user);
    const resync = (inst: string, ...counts: Array<[string, string, number]>) =>
      redis.presenceResync(keys, inst, 60_000, counts);
    const heartbeat = (inst: string, reap: boolean) => redis.presenceHeartbeat(keys, inst, 60_000, reap);

    beforeAll(async () => {
      await redis.connect();
    });
    afterAll(async () => {
      const keys = await redis.keys(`${p}:*`);
      if (keys.length) await redis.del(keys);
      await redis.quit();
    });

    it('first and last socket across instances', async () => {
      await resync('A');
      await resync('B');
      expect(await join('A', 'r1', 'u1')).toBe(1); // first anywhere
      expect(await join('B', 'r1', 'u1')).toBe(2);
      expect(await join('B', 'r1', 'u2')).toBe(1);
      expect(await total('r1')).toEqual({ u1: '2', u2: '1' });
      expect(await leave('A', 'r1', 'u1')).toBe(1); // not last
      expect(await leave('A', 'r1', 'u1')).toBe(-1); // A has none left: never double-counts
      expect(await leave('B', 'r1', 'u1')).toBe(0); // last anywhere
      expect(await total('r1')).toEqual({ u2: '1' });
    });

    it('resync replaces an instance state idempotently', async () => {
      await resync('A', ['r2', 'u1', 2], ['r2', 'u3', 1], ['r5', 'u1', 1]);
      await resync('A', ['r2', 'u1', 2], ['r2', 'u3', 1], ['r5', 'u1', 1]);
      expect(await total('r2')).toEqual({ u1: '2', u3: '1' });
      expect(await total('r5')).toEqual({ u1: '1' });
      await resync('A', ['r2', 'u1', 1]);
      expect(await total('r2')).toEqual({ u1: '1' });
      expect(await total('r5')).toEqual({});
    });

    it('heartbeat reaps an instance whose key expired and returns the users it owed a user_left', async () => {
      await resync('C', ['r3', 'u5', 1], ['r3', 'u6', 1]);
      await join('A', 'r3', 'u6'); // u6 also on A: not gone when C dies
      await redis.del(`${p}:presence:alive:C`); // C "died"
      // Just reconnected: no reaping yet.
      expect(await heartbeat('A', false)).toEqual({ registered: true, gone: [] });
      expect(await heartbeat('A', true)).toEqual({ registered: true, gone: [{ roomId: 'r3', userId: 'u5' }] });
      expect(await total('r3')).toEqual({ u6: '1' });
      expect(await redis.sIsMember(`${p}:presence:instances`, 'C')).toBe(0);
      expect(await heartbeat('B', true)).toEqual({ registered: true, gone: [] }); // reaped once, by one survivor
      expect((await heartbeat('C', true)).registered).toBe(false); // C comes back: told to re-register
    });

    it('deregister drops the instance and returns what it owed', async () => {
      await resync('D', ['r4', 'u7', 3]);
      expect(await redis.presenceDeregister(keys, 'D')).toEqual([{ roomId: 'r4', userId: 'u7' }]);
      expect(await total('r4')).toEqual({});
      expect(await redis.exists(`${p}:presence:alive:D`)).toBe(0);
    });
  },
);
