/** Deleting series: tombstones written atomically, applied on read, kept across reopen, snapshot per querier. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compareLabels } from '../../model/labels.ts';
import { Matcher } from '../../model/matcher.ts';
import { openBlock, writeBlock } from './index.ts';
import { decodeTombstones } from './tombstones.ts';
import { bits, readSet, testSeries, tmpDir, toBlockSeries, type ReadSeries, type TestSeries } from './test-util.ts';

const T = 1_700_000_000_000;
const eq = (n: string, v: string) => new Matcher('=', n, v);
const all = new Matcher('=~', '__name__', '.+');

function fixture(): TestSeries[] {
  const out: TestSeries[] = [];
  for (const name of ['a', 'b']) for (let i = 0; i < 3; i++) out.push(testSeries({ __name__: name, i: String(i) }, T, 300, 1000, (k) => k));
  return out.sort((x, y) => compareLabels(x.labels, y.labels));
}

/** Samples of the fixture minus the deleted ranges per "name/i". */
function without(series: TestSeries[], deleted: Record<string, Array<[number, number]>>): ReadSeries[] {
  const out: ReadSeries[] = [];
  for (const s of series) {
    const key = s.labels.map((l) => l.value).join('/');
    const samples: Array<[number, string]> = [];
    for (let i = 0; i < s.t.length; i++) if (!(deleted[key] ?? []).some(([lo, hi]) => s.t[i] >= lo && s.t[i] <= hi)) samples.push([s.t[i], bits(s.v[i])]);
    if (samples.length) out.push({ labels: Object.fromEntries(s.labels.map((l) => [l.name, l.value])), samples });
  }
  return out;
}

describe('Block.delete', () => {
  it('hides deleted samples from selects, label values and later queriers, and survives a reopen', async () => {
    const dir = tmpDir();
    const series = fixture();
    const meta = await writeBlock(dir, series.map((s) => toBlockSeries(s, 100)), { fsync: false });
    const bdir = join(dir, meta.ulid);
    const block = await openBlock(bdir, { fsync: false });
    const before = await block.querier(-Infinity, Infinity);

    expect(await block.delete(T + 50_000, T + 149_999, [eq('__name__', 'a'), new Matcher('!=', 'i', '2')])).toBe(2);
    expect(await block.delete(-Infinity, Infinity, [eq('__name__', 'b'), eq('i', '1')])).toBe(1);
    expect(await block.delete(T + 120_000, T + 160_000, [eq('__name__', 'a'), eq('i', '0')])).toBe(1);
    expect(await block.delete(T + 60_000, T + 70_000, [eq('__name__', 'a'), eq('i', '0')])).toBe(0); // already deleted
    expect(await block.delete(T, T + 1e9, [eq('__name__', 'nope')])).toBe(0);
    const want = without(series, { 'a/0': [[T + 50_000, T + 160_000]], 'a/1': [[T + 50_000, T + 149_999]], 'b/1': [[-Infinity, Infinity]] });

    const after = await block.querier(-Infinity, Infinity);
    expect(readSet(await after.select({ start: -Infinity, end: Infinity }, all))).toEqual(want);
    expect(await after.labelValues('i', eq('__name__', 'b'))).toEqual(['0', '2']);
    // A querier opened before the delete keeps its snapshot.
    expect(readSet(await before.select({ start: -Infinity, end: Infinity }, all))).toHaveLength(6);
    // A range that holds only deleted samples selects nothing.
    const gap = await block.querier(T + 60_000, T + 140_000);
    expect(readSet(await gap.select({ start: T + 60_000, end: T + 140_000 }, eq('__name__', 'a'))).map((s) => s.labels.i)).toEqual(['2']);
    for (const q of [before, after, gap]) q.close();

    expect(block.meta.stats.numTombstones).toBe(3);
    expect(JSON.parse(readFileSync(join(bdir, 'meta.json'), 'utf8')).stats.numTombstones).toBe(3);
    const stones = decodeTombstones(readFileSync(join(bdir, 'tombstones')));
    expect([...stones.values()]).toEqual([[T + 50_000, T + 160_000], [T + 50_000, T + 149_999], [meta.minTime, meta.maxTime - 1]]);
    await block.close();

    const reopened = await openBlock(bdir);
    const q = await reopened.querier(-Infinity, Infinity);
    expect(readSet(await q.select({ start: -Infinity, end: Infinity }, all))).toEqual(want);
    q.close();
    await reopened.close();
  });

  it('needs a matcher and refuses after close', async () => {
    const dir = tmpDir();
    const meta = await writeBlock(dir, fixture().map((s) => toBlockSeries(s)), { fsync: false });
    const block = await openBlock(join(dir, meta.ulid));
    await expect(block.delete(0, 1, [])).rejects.toThrow(/matcher/);
    await block.close();
    await expect(block.delete(0, 1, [eq('__name__', 'a')])).rejects.toThrow(/closed/);
    await expect(block.querier(0, 1)).rejects.toThrow(/closed/);
  });

  it('closes only after the last querier closes', async () => {
    const dir = tmpDir();
    const meta = await writeBlock(dir, fixture().map((s) => toBlockSeries(s)), { fsync: false });
    const block = await openBlock(join(dir, meta.ulid), { verify: 'quick' });
    const q = await block.querier(-Infinity, Infinity);
    const set = await q.select({ start: -Infinity, end: Infinity }, all);
    let closed = false;
    const closing = block.close().then(() => (closed = true));
    await new Promise((r) => setTimeout(r, 10));
    expect(closed).toBe(false);
    expect(readSet(set)).toHaveLength(6); // chunk files are still open
    q.close();
    await closing;
    expect(closed).toBe(true);
  });
});
