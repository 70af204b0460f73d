/**
 * @module One behaviour suite for every implementation of the storage seam (embedded store today,
 * a remote Prometheus-compatible store later): call runStorageSuite from that store's test file.
 */
import { describe, expect, it } from 'vitest';
import { labelsFrom, labelsToObject, type Labels } from '../model/labels.ts';
import { Matcher } from '../model/matcher.ts';
import { STALE_NAN, ValueType, isStaleNaN } from '../model/value.ts';
import type { Appendable, Deletable, Queryable, SeriesSet } from './interface.ts';
import { StorageError } from './interface.ts';

/** A freshly opened, empty store. */
export interface StoreUnderTest {
  appendable: Appendable;
  queryable: Queryable;
  /** Stores that can delete series; the delete cases run only for them. */
  deletable?: Deletable;
  close(): Promise<void>;
}

const L = (o: Record<string, string>): Labels => labelsFrom(o);
const T = 1_700_000_000_000;

async function read(set: SeriesSet): Promise<Array<{ labels: Record<string, string>; samples: Array<[number, number]> }>> {
  const out = [];
  while (set.next()) {
    const s = set.at();
    const it = s.iterator();
    const samples: Array<[number, number]> = [];
    while (it.next() !== ValueType.None) samples.push([it.atT(), it.atV()]);
    out.push({ labels: labelsToObject(s.labels), samples });
  }
  return out;
}

