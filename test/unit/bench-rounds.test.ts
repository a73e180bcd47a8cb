import { describe, expect, it } from 'vitest';
import { alternate, medianRun } from '../../bench/rounds.ts';

describe('bench rounds', () => {
  it('alternates baseline and ours, flipping the order every round', async () => {
    const order: string[] = [];
    const runs = await alternate(
      3,
      async (round) => (order.push(`base${round}`), round * 10),
      async (round) => (order.push(`ours${round}`), round * 100),
    );
    expect(order).toEqual(['base1', 'ours1', 'ours2', 'base2', 'base3', 'ours3']);
    expect(runs).toEqual({ baseline: [10, 20, 30], ours: [100, 200, 300] });
  });

  it('picks the median run by a key (lower middle for an even count)', () => {
    const runs = [{ v: 30, id: 'a' }, { v: 10, id: 'b' }, { v: 20, id: 'c' }];
    expect(medianRun(runs, (r) => r.v)?.id).toBe('c');
    expect(medianRun([...runs, { v: 40, id: 'd' }], (r) => r.v)?.id).toBe('c');
    expect(medianRun([runs[0]!], (r) => r.v)?.id).toBe('a');
    expect(medianRun([], (r: { v: number }) => r.v)).toBeUndefined();
    // The input is not reordered.
    expect(runs.map((r) => r.id)).toEqual(['a', 'b', 'c']);
  });
});
