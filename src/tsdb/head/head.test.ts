/** The Head: storage suite, bit-exact XOR chunks, cut rules, spill + open reads, truncate/GC, WAL hooks. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { labelsFrom, labelsToObject, type Labels } from '../../model/labels.ts';
import { Matcher } from '../../model/matcher.ts';
import { STALE_NAN, ValueType } from '../../model/value.ts';
import { StorageError } from '../../storage/interface.ts';
import { runStorageSuite } from '../../storage/storage-suite.ts';
import { ChunkEncoding } from '../chunkenc/chunk.ts';
import { chunkFromBytes } from '../chunkenc/factory.ts';
import { f64FromHex, hex, hexOfF64, prng } from '../chunkenc/test-util.ts';
import { XorChunk } from '../chunkenc/xor.ts';
import { Head, type CommitBatch, type HeadOptions } from './head.ts';

const T = 1_700_000_000_000;
const tmp = () => mkdtempSync(join(tmpdir(), 'pharos-head-'));
const open = (o: Partial<HeadOptions> = {}) => new Head({ dir: tmp(), ...o });
const L = (o: Record<string, string>): Labels => labelsFrom(o);
const eq = (n: string, v: string) => new Matcher('=', n, v);

runStorageSuite('tsdb head', async () => {
  const head = open();
  return { appendable: head, queryable: head, deletable: head, close: () => head.close() };
});

type Sample = [number, number];

async function append(head: Head, labels: Labels, samples: Sample[]): Promise<number> {
  const a = head.appender();
  let ref = 0;
  for (const [t, v] of samples) ref = a.append(ref, labels, t, v);
  await a.commit();
  return ref;
}

async function readAll(head: Head, mint: number, maxt: number, ...ms: Matcher[]): Promise<Array<{ labels: Record<string, string>; samples: Sample[] }>> {
  const q = await head.querier(mint, maxt);
  const set = await q.select({ start: mint, end: maxt }, ...ms);
  const out = [];
  while (set.next()) {
    const it = set.at().iterator();
    const samples: Sample[] = [];
    while (it.next() !== ValueType.None) samples.push([it.atT(), it.atV()]);
    out.push({ labels: labelsToObject(set.at().labels), samples });
  }
  q.close();
  return out;
}

/** The chunks the cut rules should produce: at `perChunk` samples or when t reaches the chunk's range end. */
function expectedChunks(samples: Sample[], perChunk: number, range: number): Sample[][] {
  const out: Sample[][] = [];
  let cur: Sample[] = [];
  let end = 0;
  for (const s of samples) {
    if (cur.length > 0 && s[0] >= end) {
      out.push(cur);
      cur = [];
    }
    if (cur.length === 0) end = (Math.floor(s[0] / range) + 1) * range;
    cur.push(s);
    if (cur.length === perChunk) {
      out.push(cur);
      cur = [];
    }
  }
  if (cur.length > 0) out.push(cur);
  return out;
}

function xorBytes(samples: Sample[]): Uint8Array {
  const c = new XorChunk();
  const app = c.appender();
  for (const [t, v] of samples) app.append(t, v);
  return c.bytes();
}

const SPECIALS = [NaN, STALE_NAN, f64FromHex('7ff8000000000123'), f64FromHex('fff0000000000001'), Infinity, -Infinity, -0, 0, 5e-324, Number.MAX_VALUE, 1, 1];

function randomSeries(seed: number, n: number): Sample[] {
  const rnd = prng(seed);
  const out: Sample[] = [];
  let t = T + Math.floor(rnd() * 1e6);
  let v = 0;
  for (let i = 0; i < n; i++) {
    const r = rnd();
    // Regular steps, jitter in each dod bucket, and huge gaps (the 64-bit dod case).
    t += r < 0.5 ? 15_000 : r < 0.7 ? 15_000 + Math.floor(rnd() * 40) - 20 : r < 0.8 ? Math.floor(rnd() * 60_000) + 1 : r < 0.9 ? Math.floor(rnd() * 1_000_000) + 1 : Math.floor(rnd() * 5e9) + 1;
    const k = rnd();
    v = k < 0.3 ? v + Math.floor(rnd() * 5) : k < 0.5 ? rnd() * 1000 : k < 0.6 ? SPECIALS[Math.floor(rnd() * SPECIALS.length)] : k < 0.8 ? v : Math.round(rnd() * 1e4) / 100;
    out.push([t, v]);
  }
  return out;
}

