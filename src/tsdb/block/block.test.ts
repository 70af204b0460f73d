/** Block write/read round trips: many series and chunks, both encodings, NaN payloads, segments, validation. */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compareLabels, labelsFrom } from '../../model/labels.ts';
import { Matcher } from '../../model/matcher.ts';
import { STALE_NAN } from '../../model/value.ts';
import { ChunkEncoding } from '../chunkenc/index.ts';
import { openBlock, writeBlock, type BlockSeries } from './index.ts';
import { bits, expected, readSet, testSeries, tmpDir, toBlockSeries, type TestSeries } from './test-util.ts';
import { prng } from '../chunkenc/test-util.ts';

const T = 1_700_000_000_000;
const all = new Matcher('=~', '__name__', '.+');

/** 200 series of 3 metrics × jobs × instances, 1–5 chunks each, some with NaN payloads. */
function manySeries(seed = 1): TestSeries[] {
  const rnd = prng(seed);
  const out: TestSeries[] = [];
  for (let i = 0; i < 200; i++) {
    const n = 1 + Math.floor(rnd() * 560);
    const kind = i % 4;
    out.push(
      testSeries({ __name__: `metric_${i % 3}`, job: `job${i % 5}`, instance: `host-${i}`, ...(i % 7 === 0 ? { extra: 'x' } : {}) }, T + Math.floor(rnd() * 10_000), n, 15_000, (k) =>
        kind === 0 ? k : kind === 1 ? rnd() * 100 : kind === 2 ? (k % 50 === 49 ? STALE_NAN : Math.round(rnd() * 1000) / 10) : k % 10 === 3 ? NaN : -k * 0.25,
      ),
    );
  }
  return out.sort((a, b) => compareLabels(a.labels, b.labels));
}

