import { describe, expect, it } from 'vitest';
import { alternate, medianRun, secondsFor } from '../../bench/rounds.ts';
import { ratio } from '../../bench/table.ts';

describe('bench rounds', () => {
  it('warms both up (not kept), then alternates baseline and ours, flipping the order every round', async () => {
    const order: string[] = [];
    const base = async (round: number): Promise<number> => (order.push(`base${round}`), round * 10);
    const ours = async (round: number): Promise<number> => (order.push(`ours${round}`), round * 100);
    const runs = await alternate(3, base, ours);
    expect(order).toEqual(['base0', 'ours0', 'base1', 'ours1', 'ours2', 'base2', 'base3', 'ours3']);
    expect(runs).toEqual({ baseline: [10, 20, 30], ours: [100, 200, 300] });
    order.length = 0;
    expect(await alternate(2, base, ours, false)).toEqual({ baseline: [10, 20], ours: [100, 200] });
    expect(order).toEqual(['base1', 'ours1', 'ours2', 'base2']);
  });

  it('picks the median run by a key (lower middle for an even count)', () => {
    const runs = [
      { v: 30, id: 'a' },
      { v: 10, id: 'b' },
      { v: 20, id: 'c' },
    ];
    expect(medianRun(runs, (r) => r.v)?.id).toBe('c');
    expect(medianRun([...runs, { v: 40, id: 'd' }], (r) => r.v)?.id).toBe('c');
    expect(medianRun([runs[0]!], (r) => r.v)?.id).toBe('a');
    expect(medianRun([], (r: { v: number }) => r.v)).toBeUndefined();
    // The input is not reordered.
    expect(runs.map((r) => r.id)).toEqual(['a', 'b', 'c']);
  });

  it('gives the warm-up round half the run length, at least a second', () => {
    expect([secondsFor(0, 4), secondsFor(1, 4), secondsFor(3, 4)]).toEqual([2, 4, 4]);
    expect([secondsFor(0, 1), secondsFor(1, 1)]).toEqual([1, 1]);
  });
});

describe('bench ratios', () => {
  it('cuts to two decimals instead of rounding, so a shown 0.80× is never below 0.80', () => {
    expect(ratio(29084, 36528)).toBe(0.79); // 0.7962…: rounding would show 0.80 and pass it
    expect(ratio(4, 5)).toBe(0.8);
    expect(ratio(80, 100)).toBe(0.8);
    expect(ratio(46040, 57560)).toBe(0.79); // 0.79986…
    expect(ratio(3, 2)).toBe(1.5);
    expect(ratio(1, 0)).toBe(0);
  });
});