describe('head chunks are Prometheus XOR, bit for bit', () => {
  it.each([1, 2, 3, 4, 5, 6])('random series %i: spilled and open chunks equal chunkenc XorChunk bytes', async (seed) => {
    const range = 2 ** 31;
    const head = open({ chunkRangeMs: range, now: () => 2 ** 50 });
    const samples = randomSeries(seed, 1000);
    const labels = L({ __name__: 'x', seed: String(seed) });
    // Commit in several batches so chunks continue across commits.
    let ref = 0;
    for (let i = 0; i < samples.length; i += 97) ref = await append(head, labels, samples.slice(i, i + 97));
    const want = expectedChunks(samples, 120, range);
    const last = want[want.length - 1];
    if (last.length < 120) expect(hex(head.chunks.openChunkBytes(ref)!)).toBe(hex(xorBytes(last)));
    // A block over everything also completes the open chunk (its range ends inside).
    const blocks = [...head.seriesForBlock(-(2 ** 52), 2 ** 52)];
    expect(blocks).toHaveLength(1);
    expect(blocks[0].labels).toEqual(labels);
    expect(blocks[0].chunks).toHaveLength(want.length);
    blocks[0].chunks.forEach((c, i) => {
      expect(c.encoding).toBe(ChunkEncoding.XOR);
      expect(c.mint).toBe(want[i][0][0]);
      expect(c.maxt).toBe(want[i][want[i].length - 1][0]);
      expect(hex(c.bytes)).toBe(hex(xorBytes(want[i])));
    });
    // And everything reads back bit-exactly through the querier (NaN payloads included).
    const [got] = await readAll(head, -(2 ** 52), 2 ** 52, eq('__name__', 'x'));
    expect(got.samples.map(([t, v]) => `${t}:${hexOfF64(v)}`)).toEqual(samples.map(([t, v]) => `${t}:${hexOfF64(v)}`));
    await head.close();
  });

  it('keeps NaN payloads in open and spilled chunks, by iterator and by columns', async () => {
    const head = open({ samplesPerChunk: 4 });
    const odd = f64FromHex('7ff8000000000123');
    const values = [1, STALE_NAN, odd, 2, STALE_NAN, odd]; // chunk of 4 spilled, 2 open
    await append(head, L({ __name__: 'n' }), values.map((v, i) => [T + i * 1000, v]));
    const q = await head.querier(T, T + 10_000);
    const set = await q.select({ start: T, end: T + 10_000 }, eq('__name__', 'n'));
    expect(set.next()).toBe(true);
    const it = set.at().iterator();
    const got: string[] = [];
    while (it.next() !== ValueType.None) got.push(hexOfF64(it.atV()));
    expect(got).toEqual(values.map(hexOfF64));
    const cols = set.at().columns!(T, T + 10_000);
    expect([...cols.v].map(hexOfF64)).toEqual(values.map(hexOfF64));
    expect([...cols.t]).toEqual(values.map((_, i) => T + i * 1000));
  });
});

