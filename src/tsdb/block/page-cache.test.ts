import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compareLabels, labelsToObject } from '../../model/labels.ts';
import { Matcher } from '../../model/matcher.ts';
import { STALE_NAN } from '../../model/value.ts';
import type { SeriesSet } from '../../storage/interface.ts';
import { openBlock, writeBlock, type Block } from './index.ts';
import { PAGE_GOOD, PageCache, pageGroupKey, segmentIds, type Pages } from './page-cache.ts';
import { bits, readSet, testSeries, tmpDir, toBlockSeries, type ReadSeries } from './test-util.ts';

const T = 1_700_000_000_000;
const all = new Matcher('=~', '__name__', '.+');

function pages(bytes: number): Pages {
  return { buf: new Uint8Array(bytes), start: 8, first: 0, count: 1, state: Uint8Array.of(PAGE_GOOD) };
}

describe('PageCache', () => {
  it('keeps groups up to its byte cap, least recently used out first', () => {
    const c = new PageCache(300);
    c.set(1, pages(100));
    c.set(2, pages(100));
    c.set(3, pages(100));
    expect(c.get(1)).toBeDefined(); // 1 is now the most recent
    c.set(4, pages(100));
    expect([c.get(1), c.get(2), c.get(3), c.get(4)].map((p) => p !== undefined)).toEqual([true, false, true, true]);
    expect(c.bytes).toBe(300);
    c.set(5, pages(250));
    expect(c.bytes).toBeLessThanOrEqual(300);
    expect(c.get(5)).toBeDefined();
    c.set(6, pages(301)); // larger than the whole cache: not kept
    expect(c.get(6)).toBeUndefined();
    expect(c.bytes).toBeLessThanOrEqual(300);
  });

  it('drops the groups of closed segments only', () => {
    const c = new PageCache(1 << 20);
    const a = segmentIds(2);
    const b = segmentIds(1);
    expect(b).toBeGreaterThanOrEqual(a + 2);
    for (const key of [pageGroupKey(a, 0), pageGroupKey(a, 5), pageGroupKey(a + 1, 0), pageGroupKey(b, 0)]) c.set(key, pages(10));
    c.dropSegments(a, 2);
    expect(c.size).toBe(1);
    expect(c.bytes).toBe(10);
    expect(c.get(pageGroupKey(b, 0))).toBeDefined();
  });

  it('with a cap of 0 keeps nothing', () => {
    const c = new PageCache(0);
    c.set(1, pages(1));
    expect(c.size).toBe(0);
  });
});

/** A block of 400 series × 300 samples (3 chunks each), spread over about 60 pages. */
async function bigBlock(dir: string, pageBytes?: number): Promise<string> {
  const series = Array.from({ length: 400 }, (_, i) =>
    testSeries({ __name__: 'm', job: `j${String(i).padStart(3, '0')}` }, T, 300, 15_000, (k) => (k === 299 && i % 7 === 0 ? STALE_NAN : (k * (i + 1)) % 1000)),
  ).sort((x, y) => compareLabels(x.labels, y.labels));
  const meta = await writeBlock(dir, series.map((s) => toBlockSeries(s, 100)), { minTime: T, maxTime: T + 7_200_000, fsync: false, ...(pageBytes ? { pageBytes } : {}) });
  return meta.ulid;
}

/** Every series through columns(), values as bits (the engine's path). */
function readColumns(set: SeriesSet, from: number, to: number): ReadSeries[] {
  const out: ReadSeries[] = [];
  while (set.next()) {
    const s = set.at();
    const c = s.columns!(from, to);
    out.push({ labels: labelsToObject(s.labels), samples: Array.from(c.t, (t, i) => [t, bits(c.v[i])]) });
  }
  return out;
}

async function query(b: Block, from = -Infinity, to = Infinity): Promise<{ iterated: ReadSeries[]; columns: ReadSeries[]; warnings: readonly string[] }> {
  const q = await b.querier(-Infinity, Infinity);
  const iterated = readSet(await q.select({ start: -Infinity, end: Infinity }, all));
  const set = await q.select({ start: -Infinity, end: Infinity }, all);
  const columns = readColumns(set, from, to);
  q.close();
  return { iterated, columns, warnings: set.warnings() };
}

describe('blocks read through a PageCache', () => {
  it('answer as without one; a repeated query reads nothing; a small cap holds', async () => {
    const dir = tmpDir();
    const bdir = join(dir, await bigBlock(dir));
    const plain = await openBlock(bdir);
    const want = await query(plain);
    const wantWindow = await query(plain, T + 1_000_000, T + 3_000_000);
    await plain.close();
    expect(want.columns).toEqual(want.iterated);

    const cache = new PageCache();
    const block = await openBlock(bdir, { verify: 'quick', pageCache: cache });
    expect(await query(block)).toEqual(want);
    const misses = cache.misses;
    expect(misses).toBeGreaterThan(0);
    expect(await query(block)).toEqual(want);
    expect(await query(block, T + 1_000_000, T + 3_000_000)).toEqual(wantWindow);
    expect(cache.misses).toBe(misses);
    expect(cache.hits).toBeGreaterThan(0);
    await block.close();
    expect(cache.size).toBe(0); // closing drops the block's pages

    const small = new PageCache(70_000);
    const b2 = await openBlock(bdir, { verify: 'quick', pageCache: small });
    expect(await query(b2)).toEqual(want);
    expect(small.bytes).toBeLessThanOrEqual(70_000);
    expect(small.size).toBeGreaterThan(0);
    await b2.close();
  });

  it('find a corrupt page at query time, every time, naming it as without a cache', async () => {
    const dir = tmpDir();
    // With 1-byte pages every chunk (and column) has a page of its own.
    const bdir = join(dir, await bigBlock(dir, 1));
    const good = await openBlock(bdir);
    const healthy = await query(good);
    const r = good.reader();
    const chunk = r.index.series(r.index.postings('job', 'j005')[0]).chunks[1];
    r.release();
    await good.close();
    const seg = join(bdir, 'chunks', '000001');
    const bytes = readFileSync(seg);
    bytes[chunk.ref + Math.floor(chunk.len / 2)] ^= 0x08;
    writeFileSync(seg, bytes);

    const uncached = await openBlock(bdir, { verify: 'quick' });
    const want = await query(uncached);
    await uncached.close();
    expect(want.warnings).toHaveLength(1);
    expect(want.warnings[0]).toMatch(new RegExp(`series \\{__name__="m", job="j005"\\}: chunks/000001 at offset ${chunk.ref}: CRC mismatch \\(stored 0x[0-9a-f]+, computed 0x[0-9a-f]+\\)$`));
    const j5 = want.iterated.find((s) => s.labels.job === 'j005')!;
    expect(j5.samples.map(([t]) => t)).toEqual([...healthy.iterated.find((s) => s.labels.job === 'j005')!.samples.slice(0, 100), ...healthy.iterated.find((s) => s.labels.job === 'j005')!.samples.slice(200)].map(([t]) => t));
    expect(want.columns).toEqual(want.iterated);
    expect(want.iterated.filter((s) => s.labels.job !== 'j005')).toEqual(healthy.iterated.filter((s) => s.labels.job !== 'j005'));

    const cache = new PageCache();
    const block = await openBlock(bdir, { verify: 'quick', pageCache: cache });
    expect(await query(block)).toEqual(want);
    expect(await query(block)).toEqual(want); // the bad page stays bad in the cache
    await block.close();
  });
});
