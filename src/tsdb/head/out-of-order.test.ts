/** The head's out-of-order window: what is accepted and refused, merged reads, freezing, truncation, replay, block cuts. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { labelsFrom, type Labels } from '../../model/labels.ts';
import { Matcher } from '../../model/matcher.ts';
import { STALE_NAN, ValueType, isStaleNaN } from '../../model/value.ts';
import { StorageError } from '../../storage/interface.ts';
import { chunkFromBytes } from '../chunkenc/factory.ts';
import { Head, type CommitBatch, type HeadOptions } from './head.ts';
import { OOO_CHUNK_SAMPLES } from './ooo.ts';

const T = 1_700_000_000_000;
const MIN = 60_000;
const open = (o: Partial<HeadOptions> = {}) => new Head({ dir: mkdtempSync(join(tmpdir(), 'pharos-ooo-')), now: () => T + 1000 * MIN, ...o });
const A = labelsFrom({ __name__: 'a' });
const B = labelsFrom({ __name__: 'b' });

async function commit(head: Head, labels: Labels, samples: Array<[number, number]>): Promise<void> {
  const app = head.appender();
  for (const [t, v] of samples) app.append(0, labels, t, v);
  await app.commit();
}

/** Every sample of `labels` in [mint, maxt] by iterator; checks columns() and seek agree. */
async function read(head: Head, labels: Labels, mint = -Infinity, maxt = Infinity): Promise<Array<[number, number]>> {
  const q = await head.querier(mint, maxt);
  const set = await q.select({ start: mint, end: maxt }, new Matcher('=', '__name__', labels[0].value));
  const out: Array<[number, number]> = [];
  if (set.next()) {
    const s = set.at();
    const it = s.iterator();
    while (it.next() !== ValueType.None) out.push([it.atT(), it.atV()]);
    const cols = s.columns!(mint, maxt);
    expect(Array.from(cols.t)).toEqual(out.map((x) => x[0]));
    for (const [t] of out) {
      const sk = s.iterator();
      expect(sk.seek(t)).toBe(ValueType.Float);
      expect(sk.atT()).toBe(t);
    }
  }
  q.close();
  return out;
}

type Outcome = 'ok' | 'out_of_order' | 'too_old' | 'duplicate_sample' | 'out_of_bounds';

