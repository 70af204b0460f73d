/**
 * @module A plain in-memory store behind the storage interfaces, for tests and the promqltest
 * runner: samples in growable Float64Arrays (so stale-marker NaN payloads survive), series
 * sorted by labels at query time, no durability.
 */
import { compareLabels, labelsKey, type Labels } from '../../model/labels.ts';
import { matchesAll, type Matcher } from '../../model/matcher.ts';
import { ValueType } from '../../model/value.ts';
import type { Querier, Queryable, SampleIterator, SelectHints, Series, SeriesSet } from '../interface.ts';

interface MemSeries {
  readonly labels: Labels;
  t: Float64Array;
  v: Float64Array;
  /** Start timestamps (0: unknown), allocated with the first one given. */
  st: Float64Array | null;
  n: number;
}

export class MemoryStore implements Queryable {
  readonly #byKey = new Map<string, MemSeries>();
  #sorted: MemSeries[] | null = null;

  /** Appends one sample (with its start timestamp, 0 when unknown); samples of a series must come in time order. */
  add(labels: Labels, t: number, v: number, st = 0): void {
    const key = labelsKey(labels);
    let s = this.#byKey.get(key);
    if (!s) {
      s = { labels, t: new Float64Array(8), v: new Float64Array(8), st: null, n: 0 };
      this.#byKey.set(key, s);
      this.#sorted = null;
    }
    if (s.n === s.t.length) {
      const grow = (a: Float64Array): Float64Array => {
        const b = new Float64Array(a.length * 2);
        b.set(a);
        return b;
      };
      s.t = grow(s.t);
      s.v = grow(s.v);
      if (s.st) s.st = grow(s.st);
    }
    if (st !== 0 && !s.st) s.st = new Float64Array(s.t.length);
    s.t[s.n] = t;
    s.v[s.n] = v;
    if (s.st) s.st[s.n] = st;
    s.n++;
  }

  clear(): void {
    this.#byKey.clear();
    this.#sorted = null;
  }

  #all(): MemSeries[] {
    if (!this.#sorted) this.#sorted = [...this.#byKey.values()].sort((a, b) => compareLabels(a.labels, b.labels));
    return this.#sorted;
  }

  async querier(mint: number, maxt: number): Promise<Querier> {
    const all = this.#all();
    const matching = (ms: Matcher[]): MemSeries[] => all.filter((s) => s.n > 0 && s.t[0] <= maxt && s.t[s.n - 1] >= mint && matchesAll(s.labels, ms));
    return {
      select: async (hints: SelectHints, ...ms: Matcher[]): Promise<SeriesSet> => {
        let list = matching(ms);
        if (hints.limit) list = list.slice(0, hints.limit);
        let i = -1;
        return {
          next: () => ++i < list.length,
          at: (): Series => {
            const s = list[i];
            return {
              labels: s.labels,
              iterator: () => new ColumnIterator(s.t, s.v, s.st, s.n, mint, maxt),
              columns: (from: number, to: number) => {
                const lo = lowerBound(s.t, s.n, Math.max(mint, from));
                const hi = Math.max(lo, lowerBound(s.t, s.n, Math.min(maxt, to) + 1));
                return { t: s.t.subarray(lo, hi), v: s.v.subarray(lo, hi), ...(s.st ? { st: s.st.subarray(lo, hi) } : {}) };
              },
            };
          },
          warnings: () => [],
        };
      },
      labelNames: async (...ms: Matcher[]) => {
        const names = new Set<string>();
        for (const s of matching(ms)) for (const l of s.labels) names.add(l.name);
        return [...names].sort();
      },
      labelValues: async (name: string, ...ms: Matcher[]) => {
        const values = new Set<string>();
        for (const s of matching(ms)) for (const l of s.labels) if (l.name === name) values.add(l.value);
        return [...values].sort();
      },
      close: () => {},
    };
  }
}

/** The first index whose time is >= x (ms times are integers, so <= x is < x + 1). */
function lowerBound(t: Float64Array, n: number, x: number): number {
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (t[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

class ColumnIterator implements SampleIterator {
  #i = -1;
  constructor(
    readonly t: Float64Array,
    readonly v: Float64Array,
    readonly st: Float64Array | null,
    readonly n: number,
    readonly mint: number,
    readonly maxt: number,
  ) {
    // Binary search for the first sample >= mint.
    let lo = 0, hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (t[mid] < mint) lo = mid + 1;
      else hi = mid;
    }
    this.#i = lo - 1;
  }
  next(): ValueType {
    this.#i++;
    if (this.#i >= this.n || this.t[this.#i] > this.maxt) return ValueType.None;
    return ValueType.Float;
  }
  seek(t: number): ValueType {
    if (this.#i < 0) this.#i = 0;
    const target = Math.max(t, this.mint);
    while (this.#i < this.n && this.t[this.#i] < target) this.#i++;
    if (this.#i >= this.n || this.t[this.#i] > this.maxt) return ValueType.None;
    return ValueType.Float;
  }
  atT(): number {
    return this.t[this.#i];
  }
  atV(): number {
    return this.v[this.#i];
  }
  atST(): number {
    return this.st ? this.st[this.#i] : 0;
  }
}