describe('writeBlock + openBlock round trip', () => {
  it.each([
    ['XOR', ChunkEncoding.XOR],
    ['Delta', ChunkEncoding.Delta],
  ])('returns every sample bit-exactly, staleness markers and NaN payloads included (%s)', async (_name, encoding) => {
    const dir = tmpDir();
    const series = manySeries();
    const meta = await writeBlock(dir, series.map((s) => toBlockSeries(s, 120, encoding)));
    expect(meta.stats.numSeries).toBe(200);
    expect(meta.stats.numSamples).toBe(series.reduce((n, s) => n + s.t.length, 0));
    expect(meta.stats.numChunks).toBe(series.reduce((n, s) => n + Math.ceil(s.t.length / 120), 0));
    expect(meta.minTime).toBe(Math.min(...series.map((s) => s.t[0])));
    expect(meta.maxTime).toBe(Math.max(...series.map((s) => s.t[s.t.length - 1])) + 1);
    expect(meta.compaction).toEqual({ level: 1, sources: [meta.ulid] });

    const block = await openBlock(join(dir, meta.ulid));
    expect(block.meta).toEqual(meta);
    const q = await block.querier(-Infinity, Infinity);
    const got = readSet(await q.select({ start: -Infinity, end: Infinity }, all));
    expect(got).toEqual(expected(series));
    q.close();
    await block.close();
  });

  it('reads the same samples through columns() as through the iterator, over any range', async () => {
    const dir = tmpDir();
    const series = manySeries(5);
    const meta = await writeBlock(dir, series.map((s) => toBlockSeries(s, 100)), { fsync: false });
    const block = await openBlock(join(dir, meta.ulid));
    const rnd = prng(11);
    for (let round = 0; round < 20; round++) {
      const from = T + Math.floor(rnd() * 3_000_000) - 100_000;
      const to = from + Math.floor(rnd() * 6_000_000);
      const q = await block.querier(-Infinity, Infinity);
      const set = await q.select({ start: -Infinity, end: Infinity }, all);
      const want = expected(series, from, to);
      const got: typeof want = [];
      while (set.next()) {
        const s = set.at();
        const cols = s.columns!(from, to);
        if (cols.t.length > 0) got.push({ labels: Object.fromEntries(s.labels.map((l) => [l.name, l.value])), samples: Array.from(cols.t, (t, i) => [t, bits(cols.v[i])] as [number, string]) });
      }
      expect(got).toEqual(want);
      q.close();
    }
    await block.close();
  });

  it('stores the timestamps of series sampled together once', async () => {
    const rnd = prng(3);
    // 200 series of one scrape target: the same jittered timestamps, values of their own.
    const ts = Array.from({ length: 120 }, (_, i) => T + i * 15_000 + Math.floor(rnd() * 20));
    const series = Array.from({ length: 200 }, (_, k) => {
      const s = testSeries({ __name__: 'm', i: String(k).padStart(3, '0') }, 0, 120, 1, (i) => (k % 2 === 0 ? i * k : 7));
      return { ...s, t: Float64Array.from(ts) };
    });
    const dir = tmpDir();
    const meta = await writeBlock(dir, series.map((s) => toBlockSeries(s)), { fsync: false });
    const block = await openBlock(join(dir, meta.ulid));
    const q = await block.querier(-Infinity, Infinity);
    expect(readSet(await q.select({ start: -Infinity, end: Infinity }, all))).toEqual(expected(series));
    q.close();
    await block.close();
    // One column of ~(1 + 6 + 2 + 120 × 6 bits) bytes; the constant series cost 2 bytes each.
    const chunkBytes = statSync(join(dir, meta.ulid, 'chunks', '000001')).size;
    expect(chunkBytes).toBeLessThan(8 + 120 + 100 * 2 + 100 * 60);
  });

  it('writes the Prometheus directory layout and an empty tombstones file, and reports its size', async () => {
    const dir = tmpDir();
    const meta = await writeBlock(dir, manySeries().map((s) => toBlockSeries(s)));
    const bdir = join(dir, meta.ulid);
    expect(readdirSync(dir)).toEqual([meta.ulid]); // no .tmp-for-creation left
    expect(readdirSync(bdir).sort()).toEqual(['chunks', 'index', 'meta.json', 'tombstones']);
    expect(readdirSync(join(bdir, 'chunks'))).toEqual(['000001']);
    expect(readFileSync(join(bdir, 'tombstones')).toString('hex')).toBe('50544d4201' + '00000000');
    expect(JSON.parse(readFileSync(join(bdir, 'meta.json'), 'utf8'))).toEqual(meta);
    const block = await openBlock(bdir);
    const files = ['index', 'meta.json', 'tombstones', 'chunks/000001'];
    expect(block.size()).toBe(files.reduce((n, f) => n + statSync(join(bdir, f)).size, 0));
    await block.close();
  });

  it('cuts chunk segments at segmentMaxBytes and reads across them', async () => {
    const dir = tmpDir();
    const series = manySeries(7);
    const meta = await writeBlock(dir, series.map((s) => toBlockSeries(s)), { segmentMaxBytes: 16 * 1024 });
    const segs = readdirSync(join(dir, meta.ulid, 'chunks'));
    expect(segs.length).toBeGreaterThan(3);
    expect(segs[0]).toBe('000001');
    for (const s of segs) expect(statSync(join(dir, meta.ulid, 'chunks', s)).size).toBeLessThanOrEqual(16 * 1024);
    const block = await openBlock(join(dir, meta.ulid), { readaheadBytes: 512 });
    const q = await block.querier(-Infinity, Infinity);
    expect(readSet(await q.select({ start: -Infinity, end: Infinity }, all))).toEqual(expected(series));
    q.close();
    await block.close();
  });

  it('streams from an async iterable and keeps the given range, ULID and compaction info', async () => {
    const dir = tmpDir();
    const series = manySeries(3).slice(0, 20);
    async function* gen(): AsyncGenerator<BlockSeries> {
      for (const s of series) yield toBlockSeries(s);
    }
    const ulid = '01HZZZZZZZZZZZZZZZZZZZZZZZ';
    const meta = await writeBlock(dir, gen(), { minTime: T - 3_600_000, maxTime: T + 7_200_000 * 2, ulid, compaction: { level: 3, sources: ['01HB0000000000000000000001', '01HA0000000000000000000001'] } });
    expect(meta).toMatchObject({ ulid, minTime: T - 3_600_000, maxTime: T + 14_400_000, compaction: { level: 3, sources: ['01HA0000000000000000000001', '01HB0000000000000000000001'] } });
    const block = await openBlock(join(dir, ulid));
    expect(block.meta.compaction.level).toBe(3);
    await block.close();
  });

  it('writes a block without series when given a range', async () => {
    const dir = tmpDir();
    const meta = await writeBlock(dir, [], { minTime: 0, maxTime: 7_200_000 });
    expect(meta.stats).toEqual({ numSamples: 0, numSeries: 0, numChunks: 0, numTombstones: 0 });
    const block = await openBlock(join(dir, meta.ulid));
    const q = await block.querier(0, 7_200_000);
    expect(readSet(await q.select({ start: 0, end: 7_200_000 }, all))).toEqual([]);
    expect(await q.labelNames()).toEqual([]);
    expect(await q.labelValues('__name__')).toEqual([]);
    q.close();
    await block.close();
    await expect(writeBlock(dir, [])).rejects.toThrow(RangeError);
  });

  const one = (labels: Record<string, string>, ...ranges: Array<[number, number]>): BlockSeries => {
    const s = toBlockSeries(testSeries(labels, 0, 1, 1, () => 1));
    return { labels: labelsFrom(labels), chunks: ranges.map(([mint, maxt]) => ({ ...s.chunks[0], mint, maxt })) };
  };
  it.each<[string, BlockSeries[], object, RegExp]>([
    ['unsorted series', [one({ a: '2' }, [0, 0]), one({ a: '1' }, [0, 0])], {}, /label order/],
    ['duplicate series', [one({ a: '1' }, [0, 0]), one({ a: '1' }, [0, 0])], {}, /label order/],
    ['empty label value', [{ labels: [{ name: 'a', value: '' }], chunks: [] }], {}, /non-empty/],
    ['unsorted label names', [{ labels: [{ name: 'b', value: '1' }, { name: 'a', value: '1' }], chunks: [] }], {}, /sorted by name/],
    ['overlapping chunks', [one({ a: '1' }, [0, 10], [10, 20])], {}, /overlaps/],
    ['chunk outside the block range', [one({ a: '1' }, [0, 10])], { minTime: 0, maxTime: 10 }, /outside the block range/],
    ['empty chunk', [{ labels: labelsFrom({ a: '1' }), chunks: [{ mint: 0, maxt: 0, encoding: 1, bytes: new Uint8Array([0, 0]) }] }], {}, /no samples/],
  ])('rejects %s with RangeError and leaves nothing behind', async (_name, input, opts, msg) => {
    const dir = tmpDir();
    await expect(writeBlock(dir, input, opts)).rejects.toThrow(msg);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('removes the temporary directory when aborted', async () => {
    const dir = tmpDir();
    const ac = new AbortController();
    async function* gen(): AsyncGenerator<BlockSeries> {
      for (let i = 0; i < 5000; i++) {
        if (i === 2000) ac.abort();
        yield toBlockSeries(testSeries({ __name__: 'm', i: String(i).padStart(5, '0') }, 0, 2, 1000, (k) => k));
      }
    }
    await expect(writeBlock(dir, gen(), { signal: ac.signal })).rejects.toThrow(/abort/i);
    expect(readdirSync(dir)).toEqual([]);
    expect(existsSync(dir)).toBe(true);
  });
});

describe('labels of series read from a block', () => {
  it('share one Label object per pair of a small name, and not of a name with more than 4096 values', async () => {
    const dir = tmpDir();
    const series = Array.from({ length: 4097 }, (_, i) => testSeries({ __name__: 'up', id: `id-${String(i).padStart(4, '0')}`, job: `job${i % 2}` }, T, 2, 15_000, () => 1));
    const meta = await writeBlock(dir, series.map((s) => toBlockSeries(s)));
    const block = await openBlock(join(dir, meta.ulid));
    const q = await block.querier(T, T + 60_000);
    const read = async () => {
      const set = await q.select({ start: T, end: T + 60_000, labelsOnly: true }, new Matcher('=~', 'id', 'id-000[0-2]'));
      const out = [];
      while (set.next()) out.push(set.at().labels);
      return out;
    };
    const [a, b, c] = await read();
    expect([a, b, c].map((l) => l.map((x) => x.value))).toEqual([['up', 'id-0000', 'job0'], ['up', 'id-0001', 'job1'], ['up', 'id-0002', 'job0']]);
    expect(a[0]).toBe(b[0]); // __name__="up"
    expect(a[2]).toBe(c[2]); // job="job0"
    const [again] = await read();
    expect(again[1]).toEqual(a[1]);
    expect(again[1]).not.toBe(a[1]); // 4097 values of id: not cached
    expect(again[0]).toBe(a[0]);
    q.close();
    await block.close();
  });
});
