/** Histogram, merge, percentile, delivery-book and duration maths on fixed samples. */
import { describe, expect, it } from 'vitest';
import { bump, mergeCounts, total } from '../../src/cli/stats/counts.ts';
import { DeliveryBook, decodeTag, encodeTag, extractClientMsgId } from '../../src/cli/stats/delivery.ts';
import {
  decodeHistogram,
  encodeHistogram,
  mergeHistograms,
  newHistogram,
  recordMs,
  summarize,
} from '../../src/cli/stats/histogram.ts';
import { formatDurationMs, parseDurationMs } from '../../src/cli/load/duration.ts';

/** HDR keeps 3 significant digits: values agree to 0.1%. */
const near = (actual: number, expected: number): void => {
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(expected * 0.001 + 1e-9);
};

const filled = (valuesMs: number[]) => {
  const h = newHistogram();
  for (const v of valuesMs) recordMs(h, v);
  return h;
};

describe('histogram', () => {
  it('gives exact percentiles below 2 ms (microsecond buckets)', () => {
    // 0.01 .. 1.00 ms
    const s = summarize(filled(Array.from({ length: 100 }, (_, i) => (i + 1) / 100)));
    expect(s).toEqual({
      count: 100,
      min_ms: 0.01,
      mean_ms: 0.505,
      p50_ms: 0.5,
      p90_ms: 0.9,
      p99_ms: 0.99,
      p99_9_ms: 1,
      max_ms: 1,
    });
  });

  it('gives percentiles within 0.1% for 1..100 ms', () => {
    const s = summarize(filled(Array.from({ length: 100 }, (_, i) => i + 1)));
    expect(s.count).toBe(100);
    expect(s.min_ms).toBe(1);
    near(s.p50_ms, 50);
    near(s.p90_ms, 90);
    near(s.p99_ms, 99);
    near(s.p99_9_ms, 100);
    near(s.max_ms, 100);
    near(s.mean_ms, 50.5);
  });

  it('keeps microseconds and stays within 3 significant digits above 1 ms', () => {
    const s = summarize(filled([0.25, 0.5, 12.345]));
    expect(s.min_ms).toBe(0.25);
    expect(s.p50_ms).toBe(0.5);
    expect(Math.abs(s.max_ms - 12.345)).toBeLessThanOrEqual(0.01);
  });

  it('summarises an empty histogram as zeros', () => {
    expect(summarize(newHistogram())).toEqual({
      count: 0,
      min_ms: 0,
      mean_ms: 0,
      p50_ms: 0,
      p90_ms: 0,
      p99_ms: 0,
      p99_9_ms: 0,
      max_ms: 0,
    });
  });

  it('survives encode/decode with the same counts', () => {
    const h = filled([1, 2, 3, 500, 1000]);
    const back = decodeHistogram(encodeHistogram(h));
    expect(back.totalCount).toBe(5);
    const [x, y] = [summarize(back), summarize(h)];
    for (const k of Object.keys(x) as Array<keyof typeof x>) near(x[k], y[k]);
  });

  it('merges raw counts: percentiles of the union, not an average of percentiles', () => {
    // Worker A saw 90 fast deliveries, worker B 10 slow ones.
    const a = filled(Array.from({ length: 90 }, () => 1));
    const b = filled(Array.from({ length: 10 }, () => 100));
    const merged = summarize(mergeHistograms([encodeHistogram(a), b]));
    expect(merged.count).toBe(100);
    expect(merged.p50_ms).toBe(1);
    expect(merged.p90_ms).toBe(1);
    near(merged.p99_ms, 100);
    near(merged.max_ms, 100);
    // Averaging each worker's p99 would have said 50.5 ms.
    const union = summarize(filled([...Array(90).fill(1), ...Array(10).fill(100)]));
    for (const k of Object.keys(union) as Array<keyof typeof union>) near(merged[k], union[k]);
  });
});

describe('counts', () => {
  it('bumps, merges and totals', () => {
    const a = {};
    bump(a, 200, 3);
    bump(a, '429');
    expect(mergeCounts([a, { 200: 1, 500: 2 }])).toEqual({ 200: 4, 429: 1, 500: 2 });
    expect(total({ a: 2, b: 5 })).toBe(7);
  });
});

describe('client_msg_id tags', () => {
  it('round-trips and rejects other runs and foreign ids', () => {
    const id = encodeTag({ run: 'ab12', sender: 7, seq: 42, sentAtMs: 1_700_000_000_123.456 });
    expect(id).toBe('lt.ab12.7.42.1700000000123456');
    expect(decodeTag(id, 'ab12')).toEqual({ run: 'ab12', sender: 7, seq: 42, sentAtMs: 1_700_000_000_123.456 });
    expect(decodeTag(id, 'ffff')).toBeUndefined();
    expect(decodeTag('rest.ab12.3', 'ab12')).toBeUndefined();
    expect(decodeTag('lt.ab12.x.1.2', 'ab12')).toBeUndefined();
  });

  it('extracts the id from a raw frame without parsing it', () => {
    const frame = JSON.stringify({
      type: 'message',
      id: 'm1',
      content: 'client_msg_id is in here',
      client_msg_id: 'lt.ab.1.2.3',
    });
    expect(extractClientMsgId(frame)).toBe('lt.ab.1.2.3');
    expect(extractClientMsgId('{"type":"user_joined"}')).toBeUndefined();
    expect(extractClientMsgId(JSON.stringify({ client_msg_id: 'a"b' }))).toBe('a"b');
  });
});

describe('DeliveryBook', () => {
  it('counts new, duplicate and out-of-order arrivals per sender', () => {
    const book = new DeliveryBook();
    // Receiver 1 gets sender 0's seqs 0,1,3,2,3,1: two duplicates, one out of order (2 after 3).
    const arrivals = [0, 1, 3, 2, 3, 1].map((seq) => book.receive(1, 0, seq));
    expect(arrivals).toEqual(['new', 'new', 'new', 'new', 'duplicate', 'duplicate']);
    // Receiver 2 gets seqs 0 and 2 of sender 0: one is missing (lost).
    book.receive(2, 0, 0);
    book.receive(2, 0, 2);
    expect(book.toJSON()).toEqual({ 0: [6, 2, 1] });
    expect(book.delivered).toBe(6);
  });

  it('keeps receivers apart: the same seq at two receivers is not a duplicate', () => {
    const book = new DeliveryBook();
    expect(book.receive(1, 5, 0)).toBe('new');
    expect(book.receive(2, 5, 0)).toBe('new');
    expect(book.toJSON()).toEqual({ 5: [2, 0, 0] });
  });
});

describe('durations', () => {
  it('parses and formats', () => {
    expect(parseDurationMs('500ms')).toBe(500);
    expect(parseDurationMs('30s')).toBe(30_000);
    expect(parseDurationMs('2m')).toBe(120_000);
    expect(parseDurationMs('1m30s')).toBe(90_000);
    expect(parseDurationMs('1h')).toBe(3_600_000);
    expect(parseDurationMs('2')).toBe(2000);
    expect(() => parseDurationMs('soon')).toThrow(/not a duration/);
    expect(() => parseDurationMs('5x')).toThrow(RangeError);
    expect(formatDurationMs(90_000)).toBe('1m30s');
    expect(formatDurationMs(250)).toBe('250ms');
    expect(formatDurationMs(3_600_000)).toBe('1h');
  });
});
