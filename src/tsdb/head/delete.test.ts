/** Deleting from the head: tombstones or dropped series, replay, block cuts, the series limiter; cardinality figures. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../log.ts';
import { labelsFrom, type Labels } from '../../model/labels.ts';
import { Matcher } from '../../model/matcher.ts';
import { ValueType } from '../../model/value.ts';
import { SeriesLimiter } from '../../storage/series-limits.ts';
import { chunkFromBytes } from '../chunkenc/factory.ts';
import { Head, type HeadOptions } from './head.ts';

const T = 1_700_000_000_000;
const S = 1000;
const open = (o: Partial<HeadOptions> = {}) => new Head({ dir: mkdtempSync(join(tmpdir(), 'pharos-hdel-')), now: () => T + 3_600_000, ...o });
const eq = (n: string, v: string) => new Matcher('=', n, v);
const L = (o: Record<string, string>): Labels => labelsFrom(o);

/** Series m{i="0".."n-1"}, samples at T + k s for k < 10 (value k); committed. */
async function fill(head: Head, n = 3): Promise<void> {
  const a = head.appender();
  for (let i = 0; i < n; i++) for (let k = 0; k < 10; k++) a.append(0, L({ __name__: 'm', i: String(i) }), T + k * S, k);
  await a.commit();
}

/** Seconds after T of each series' samples, by `i`, read by select (and by labels-only select). */
async function seconds(head: Head, mint = T - S, maxt = T + 100 * S): Promise<Record<string, number[]>> {
  const q = await head.querier(mint, maxt);
  const out: Record<string, number[]> = {};
  const set = await q.select({ start: mint, end: maxt }, eq('__name__', 'm'));
  while (set.next()) {
    const s = set.at();
    const it = s.iterator();
    const ts: number[] = [];
    while (it.next() !== ValueType.None) ts.push((it.atT() - T) / S);
    expect(Array.from(s.columns!(mint, maxt).t, (t) => (t - T) / S)).toEqual(ts);
    out[s.labels.find((l) => l.name === 'i')!.value] = ts;
  }
  const names = await q.select({ start: mint, end: maxt, labelsOnly: true }, eq('__name__', 'm'));
  const listed: string[] = [];
  while (names.next()) listed.push(names.at().labels.find((l) => l.name === 'i')!.value);
  expect(listed).toEqual(Object.keys(out));
  q.close();
  return out;
}

const ALL = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];