describe('chunk cut rules', () => {
  it('cuts at samplesPerChunk and at chunk-range boundaries', async () => {
    const head = open({ samplesPerChunk: 5, chunkRangeMs: 100_000 });
    // 0..8 in the first range (cut after 5), then 100_000.. starts a new range early.
    const ts = [0, 10, 20, 30, 40, 50, 60, 70, 99_999, 100_000, 100_001, 250_000];
    await append(head, L({ __name__: 'c' }), ts.map((t) => [t, 1]));
    const chunks = [...head.seriesForBlock(0, 199_999)][0].chunks.map((c) => [c.mint, c.maxt, chunkFromBytes(c.encoding, c.bytes).numSamples()]);
    expect(chunks).toEqual([
      [0, 40, 5],
      [50, 99_999, 4],
      [100_000, 100_001, 2],
    ]);
    expect(head.stats()).toMatchObject({ numChunks: 4, numSamples: 12, numSeries: 1 });
    expect(hex(head.chunks.openChunkBytes(1)!)).toBe(hex(xorBytes([[250_000, 1]])));
  });

  it('completes an idle open chunk whose range ended when a block is written', async () => {
    const head = open({ chunkRangeMs: 1000 });
    const labels = L({ __name__: 'idle' });
    const ref = await append(head, labels, [[100, 1], [200, 2], [300, 3]]);
    expect([...head.seriesForBlock(0, 1999)].map((s) => s.chunks.length)).toEqual([1]);
    expect(head.chunks.openChunkBytes(ref)).toBeNull();
    await append(head, labels, [[1500, 4]]);
    expect((await readAll(head, 0, 2000, eq('__name__', 'idle')))[0].samples).toEqual([[100, 1], [200, 2], [300, 3], [1500, 4]]);
    expect([...head.seriesForBlock(1000, 1998)]).toEqual([]); // the open chunk's range [1000, 2000) is not over by 1998
  });

  it('cuts a chunk early when it would outgrow the largest slab slot', async () => {
    const head = open({ samplesPerChunk: 65535, chunkRangeMs: 2 ** 31 });
    // Random doubles take ~9 bytes each in XOR: 12k of them overflow the 64 KiB slot once.
    const rnd = prng(3);
    const samples: Sample[] = Array.from({ length: 12_000 }, (_, i) => [i * 1000 + Math.floor(rnd() * 900), rnd()]);
    await append(head, L({ __name__: 'big' }), samples);
    const chunks = [...head.seriesForBlock(-1, 2 ** 40)][0].chunks;
    expect(chunks.length).toBeGreaterThan(0);
    for (const c of chunks) expect(c.bytes.length).toBeLessThanOrEqual(65536);
    const [got] = await readAll(head, 0, 2 ** 40, eq('__name__', 'big'));
    expect(got.samples).toEqual(samples);
  });

  it("with chunkEncoding 'smallest' writes integer counters as Delta and random floats as XOR", async () => {
    const head = open({ chunkEncoding: 'smallest' });
    const counter: Sample[] = Array.from({ length: 120 }, (_, i) => [T + i * 15_000, 1000 + i * 3]);
    const rnd = prng(5);
    const gauge: Sample[] = Array.from({ length: 120 }, (_, i) => [T + i * 15_000, rnd()]);
    await append(head, L({ __name__: 'a_counter' }), counter);
    await append(head, L({ __name__: 'b_gauge' }), gauge);
    const blocks = [...head.seriesForBlock(0, 2 ** 52)];
    expect(blocks.map((b) => [b.labels[0].value, b.chunks[0].encoding])).toEqual([
      ['a_counter', ChunkEncoding.Delta],
      ['b_gauge', ChunkEncoding.XOR],
    ]);
    expect(blocks[0].chunks[0].bytes.length).toBeLessThan(xorBytes(counter).length);
    expect(head.stats().deltaChunks).toBe(1);
    expect((await readAll(head, 0, 2 ** 52, eq('__name__', 'a_counter')))[0].samples).toEqual(counter);
  });
});