/** Registers the suite under `name`; `open` must give a new empty store each call. */
export function runStorageSuite(name: string, open: () => Promise<StoreUnderTest>): void {
  describe(`storage suite: ${name}`, () => {
    const withStore = (fn: (s: StoreUnderTest) => Promise<void>) => async () => {
      const s = await open();
      try { await fn(s); } finally { await s.close(); }
    };
    const eq = (n: string, v: string) => new Matcher('=', n, v);

    it('makes samples visible at commit, not before, and drops them on rollback', withStore(async (s) => {
      const a = s.appendable.appender();
      a.append(0, L({ __name__: 'm', x: '1' }), T, 1);
      const q1 = await s.queryable.querier(T - 1000, T + 1000);
      expect(await read(await q1.select({ start: T - 1000, end: T + 1000 }, eq('__name__', 'm')))).toEqual([]);
      await a.commit();
      const q2 = await s.queryable.querier(T - 1000, T + 1000);
      expect(await read(await q2.select({ start: T - 1000, end: T + 1000 }, eq('__name__', 'm')))).toEqual([{ labels: { __name__: 'm', x: '1' }, samples: [[T, 1]] }]);
      const b = s.appendable.appender();
      b.append(0, L({ __name__: 'm', x: '2' }), T, 2);
      b.rollback();
      const q3 = await s.queryable.querier(T - 1000, T + 1000);
      expect(await q3.labelValues('x')).toEqual(['1']);
    }));

    it('rejects out-of-order and duplicate samples with typed errors, keeping the batch usable', withStore(async (s) => {
      const a = s.appendable.appender();
      const labels = L({ __name__: 'o' });
      a.append(0, labels, T, 1);
      a.append(0, labels, T + 10, 2);
      expect(() => a.append(0, labels, T + 5, 3)).toThrow(StorageError);
      try { a.append(0, labels, T + 5, 3); } catch (err) { expect((err as StorageError).code).toBe('out_of_order'); }
      try { a.append(0, labels, T + 10, 9); } catch (err) { expect((err as StorageError).code).toBe('duplicate_sample'); }
      a.append(0, labels, T + 20, 4);
      await a.commit();
      const b = s.appendable.appender();
      expect(() => b.append(0, labels, T + 15, 5)).toThrow(/out of order/);
      await b.commit();
      const q = await s.queryable.querier(T, T + 100);
      expect((await read(await q.select({ start: T, end: T + 100 }, eq('__name__', 'o'))))[0].samples).toEqual([[T, 1], [T + 10, 2], [T + 20, 4]]);
    }));

    it('selects by =, !=, =~, !~ sorted by labels, and refuses all-empty-matching selectors', withStore(async (s) => {
      const a = s.appendable.appender();
      for (const [route, code] of [['/b', '200'], ['/a', '500'], ['/a', '200'], ['/c', '404']]) a.append(0, L({ __name__: 'req', route, code }), T, 1);
      a.append(0, L({ __name__: 'other', route: '/a' }), T, 1);
      await a.commit();
      const q = await s.queryable.querier(T, T);
      const sel = async (...m: Matcher[]) => (await read(await q.select({ start: T, end: T }, ...m))).map((x) => `${x.labels.__name__}${x.labels.route}:${x.labels.code ?? ''}`);
      // Sorted pairwise in label-name order: __name__, then code, then route.
      expect(await sel(eq('__name__', 'req'))).toEqual(['req/a:200', 'req/b:200', 'req/c:404', 'req/a:500']);
      expect(await sel(eq('__name__', 'req'), new Matcher('!=', 'code', '200'))).toEqual(['req/c:404', 'req/a:500']);
      expect(await sel(new Matcher('=~', 'route', '/a|/c'))).toEqual(['other/a:', 'req/a:200', 'req/c:404', 'req/a:500']);
      expect(await sel(eq('__name__', 'req'), new Matcher('!~', 'code', '2..'))).toEqual(['req/c:404', 'req/a:500']);
      expect(await sel(eq('__name__', 'req'), new Matcher('=', 'missing', ''))).toHaveLength(4);
      await expect(q.select({ start: T, end: T }, new Matcher('=~', 'route', '.*'))).rejects.toThrow(/empty/);
      expect(await q.labelNames()).toEqual(['__name__', 'code', 'route']);
      expect(await q.labelNames(eq('__name__', 'other'))).toEqual(['__name__', 'route']);
      expect(await q.labelValues('code', eq('route', '/a'))).toEqual(['200', '500']);
    }));

    it('seeks within the querier range and keeps staleness markers bit-exact', withStore(async (s) => {
      const a = s.appendable.appender();
      const labels = L({ __name__: 'st' });
      for (let i = 0; i < 10; i++) a.append(0, labels, T + i * 1000, i);
      a.append(0, labels, T + 10_000, STALE_NAN);
      a.append(0, labels, T + 11_000, NaN);
      await a.commit();
      const q = await s.queryable.querier(T + 2000, T + 11_000);
      const set = await q.select({ start: T + 2000, end: T + 11_000 }, eq('__name__', 'st'));
      expect(set.next()).toBe(true);
      const it = set.at().iterator();
      expect(it.seek(T + 4500)).toBe(ValueType.Float);
      expect([it.atT(), it.atV()]).toEqual([T + 5000, 5]);
      expect(it.seek(T + 10_000)).toBe(ValueType.Float);
      expect(isStaleNaN(it.atV())).toBe(true);
      expect(it.next()).toBe(ValueType.Float);
      expect([Number.isNaN(it.atV()), isStaleNaN(it.atV())]).toEqual([true, false]);
      expect(it.next()).toBe(ValueType.None);
      const first = set.at().iterator();
      expect(first.next()).toBe(ValueType.Float);
      expect(first.atT()).toBe(T + 2000);
    }));

    it('deletes a time range of matching series and whole series, and keeps what is appended afterwards', withStore(async (s) => {
      if (!s.deletable) return;
      const a = s.appendable.appender();
      for (const x of ['1', '2']) for (let i = 0; i < 10; i++) a.append(0, L({ __name__: 'd', x }), T + i * 1000, i);
      for (let i = 0; i < 10; i++) a.append(0, L({ __name__: 'gone', x: '1' }), T + i * 1000, i);
      await a.commit();
      const all = async (name: string) => (await read(await (await s.queryable.querier(T - 1000, T + 60_000)).select({ start: T - 1000, end: T + 60_000 }, eq('__name__', name)))).map((x) => [x.labels.x, x.samples.map(([t]) => (t - T) / 1000)]);

      await s.deletable.delete(T + 2000, T + 4000, eq('__name__', 'd'), eq('x', '1'));
      await s.deletable.delete(-Infinity, Infinity, eq('__name__', 'gone'));
      await s.deletable.delete(-Infinity, Infinity, eq('__name__', 'nothing_matches'));
      await s.deletable.delete(T + 3000, T + 3500, eq('__name__', 'd'), eq('x', '1')); // already deleted
      expect(await all('d')).toEqual([['1', [0, 1, 5, 6, 7, 8, 9]], ['2', [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]]]);
      expect(await all('gone')).toEqual([]);

      // Like Prometheus, a delete reaches only the samples there are: later ones stay, even under an open end.
      const b = s.appendable.appender();
      b.append(0, L({ __name__: 'd', x: '1' }), T + 20_000, 20);
      b.append(0, L({ __name__: 'gone', x: '1' }), T + 20_000, 20);
      await b.commit();
      expect(await all('d')).toEqual([['1', [0, 1, 5, 6, 7, 8, 9, 20]], ['2', [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]]]);
      expect(await all('gone')).toEqual([['1', [20]]]);
    }));

    it('appends by ref where it offers that: the ref an append returned, not an unknown one or a deleted series\'', withStore(async (s) => {
      const a = s.appendable.appender();
      if (a.appendRef === undefined) return a.rollback();
      const ref = a.append(0, L({ __name__: 'r', x: '1' }), T, 1);
      expect(a.appendRef(ref, T + 1000, 2)).toBe(true);
      expect(a.appendRef(ref + 1_000_000, T + 1000, 2)).toBe(false);
      expect(a.appendRef(0, T + 1000, 2)).toBe(false);
      // The sample itself is checked as append() checks it.
      expect(() => a.appendRef!(ref, T, 3)).toThrow(StorageError);
      await a.commit();
      const q = await s.queryable.querier(T - 1000, T + 60_000);
      expect(await read(await q.select({ start: T - 1000, end: T + 60_000 }, eq('__name__', 'r')))).toEqual([{ labels: { __name__: 'r', x: '1' }, samples: [[T, 1], [T + 1000, 2]] }]);
      if (!s.deletable) return;
      await s.deletable.delete(-Infinity, Infinity, eq('__name__', 'r'));
      const b = s.appendable.appender();
      expect(b.appendRef!(ref, T + 2000, 4)).toBe(false); // the series is gone: the writer appends with labels again
      b.append(ref, L({ __name__: 'r', x: '1' }), T + 2000, 4);
      await b.commit();
      const q2 = await s.queryable.querier(T - 1000, T + 60_000);
      expect(await read(await q2.select({ start: T - 1000, end: T + 60_000 }, eq('__name__', 'r')))).toEqual([{ labels: { __name__: 'r', x: '1' }, samples: [[T + 2000, 4]] }]);
    }));

    it('rejects samples too far in the future as out of bounds', withStore(async (s) => {
      const a = s.appendable.appender();
      try {
        a.append(0, L({ __name__: 'f' }), Date.now() + 3_600_000, 1);
        expect.unreachable();
      } catch (err) {
        expect((err as StorageError).code).toBe('out_of_bounds');
      }
      a.rollback();
    }));
  });
}