describe('out-of-order window', () => {
  // In-order history of series a: T, T+10m, …, T+60m (values 0..6); series b at T+100m when `b`.
  const cases: Array<{ name: string; windowMs: number; b?: boolean; minValidT?: number; appends: Array<[number, number, Outcome]>; want: number[] }> = [
    { name: 'off: an older sample is out_of_order', windowMs: 0, appends: [[T + 5 * MIN, 9, 'out_of_order']], want: [0, 10, 20, 30, 40, 50, 60] },
    { name: 'within the window, between in-order samples', windowMs: 30 * MIN, appends: [[T + 35 * MIN, 9, 'ok'], [T + 55 * MIN, 8, 'ok']], want: [0, 10, 20, 30, 35, 40, 50, 55, 60] },
    { name: 'at the window edge and just past it', windowMs: 30 * MIN, appends: [[T + 30 * MIN + 1, 9, 'ok'], [T + 30 * MIN - 1, 9, 'too_old']], want: [0, 10, 20, 30, 30 + 1 / MIN, 40, 50, 60] },
    { name: 'older than the first in-order sample', windowMs: 120 * MIN, appends: [[T - 5 * MIN, 9, 'ok']], want: [-5, 0, 10, 20, 30, 40, 50, 60] },
    { name: 'relative to the head, not the series: another series moved it on', windowMs: 45 * MIN, b: true, appends: [[T + 50 * MIN, 9, 'too_old'], [T + 56 * MIN, 9, 'ok']], want: [0, 10, 20, 30, 40, 50, 56, 60] },
    { name: 'same time and value as an in-order sample or an earlier out-of-order one: ignored', windowMs: 30 * MIN, appends: [[T + 50 * MIN, 5, 'ok'], [T + 45 * MIN, 1, 'ok'], [T + 60 * MIN, 6, 'ok']], want: [0, 10, 20, 30, 40, 45, 50, 60] },
    { name: 'same time, another value', windowMs: 30 * MIN, appends: [[T + 60 * MIN, 7, 'duplicate_sample']], want: [0, 10, 20, 30, 40, 50, 60] },
    { name: 'below the minimum valid time (the newest block) even within the window', windowMs: 30 * MIN, minValidT: T + 40 * MIN, appends: [[T + 35 * MIN, 9, 'out_of_bounds'], [T + 45 * MIN, 9, 'ok']], want: [0, 10, 20, 30, 40, 45, 50, 60] },
  ];

  it.each(cases)('$name', async ({ windowMs, b, minValidT, appends, want }) => {
    const head = open({ outOfOrderTimeWindowMs: windowMs });
    await commit(head, A, [0, 1, 2, 3, 4, 5, 6].map((i) => [T + i * 10 * MIN, i]));
    if (b) await commit(head, B, [[T + 100 * MIN, 1]]);
    if (minValidT !== undefined) head.minValidT = minValidT;
    const app = head.appender();
    const got: Outcome[] = [];
    for (const [t, v] of appends) {
      try {
        app.append(0, A, t, v);
        got.push('ok');
      } catch (err) {
        got.push((err as StorageError).code as Outcome);
      }
    }
    await app.commit();
    expect(got).toEqual(appends.map((x) => x[2]));
    expect((await read(head, A)).map(([t]) => (t - T) / MIN)).toEqual(want);
  });

  it('reads in-order and out-of-order samples merged, clipped to the range, staleness bits intact', async () => {
    const head = open({ outOfOrderTimeWindowMs: 60 * MIN });
    await commit(head, A, [[T, 0], [T + 10 * MIN, 10], [T + 20 * MIN, 20]]);
    const app = head.appender();
    app.append(0, A, T + 15 * MIN, 15);
    app.append(0, A, T + 5 * MIN, STALE_NAN);
    app.append(0, A, T + 30 * MIN, 30); // in order within the same batch
    app.append(0, A, T + 25 * MIN, 25); // older than the batch's own newest
    await app.commit();
    expect((await read(head, A)).map(([t]) => (t - T) / MIN)).toEqual([0, 5, 10, 15, 20, 25, 30]);
    // Read straight from the typed arrays: a plain JS array may quiet the staleness NaN.
    const q = await head.querier(T, T + 60 * MIN);
    const set = await q.select({ start: T, end: T + 60 * MIN }, new Matcher('=', '__name__', 'a'));
    set.next();
    expect(isStaleNaN(set.at().columns!(T, T + 60 * MIN).v[1])).toBe(true);
    const it = set.at().iterator();
    it.seek(T + 5 * MIN);
    expect(isStaleNaN(it.atV())).toBe(true);
    q.close();
    expect((await read(head, A, T + 4 * MIN, T + 16 * MIN)).map(([t]) => (t - T) / MIN)).toEqual([5, 10, 15]);
    // A range holding only out-of-order samples.
    expect((await read(head, A, T + 14 * MIN, T + 16 * MIN)).map(([t]) => (t - T) / MIN)).toEqual([15]);
    expect(head.stats().outOfOrderSamples).toBe(3);
    expect(head.stats().numSamples).toBe(7);
  });

  it('a sample overtaken by a concurrent commit goes in out of order when the window allows, and is dropped when not', async () => {
    for (const [windowMs, want] of [[0, [0, 20]], [60 * MIN, [0, 10, 20]]] as const) {
      const head = open({ outOfOrderTimeWindowMs: windowMs });
      await commit(head, A, [[T, 0]]);
      const slow = head.appender();
      slow.append(0, A, T + 10 * MIN, 10);
      await commit(head, A, [[T + 20 * MIN, 20]]);
      await slow.commit();
      expect((await read(head, A)).map(([t]) => (t - T) / MIN)).toEqual(want);
    }
  });

  it('freezes the buffer into XOR chunks, and truncation keeps what is not older than the cut', async () => {
    const head = open({ outOfOrderTimeWindowMs: 10_000 * MIN });
    const n = OOO_CHUNK_SAMPLES * 2 + 7;
    await commit(head, A, [[T + (n + 1) * MIN, -1]]);
    // Descending: every sample is out of order; values are the minute.
    for (let i = n; i >= 1; i -= 3) await commit(head, A, [[T + i * MIN, i], [T + (i - 1) * MIN, i - 1], [T + (i - 2) * MIN, i - 2]].filter(([t]) => t >= T) as Array<[number, number]>);
    const want = Array.from({ length: n + 1 }, (_, i) => i);
    expect((await read(head, A)).map(([t, v]) => [(t - T) / MIN, v])).toEqual([...want.map((i) => [i, i]), [n + 1, -1]]);
    head.truncate(T + 100 * MIN);
    const kept = await read(head, A);
    expect(kept[0]).toEqual([T + 100 * MIN, 100]);
    expect(kept).toHaveLength(n + 1 - 100 + 1);
    expect(head.stats().minTime).toBe(T + 100 * MIN);
    expect(head.stats().outOfOrderSamples).toBe(n + 1 - 100);
  });

  it('hands onCommit the out-of-order samples apart, and replay puts them back whatever the window is then', async () => {
    const batches: CommitBatch[] = [];
    const copy = (b: CommitBatch): CommitBatch => ({ ...b, series: [...b.series], refs: b.refs.slice(), t: b.t.slice(), v: b.v.slice(), oooRefs: b.oooRefs.slice(), oooT: b.oooT.slice(), oooV: b.oooV.slice() });
    const head = open({ outOfOrderTimeWindowMs: 60 * MIN, onCommit: (b) => void batches.push(copy(b)) });
    await commit(head, A, [[T, 0], [T + 20 * MIN, 20]]);
    await commit(head, A, [[T + 10 * MIN, 10], [T + 30 * MIN, 30]]);
    expect(batches[1]).toMatchObject({ n: 1, oooN: 1 });
    expect([batches[1].t[0], batches[1].oooT[0]]).toEqual([T + 30 * MIN, T + 10 * MIN]);

    const again = open({ outOfOrderTimeWindowMs: 0 });
    for (const b of batches) {
      for (const s of b.series) again.replaySeries(s.ref, s.labels);
      again.replaySamples(b.refs, b.t, b.v, b.n);
      expect(again.replayOutOfOrder(b.oooRefs, b.oooT, b.oooV, b.oooN)).toBe(b.oooN);
    }
    expect(await read(again, A)).toEqual(await read(head, A));
  });

  it('a block cut merges them into the series chunks in time order', async () => {
    const R = 15 * MIN;
    const T0 = Math.ceil(T / R) * R; // chunk ranges aligned like block ranges
    const head = open({ outOfOrderTimeWindowMs: 60 * MIN, chunkRangeMs: R });
    await commit(head, A, [[T0, 0], [T0 + 20 * MIN, 20]]);
    await commit(head, A, [[T0 + 10 * MIN, 10], [T0 + 5 * MIN, 5]]);
    await commit(head, B, [[T0 + 7 * MIN, 7]]);
    const decoded = [...head.seriesForBlock(T0, T0 + R - 1)].map((s) => {
      const out: number[] = [];
      for (const c of s.chunks) {
        const it = chunkFromBytes(c.encoding, c.bytes).iterator();
        const first = out.length;
        while (it.next() !== ValueType.None) out.push((it.atT() - T0) / MIN);
        expect([c.mint, c.maxt]).toEqual([T0 + out[first] * MIN, T0 + out[out.length - 1] * MIN]);
      }
      return [s.labels[0].value, out];
    });
    expect(decoded).toEqual([['a', [0, 5, 10]], ['b', [7]]]);
  });

  it('refuses a bad window', () => {
    expect(() => open({ outOfOrderTimeWindowMs: -1 })).toThrow(RangeError);
  });
});
