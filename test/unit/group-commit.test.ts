/**
 * GroupCommit's scheduling, with a writer the test completes by hand: a lone item is written at
 * once, items arriving during a write go together into the next, and with `keyOf` two writes run
 * at once on disjoint keys while a key's items keep their submission order.
 */
import { describe, expect, it } from 'vitest';
import { GroupCommit, type ItemResult } from '../../src/server/store/group-commit.ts';

interface Item {
  key: string;
  n: number;
}

/** A GroupCommit whose writes stay in flight until the test calls `finish(i)`. */
function harness(options: { maxBatch?: number; maxInFlight?: number; keyed?: boolean } = {}) {
  const writes: Array<{ items: Item[]; finish(): void; fail(err: unknown): void }> = [];
  const done: string[] = [];
  const gc = new GroupCommit<Item, string>({
    maxBatch: options.maxBatch ?? 100,
    ...(options.maxInFlight === undefined ? {} : { maxInFlight: options.maxInFlight }),
    ...(options.keyed === false ? {} : { keyOf: (item: Item) => item.key }),
    failsQueue: () => true,
    write: (items) =>
      new Promise<Array<ItemResult<string>>>((resolve, reject) => {
        writes.push({
          items,
          finish: () => resolve(items.map((it) => ({ ok: true, value: `${it.key}${it.n}` }))),
          fail: reject,
        });
      }),
  });
  const submit = (key: string, n: number): Promise<string> =>
    gc.submit({ key, n }).then((v) => {
      done.push(v);
      return v;
    });
  const batches = () => writes.map((w) => w.items.map((it) => `${it.key}${it.n}`).join(','));
  /** Let the promise callbacks of finished writes run. */
  const settle = () => new Promise<void>((resolve) => setImmediate(resolve));
  return { gc, writes, done, submit, batches, settle };
}

describe('GroupCommit', () => {
  it('writes a lone item at once, and the items that arrive meanwhile together in the next write', async () => {
    const h = harness({ keyed: false });
    const first = h.submit('a', 1);
    expect(h.batches()).toEqual(['a1']);
    const rest = [h.submit('b', 1), h.submit('a', 2), h.submit('c', 1)];
    expect(h.gc.waiting).toBe(3);
    h.writes[0]!.finish();
    await expect(first).resolves.toBe('a1');
    expect(h.batches()).toEqual(['a1', 'b1,a2,c1']);
    h.writes[1]!.finish();
    await expect(Promise.all(rest)).resolves.toEqual(['b1', 'a2', 'c1']);
  });

  it('with keyOf, a second write starts on the keys not in flight; a key in flight waits for its write', async () => {
    const h = harness({ maxInFlight: 2 });
    void h.submit('a', 1);
    // b is free: its own write starts at once, beside a's.
    void h.submit('b', 1);
    expect(h.batches()).toEqual(['a1', 'b1']);
    // Both slots taken: these wait.
    void h.submit('a', 2);
    void h.submit('c', 1);
    void h.submit('b', 2);
    expect(h.writes).toHaveLength(2);
    // b's write ends: the next one skips a2 (a is still in flight) and takes c1 and b2.
    h.writes[1]!.finish();
    await h.settle();
    expect(h.batches()).toEqual(['a1', 'b1', 'c1,b2']);
    expect(h.gc.waiting).toBe(1);
    h.writes[0]!.finish();
    await h.settle();
    expect(h.batches()).toEqual(['a1', 'b1', 'c1,b2', 'a2']);
    h.writes[2]!.finish();
    h.writes[3]!.finish();
    await h.settle();
    // Per key, results came back in submission order.
    for (const key of ['a', 'b', 'c']) {
      const mine = h.done.filter((v) => v.startsWith(key));
      expect(mine).toEqual([...mine].sort());
    }
    expect(h.done).toHaveLength(5);
  });

  it('a full batch leaves the rest of the queue in order: a key cut off is not overtaken by its own later items', async () => {
    const h = harness({ maxInFlight: 2, maxBatch: 2 });
    void h.submit('x', 0);
    void h.submit('y', 0);
    for (const [key, n] of [
      ['a', 1],
      ['b', 1],
      ['a', 2],
      ['b', 2],
      ['c', 1],
    ] as const)
      void h.submit(key, n);
    h.writes[0]!.finish();
    await h.settle();
    expect(h.batches()[2]).toBe('a1,b1');
    h.writes[1]!.finish();
    await h.settle();
    // a and b are in flight: only c may go.
    expect(h.batches()[3]).toBe('c1');
    h.writes[2]!.finish();
    await h.settle();
    expect(h.batches()[4]).toBe('a2,b2');
  });

  it('a batch failing with a queue-wide error fails the waiting items too, and the queue keeps working', async () => {
    const h = harness({ maxInFlight: 2 });
    const a1 = h.submit('a', 1);
    const a2 = h.submit('a', 2);
    h.writes[0]!.fail(new Error('down'));
    await expect(a1).rejects.toThrow('down');
    await expect(a2).rejects.toThrow('down');
    const a3 = h.submit('a', 3);
    expect(h.batches()).toEqual(['a1', 'a3']);
    h.writes[1]!.finish();
    await expect(a3).resolves.toBe('a3');
  });
});