describe('queries over spilled and open chunks', () => {
  it('iterates and seeks across chunk boundaries within the range, and columns() agrees', async () => {
    const head = open();
    const samples: Sample[] = Array.from({ length: 300 }, (_, i) => [T + i * 15_000, i]);
    await append(head, L({ __name__: 'q', k: 'v' }), samples);
    expect(head.stats().numChunks).toBe(3); // 2 spilled, 1 open
    const mint = samples[100][0];
    const maxt = samples[250][0];
    const [got] = await readAll(head, mint, maxt, eq('__name__', 'q'));
    expect(got.samples).toEqual(samples.slice(100, 251));
    const q = await head.querier(mint, maxt);
    const set = await q.select({ start: mint, end: maxt }, eq('k', 'v'));
    expect(set.next()).toBe(true);
    const it = set.at().iterator();
    expect(it.seek(0)).toBe(ValueType.Float);
    expect(it.atV()).toBe(100);
    expect(it.seek(samples[119][0] + 1)).toBe(ValueType.Float);
    expect(it.atV()).toBe(120);
    expect(it.seek(samples[119][0])).toBe(ValueType.Float); // never backwards
    expect(it.atV()).toBe(120);
    expect(it.seek(samples[245][0] - 1)).toBe(ValueType.Float);
    expect(it.atV()).toBe(245);
    expect(it.next()).toBe(ValueType.Float);
    expect(it.atV()).toBe(246);
    expect(it.seek(samples[299][0])).toBe(ValueType.None);
    const cols = set.at().columns!(samples[110][0], samples[130][0]);
    expect([...cols.v]).toEqual(samples.slice(110, 131).map((s) => s[1]));
    q.close();
  });

  it('omits series without samples in the range, even when a chunk spans it', async () => {
    const head = open();
    await append(head, L({ __name__: 'gap' }), [[T, 1], [T + 100_000, 2]]);
    expect(await readAll(head, T + 10, T + 99_999, eq('__name__', 'gap'))).toEqual([]);
    expect((await readAll(head, T + 10, T + 100_000, eq('__name__', 'gap')))[0].samples).toEqual([[T + 100_000, 2]]);
    expect(await readAll(head, T + 200_000, T + 300_000, eq('__name__', 'gap'))).toEqual([]);
  });

  it('is a snapshot: later commits and truncation do not change what a select returned', async () => {
    const head = open({ samplesPerChunk: 10, spill: { cacheBytes: 0, segmentBytes: 256 } });
    const samples: Sample[] = Array.from({ length: 25 }, (_, i) => [T + i * 1000, i]);
    const labels = L({ __name__: 's' });
    await append(head, labels, samples);
    const q = await head.querier(T, T + 1e6);
    const set = await q.select({ start: T, end: T + 1e6 }, eq('__name__', 's'));
    await append(head, labels, [[T + 100_000, 99]]);
    head.truncate(T + 50_000);
    expect(set.next()).toBe(true);
    const it = set.at().iterator();
    const got: number[] = [];
    while (it.next() !== ValueType.None) got.push(it.atV());
    expect(got).toEqual(samples.map((s) => s[1]));
    q.close();
    // The open chunk [T+20s, T+100s] reaches past the truncation point, so it stays whole.
    expect((await readAll(head, T, T + 1e6, eq('__name__', 's')))[0].samples).toEqual([...samples.slice(20), [T + 100_000, 99]]);
  });

  it('labelNames and labelValues only see series with samples in range', async () => {
    const head = open();
    await append(head, L({ __name__: 'old', a: '1' }), [[T, 1]]);
    await append(head, L({ __name__: 'new', b: '2' }), [[T + 100_000, 1]]);
    const q = await head.querier(T + 50_000, T + 200_000);
    expect(await q.labelNames()).toEqual(['__name__', 'b']);
    expect(await q.labelValues('__name__')).toEqual(['new']);
    expect(await q.labelValues('a')).toEqual([]);
    expect(await q.labelValues('b', eq('__name__', 'new'))).toEqual(['2']);
    expect(await q.labelNames(new Matcher('=~', '__name__', 'old|new'))).toEqual(['__name__', 'b']);
    q.close();
  });
});

