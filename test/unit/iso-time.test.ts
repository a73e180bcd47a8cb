import { describe, expect, it } from 'vitest';
import { isoDate, isoNow, isoTime } from '../../src/server/iso-time.ts';

/** The reference: V8's own formatter. */
const v8 = (ms: number): string => new Date(ms).toISOString();

describe('isoTime', () => {
  it('writes what toISOString writes across second, minute, hour, day, month, leap-day and year boundaries', () => {
    const edges = [
      0,
      59_999,
      60_000,
      Date.UTC(1999, 11, 31, 23, 59, 59, 999),
      Date.UTC(2000, 0, 1),
      Date.UTC(2024, 1, 28, 23, 59, 59, 999),
      Date.UTC(2024, 1, 29, 12, 0, 0, 1),
      Date.UTC(2026, 11, 6, 23, 59, 0, 0),
      Date.UTC(2026, 11, 6, 23, 59, 30, 500),
      Date.UTC(9999, 11, 31, 23, 59, 59, 999),
    ];
    for (const ms of edges) {
      // Each one twice: once when its minute is new, once when it is the remembered minute.
      expect(isoTime(ms)).toBe(v8(ms));
      expect(isoTime(ms)).toBe(v8(ms));
      for (const step of [-1001, -1, 1, 999, 1000, 59_999, 60_000]) {
        const near = ms + step;
        if (near >= 0 && near < Date.UTC(10_000, 0, 1)) expect(isoTime(near)).toBe(v8(near));
      }
    }
  });

  it('agrees with toISOString on 100,000 times in random order (the remembered minute changing back and forth)', () => {
    // A fixed-seed generator: the same times on every run.
    let seed = 0x2f6b_1d37;
    const next = (): number => {
      seed = (Math.imul(seed, 1_103_515_245) + 12_345) >>> 0;
      return seed;
    };
    const now = Date.UTC(2026, 11, 6, 22, 0, 0);
    for (let i = 0; i < 100_000; i++) {
      // Half near one moment (the same few minutes, as live traffic is), half anywhere in 1970-2100.
      const ms = i % 2 === 0 ? now + (next() % 300_000) : next() * 1000 + (next() % 1000);
      expect(isoTime(ms)).toBe(v8(ms));
    }
  });

  it('hands times outside 1970-9999 and fractional times to V8, and an invalid time still throws RangeError', () => {
    for (const ms of [-1, -86_400_001, Date.UTC(10_000, 0, 1), 8.64e15, -8.64e15, 1.5]) {
      expect(isoTime(ms)).toBe(v8(ms));
    }
    expect(() => isoTime(Number.NaN)).toThrow(RangeError);
    expect(() => isoDate(new Date('not a date'))).toThrow(RangeError);
  });

  it('isoDate and isoNow are the same formatter over a Date and over the clock', () => {
    const d = new Date(Date.UTC(2026, 0, 2, 3, 4, 5, 6));
    expect(isoDate(d)).toBe('2026-01-02T03:04:05.006Z');
    const before = Date.now();
    const now = Date.parse(isoNow());
    expect(now).toBeGreaterThanOrEqual(before);
    expect(now).toBeLessThanOrEqual(Date.now());
  });
});
