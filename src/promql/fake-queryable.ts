/**
 * @module An in-memory Queryable for tests: a fake, not a mock. Series are added with columns of
 * samples; queriers honour the [mint, maxt] range, matchers, sort order and limit like a real store.
 */
import { compareLabels, labelsFrom, type Labels } from '../model/labels.ts';
import { matchesAll, type Matcher } from '../model/matcher.ts';
import { STALE_NAN, ValueType } from '../model/value.ts';
import type { Querier, Queryable, SampleIterator, SelectHints, Series, SeriesSet } from '../storage/interface.ts';

interface StoredSeries {
  readonly labels: Labels;
  readonly t: Float64Array;
  readonly v: Float64Array;
}

/** A Queryable over series held in memory. Add all series before querying. */
export class FakeQueryable implements Queryable {
  readonly #series: StoredSeries[] = [];
  /** Every querier range asked for, for assertions on mint/maxt. */
  readonly querierRanges: Array<{ mint: number; maxt: number }> = [];
  /** Open queriers; tests check this returns to 0. */
  openQueriers = 0;
  /** Warnings every SeriesSet reports. */
  warnings: string[] = [];

  /**
   * Adds a series; samples are [t ms, v] pairs in ascending time. Write 'stale' for a staleness
   * marker: a NaN payload does not survive a plain JS array.
   */
  add(labels: Record<string, string>, samples: ReadonlyArray<readonly [number, number | 'stale']>): this {
    const t = new Float64Array(samples.length);
    const v = new Float64Array(samples.length);
    samples.forEach(([ts, val], i) => {
      t[i] = ts;
      v[i] = val === 'stale' ? STALE_NAN : val;
    });
    this.#series.push({ labels: labelsFrom(labels), t, v });
    this.#series.sort((a, b) => compareLabels(a.labels, b.labels));
    return this;
  }

  /** Adds a series from columns (keeps NaN payloads intact, unlike number arrays). */
  addColumns(labels: Record<string, string>, t: Float64Array, v: Float64Array): this {
    this.#series.push({ labels: labelsFrom(labels), t, v });
    this.#series.sort((a, b) => compareLabels(a.labels, b.labels));
    return this;
  }

  async querier(mint: number, maxt: number): Promise<Querier> {
    this.querierRanges.push({ mint, maxt });
    this.openQueriers++;
    const all = this.#series;
    const warnings = this.warnings;
    let closed = false;
    const inRange = (s: StoredSeries) => s.t.some((t) => t >= mint && t <= maxt);
    const matching = (ms: Matcher[]) => all.filter((s) => inRange(s) && matchesAll(s.labels, ms));
    return {
      select: async (hints: SelectHints, ...ms: Matcher[]): Promise<SeriesSet> => {
        let list = matching(ms);
        if (hints.limit) list = list.slice(0, hints.limit);
        let i = -1;
        return {
          next: () => ++i < list.length,
          at: (): Series => {
            const s = list[i];
            return { labels: s.labels, iterator: () => new ColumnIterator(s.t, s.v, mint, maxt) };
          },
          warnings: () => warnings,
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
      close: () => {
        if (!closed) this.openQueriers--;
        closed = true;
      },
    };
  }
}

class ColumnIterator implements SampleIterator {
  #i = -1;
  readonly #t: Float64Array;
  readonly #v: Float64Array;
  readonly #mint: number;
  readonly #maxt: number;
  constructor(t: Float64Array, v: Float64Array, mint: number, maxt: number) {
    this.#t = t;
    this.#v = v;
    this.#mint = mint;
    this.#maxt = maxt;
    while (this.#i + 1 < t.length && t[this.#i + 1] < mint) this.#i++;
  }
  next(): ValueType {
    this.#i++;
    if (this.#i >= this.#t.length || this.#t[this.#i] > this.#maxt) return ValueType.None;
    return ValueType.Float;
  }
  seek(t: number): ValueType {
    if (this.#i < 0) this.#i = 0;
    while (this.#i < this.#t.length && this.#t[this.#i] < Math.max(t, this.#mint)) this.#i++;
    if (this.#i >= this.#t.length || this.#t[this.#i] > this.#maxt) return ValueType.None;
    return ValueType.Float;
  }
  atT(): number {
    return this.#t[this.#i];
  }
  atV(): number {
    return this.#v[this.#i];
  }
}