describe('truncate and series GC', () => {
  it('drops old chunks, collects empty series without reusing refs, and cleans postings', async () => {
    const head = open({ samplesPerChunk: 10 });
    const refOld = await append(head, L({ __name__: 'm', id: 'old' }), Array.from({ length: 20 }, (_, i) => [T + i * 1000, i] as Sample));
    const refLive = await append(head, L({ __name__: 'm', id: 'live' }), Array.from({ length: 30 }, (_, i) => [T + i * 1000, i] as Sample));
    const a = head.appender();
    a.append(0, L({ __name__: 'm', id: 'rolledback' }), T, 1);
    a.rollback();
    expect(head.stats().numSeries).toBe(3);
    const r = head.truncate(T + 20_000);
    expect(r).toEqual({ removedSeries: 2, removedChunks: 4 });
    expect(head.stats()).toMatchObject({ numSeries: 1, numSamples: 10, numChunks: 1, minTime: T + 20_000 });
    const q = await head.querier(0, T * 2);
    expect(await q.labelValues('id')).toEqual(['live']);
    q.close();
    expect(head.postingsFor([new Matcher('=~', 'id', '.+')])).toEqual(Uint32Array.of(refLive));
    expect(head.pairs.lookup('id', 'old')).toBe(-1);
    // Too old now; the stale ref of the old series is not trusted, a new ref is made.
    const b = head.appender();
    expect(() => b.append(refOld, L({ __name__: 'm', id: 'old' }), T + 1000, 1)).toThrow(expect.objectContaining({ code: 'out_of_bounds' }));
    const fresh = b.append(refOld, L({ __name__: 'm', id: 'old' }), T + 40_000, 1);
    await b.commit();
    expect(fresh).toBeGreaterThan(refLive);
    expect((await readAll(head, 0, T * 2, eq('id', 'old')))[0].samples).toEqual([[T + 40_000, 1]]);
  });

  it('keeps a series an open appender has pending samples for', async () => {
    const head = open();
    const a = head.appender();
    const ref = a.append(0, L({ __name__: 'p' }), T + 5000, 1);
    expect(head.truncate(T).removedSeries).toBe(0);
    await a.commit();
    expect(head.alive(ref)).toBe(true);
    expect((await readAll(head, T, T + 10_000, eq('__name__', 'p')))[0].samples).toEqual([[T + 5000, 1]]);
  });
});

