/** mergeQueriers and MergeIterator: head + blocks with overlapping series, one sample per timestamp. */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { labelsFrom } from '../../model/labels.ts';
import { Matcher } from '../../model/matcher.ts';
import { STALE_NAN, ValueType } from '../../model/value.ts';
import type { SampleIterator } from '../../storage/interface.ts';
import { MemoryStore } from '../../storage/memory/memory-store.ts';
import { mergeQueriers, openBlock, writeBlock } from './index.ts';
import { MergeIterator } from './iterators.ts';
import { bits, readSet, testSeries, tmpDir, toBlockSeries } from './test-util.ts';

/** An iterator over fixed samples. */
function fixed(samples: Array<[number, number]>): SampleIterator {
  let i = -1;
  return {
    next: () => (++i < samples.length ? ValueType.Float : ((i = samples.length), ValueType.None)),
    seek(t) {
      if (i < 0) i = 0;
      while (i < samples.length && samples[i][0] < t) i++;
      return i < samples.length ? ValueType.Float : ValueType.None;
    },
    atT: () => samples[i][0],
    atV: () => samples[i][1],
  };
}

function drain(it: SampleIterator): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  while (it.next() !== ValueType.None) out.push([it.atT(), it.atV()]);
  return out;
}

describe('MergeIterator', () => {
  it('merges by time and lets the later iterator win on equal timestamps', () => {
    const it = new MergeIterator([fixed([[1, 10], [3, 30], [5, 50]]), fixed([[2, 200], [3, 300], [6, 600]]), fixed([[3, 3000], [7, 7000]])]);
    expect(drain(it)).toEqual([[1, 10], [2, 200], [3, 3000], [5, 50], [6, 600], [7, 7000]]);
  });

  it('seeks forward only, across all inputs', () => {
    const it = new MergeIterator([fixed([[1, 1], [4, 4], [9, 9]]), fixed([[2, 2], [4, 40], [8, 8]])]);
    expect(it.seek(3)).toBe(ValueType.Float);
    expect([it.atT(), it.atV()]).toEqual([4, 40]);
    expect(it.seek(0)).toBe(ValueType.Float);
    expect(it.atT()).toBe(4);
    expect(it.next()).toBe(ValueType.Float);
    expect(it.atT()).toBe(8);
    expect(it.seek(10)).toBe(ValueType.None);
    expect(it.next()).toBe(ValueType.None);
    expect(drain(new MergeIterator([]))).toEqual([]);
  });
});

describe('mergeQueriers', () => {
  it('joins blocks and a head: series merged by labels, the head winning on equal timestamps', async () => {
    const dir = tmpDir();
    const T = 1_000_000;
    const old = [testSeries({ __name__: 'm', i: '1' }, T, 10, 1000, (k) => k), testSeries({ __name__: 'm', i: '2' }, T, 10, 1000, (k) => k)];
    const meta = await writeBlock(dir, old.map((s) => toBlockSeries(s)), { fsync: false });
    const block = await openBlock(join(dir, meta.ulid));
    const head = new MemoryStore();
    head.add(labelsFrom({ __name__: 'm', i: '1' }), T + 9000, 99); // same timestamp as the block's last sample
    head.add(labelsFrom({ __name__: 'm', i: '1' }), T + 10_000, STALE_NAN);
    head.add(labelsFrom({ __name__: 'm', i: '0' }), T, 5);
    const q = mergeQueriers([await block.querier(T, T + 20_000), await head.querier(T, T + 20_000)]);
    const got = readSet(await q.select({ start: T, end: T + 20_000 }, new Matcher('=', '__name__', 'm')));
    expect(got.map((s) => s.labels.i)).toEqual(['0', '1', '2']);
    expect(got[1].samples.slice(-3)).toEqual([
      [T + 8000, bits(8)],
      [T + 9000, bits(99)],
      [T + 10_000, bits(STALE_NAN)],
    ]);
    expect(got[2].samples).toHaveLength(10);
    expect(await q.labelValues('i')).toEqual(['0', '1', '2']);
    expect(await q.labelNames()).toEqual(['__name__', 'i']);
    const limited = await q.select({ start: T, end: T + 20_000, limit: 2 }, new Matcher('=', '__name__', 'm'));
    expect(readSet(limited).map((s) => s.labels.i)).toEqual(['0', '1']);
    await expect(q.select({ start: T, end: T }, new Matcher('=~', 'i', '.*'))).rejects.toThrow(/empty/);
    q.close();
    await block.close();
  });
});