describe('Head delete', () => {
  const cases: Array<{ name: string; deletes: Array<[number, number, Matcher[]]>; want: Record<string, number[]>; tombstoned: number; dropped: number }> = [
    { name: 'a middle range of one series', deletes: [[T + 2 * S, T + 4 * S, [eq('i', '1')]]], want: { 0: ALL, 1: [0, 1, 5, 6, 7, 8, 9], 2: ALL }, tombstoned: 1, dropped: 0 },
    { name: 'overlapping ranges merge', deletes: [[T + 2 * S, T + 4 * S, [eq('i', '1')]], [T + 3 * S, T + 6 * S, [eq('i', '1')]]], want: { 0: ALL, 1: [0, 1, 7, 8, 9], 2: ALL }, tombstoned: 1, dropped: 0 },
    { name: 'a whole series by open ends drops it', deletes: [[-Infinity, Infinity, [eq('i', '2')]]], want: { 0: ALL, 1: ALL }, tombstoned: 0, dropped: 1 },
    { name: 'exactly its samples drops it too', deletes: [[T, T + 9 * S, [eq('i', '0')]]], want: { 1: ALL, 2: ALL }, tombstoned: 0, dropped: 1 },
    { name: 'a regex over several series, from the start', deletes: [[-Infinity, T + 1 * S, [new Matcher('=~', 'i', '0|2')]]], want: { 0: [2, 3, 4, 5, 6, 7, 8, 9], 1: ALL, 2: [2, 3, 4, 5, 6, 7, 8, 9] }, tombstoned: 2, dropped: 0 },
    { name: 'a range past the samples or no match: nothing', deletes: [[T + 50 * S, T + 60 * S, [eq('__name__', 'm')]], [-Infinity, Infinity, [eq('i', '7')]]], want: { 0: ALL, 1: ALL, 2: ALL }, tombstoned: 0, dropped: 0 },
    { name: 'pieces that add up to everything leave an empty series, hidden', deletes: [[T, T + 4 * S, [eq('i', '1')]], [T + 5 * S, T + 9 * S, [eq('i', '1')]]], want: { 0: ALL, 2: ALL }, tombstoned: 1, dropped: 0 },
  ];

  it.each(cases)('$name', async ({ deletes, want, tombstoned, dropped }) => {
    const head = open();
    await fill(head);
    for (const [mint, maxt, ms] of deletes) await head.delete(mint, maxt, eq('__name__', 'm'), ...ms);
    expect(await seconds(head)).toEqual(want);
    expect(head.stats().seriesWithTombstones).toBe(tombstoned);
    expect(head.stats().numSeries).toBe(3 - dropped);
    // Replaying the same plans into a fresh head gives the same state.
    const again = open();
    await fill(again);
    for (const [mint, maxt, ms] of deletes) {
      const plan = again.planDelete(mint, maxt, [eq('__name__', 'm'), ...ms]);
      again.replayTombstones(plan.refs, Float64Array.from(plan.mint), Float64Array.from(plan.maxt), plan.refs.length);
      again.replaySeriesDropped(plan.drop, plan.drop.length);
    }
    expect(await seconds(again)).toEqual(want);
  });

  it('keeps samples appended after the delete, and a dropped series comes back as a new one', async () => {
    const head = open();
    await fill(head);
    const old = head.lookup(L({ __name__: 'm', i: '0' }));
    await head.delete(-Infinity, Infinity, eq('i', '0'), eq('__name__', 'm'));
    await head.delete(-Infinity, Infinity, eq('i', '1'), eq('__name__', 'm'), new Matcher('!=', 'x', 'y'));
    expect(head.alive(old)).toBe(false);
    const a = head.appender();
    const ref = a.append(0, L({ __name__: 'm', i: '0' }), T + 20 * S, 1);
    a.append(0, L({ __name__: 'm', i: '1' }), T + 20 * S, 1);
    await a.commit();
    expect(ref).not.toBe(old);
    expect(await seconds(head)).toEqual({ 0: [20], 1: [20], 2: ALL });
  });

  it('leaves series a select returned before the delete whole', async () => {
    const head = open({ samplesPerChunk: 4 }); // spilled chunks and an open one
    await fill(head, 1);
    const q = await head.querier(T, T + 100 * S);
    const set = await q.select({ start: T, end: T + 100 * S }, eq('__name__', 'm'));
    await head.delete(-Infinity, Infinity, eq('__name__', 'm'));
    expect(head.stats().numSeries).toBe(0);
    set.next();
    const it = set.at().iterator();
    let n = 0;
    while (it.next() !== ValueType.None) n++;
    expect(n).toBe(10);
    q.close();
    expect(await seconds(head)).toEqual({});
  });

  it('tombstones a series an open appender holds samples for instead of dropping it', async () => {
    const head = open();
    await fill(head, 1);
    const a = head.appender();
    a.append(0, L({ __name__: 'm', i: '0' }), T + 30 * S, 30);
    const plan = head.planDelete(-Infinity, Infinity, [eq('__name__', 'm')]);
    expect(plan.drop).toEqual([]);
    expect([plan.mint, plan.maxt]).toEqual([[T], [T + 9 * S]]);
    head.applyDelete(plan);
    await a.commit();
    expect(await seconds(head)).toEqual({ 0: [30] });
  });

  it('applies to out-of-order samples, and a block cut leaves deleted samples out; truncation forgets spent tombstones', async () => {
    const R = 60 * S;
    const T0 = Math.ceil(T / R) * R;
    const head = open({ outOfOrderTimeWindowMs: 100 * S, chunkRangeMs: R });
    const a = head.appender();
    for (const k of [0, 2, 4, 6, 8, 70]) a.append(0, L({ __name__: 'm', i: '0' }), T0 + k * S, k);
    await a.commit();
    const b = head.appender();
    for (const k of [1, 3, 5]) b.append(0, L({ __name__: 'm', i: '0' }), T0 + k * S, k);
    await b.commit();
    await head.delete(T0 + 3 * S, T0 + 6 * S, eq('__name__', 'm'));
    const [series] = [...head.seriesForBlock(T0, T0 + R - 1)];
    const got: number[] = [];
    for (const c of series.chunks) {
      const it = chunkFromBytes(c.encoding, c.bytes).iterator();
      while (it.next() !== ValueType.None) got.push((it.atT() - T0) / S);
    }
    expect(got).toEqual([0, 1, 2, 8]);
    head.truncate(T0 + R);
    expect(head.stats().seriesWithTombstones).toBe(0);
    expect(await seconds(head, T0, T0 + 100 * S)).toEqual({ 0: [(T0 + 70 * S - T) / S] });
  });

  it('releases dropped and truncated series from the series limiter, and counts replayed ones', async () => {
    const limiter = new SeriesLimiter({ maxSeries: 3, maxSeriesPerMetric: 0, maxSeriesPerService: 0 }, { logger: createLogger('error', () => {}) });
    const head = open({ seriesLimiter: limiter });
    await fill(head, 3);
    expect(limiter.activeSeries).toBe(3);
    const a = head.appender();
    expect(() => a.append(0, L({ __name__: 'm', i: '3' }), T, 1)).toThrow(expect.objectContaining({ code: 'series_limit' }));
    a.rollback();
    await head.delete(-Infinity, Infinity, eq('i', '0'));
    expect(limiter.activeSeries).toBe(2);
    const b = head.appender();
    b.append(0, L({ __name__: 'm', i: '0' }), T + 20 * S, 1); // back as a new series: 3 of 3
    expect(() => b.append(0, L({ __name__: 'm', i: '3' }), T + 20 * S, 1)).toThrow(expect.objectContaining({ code: 'series_limit' }));
    await b.commit();
    expect(limiter.activeSeries).toBe(3);
    head.truncate(T + 100 * S);
    expect(limiter.activeSeries).toBe(0);

    const replayed = new SeriesLimiter({ maxSeries: 1, maxSeriesPerMetric: 0, maxSeriesPerService: 0 }, { logger: createLogger('error', () => {}) });
    const other = open({ seriesLimiter: replayed });
    other.replaySeries(1, L({ __name__: 'm', i: '0' }));
    other.replaySeries(2, L({ __name__: 'm', i: '1' }));
    expect(replayed.activeSeries).toBe(2); // what was stored stays readable
    other.replaySeriesDropped([1], 1);
    expect(replayed.activeSeries).toBe(1);
  });
});