describe('appender', () => {
  it('ignores an exact duplicate, rejects a different value at the same time, and drops samples made stale by an interleaved commit', async () => {
    const head = open();
    const labels = L({ __name__: 'd' });
    const ref = await append(head, labels, [[T, 1]]);
    const a = head.appender();
    expect(a.append(ref, labels, T, 1)).toBe(ref);
    expect(() => a.append(ref, labels, T, 2)).toThrow(expect.objectContaining({ code: 'duplicate_sample' }));
    a.append(ref, labels, T + 10, 2);
    const b = head.appender();
    b.append(ref, labels, T + 20, 3);
    await b.commit();
    await a.commit();
    expect(head.stats().outOfOrderAtCommit).toBe(1);
    expect((await readAll(head, T, T + 100, eq('__name__', 'd')))[0].samples).toEqual([[T, 1], [T + 20, 3]]);
  });

  it('hands onCommit the new series once and columnar samples before they are visible; a throw rejects the batch', async () => {
    const batches: Array<{ series: Array<[number, Record<string, string>]>; samples: Array<[number, number, number]>; meta: string[] }> = [];
    let fail = false;
    let head: Head;
    const onCommit = (b: CommitBatch) => {
      if (fail) throw new Error('disk full');
      batches.push({ series: b.series.map((s) => [s.ref, labelsToObject(s.labels)]), samples: Array.from({ length: b.n }, (_, i) => [b.refs[i], b.t[i], b.v[i]]), meta: [...b.metadata.keys()] });
      expect(head.stats().numSamples).toBe(batches.slice(0, -1).reduce((n, x) => n + x.samples.length, 0));
    };
    head = open({ onCommit });
    const a = head.appender();
    const r1 = a.append(0, L({ __name__: 'w', i: '1' }), T, 1);
    const r2 = a.append(0, L({ __name__: 'w', i: '2' }), T, 2);
    a.append(r1, L({ __name__: 'w', i: '1' }), T + 1, 3);
    a.updateMetadata('w', { type: 'gauge', unit: '', help: 'h' });
    await a.commit();
    const b = head.appender();
    b.append(r1, L({ __name__: 'w', i: '1' }), T + 2, 4);
    const r3 = b.append(0, L({ __name__: 'w', i: '3' }), T + 2, 5);
    await b.commit();
    expect(batches).toEqual([
      { series: [[r1, { __name__: 'w', i: '1' }], [r2, { __name__: 'w', i: '2' }]], samples: [[r1, T, 1], [r2, T, 2], [r1, T + 1, 3]], meta: ['w'] },
      { series: [[r3, { __name__: 'w', i: '3' }]], samples: [[r1, T + 2, 4], [r3, T + 2, 5]], meta: [] },
    ]);
    expect(head.metadata().get('w')?.type).toBe('gauge');
    fail = true;
    const c = head.appender();
    c.append(r2, L({ __name__: 'w', i: '2' }), T + 3, 6);
    const r4 = c.append(0, L({ __name__: 'w', i: '4' }), T + 3, 7);
    const err = await c.commit().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StorageError);
    expect((err as StorageError).code).toBe('unavailable');
    expect((await readAll(head, T, T + 10, eq('i', '2')))[0].samples).toEqual([[T, 2]]);
    fail = false;
    const d = head.appender();
    d.append(r4, L({ __name__: 'w', i: '4' }), T + 4, 8);
    await d.commit();
    expect(batches[2].series).toEqual([[r4, { __name__: 'w', i: '4' }]]); // logged now, since the failed batch never was
  });

  it('WAL replay keeps the refs it is given and maps duplicate label sets to the first ref', async () => {
    const head = open();
    expect(head.replaySeries(7, L({ __name__: 'r', i: '7' }))).toBe(7);
    expect(head.replaySeries(3, L({ __name__: 'r', i: '3' }))).toBe(3);
    expect(head.replaySeries(9, L({ __name__: 'r', i: '7' }))).toBe(7);
    const n = head.replaySamples(Uint32Array.of(7, 3, 9, 42, 7), Float64Array.of(T, T, T + 1, T, T), Float64Array.of(1, 2, 3, 4, 5), 5);
    expect(n).toBe(3); // unknown ref 42 and the out-of-order repeat of 7 are skipped
    const got = await readAll(head, T, T + 10, eq('__name__', 'r'));
    expect(got).toEqual([
      { labels: { __name__: 'r', i: '3' }, samples: [[T, 2]] },
      { labels: { __name__: 'r', i: '7' }, samples: [[T, 1], [T + 1, 3]] },
    ]);
    const a = head.appender();
    expect(a.append(0, L({ __name__: 'r', i: 'new' }), T + 5, 1)).toBe(8);
    await a.commit();
  });

  it('shares Label objects between series and works without materialised label arrays', async () => {
    for (const materializeLabels of [true, false]) {
      const head = open({ materializeLabels });
      await append(head, L({ __name__: 'x', job: 'a', i: '1' }), [[T, 1]]);
      await append(head, L({ __name__: 'x', job: 'a', i: '2' }), [[T, 1]]);
      const q = await head.querier(T, T);
      const set = await q.select({ start: T, end: T }, eq('job', 'a'));
      const all: Labels[] = [];
      while (set.next()) all.push(set.at().labels);
      expect(all.map(labelsToObject)).toEqual([{ __name__: 'x', i: '1', job: 'a' }, { __name__: 'x', i: '2', job: 'a' }]);
      expect(all[0][0]).toBe(all[1][0]);
      expect(all[0][2]).toBe(all[1][2]);
      q.close();
    }
  });
});
