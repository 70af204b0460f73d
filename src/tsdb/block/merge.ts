/**
 * @module Merges queriers of several stores with possibly overlapping data, e.g. blocks and the
 * head (Prometheus storage/merge.go NewMergeQuerier with ChainedSeriesMerge): series with equal
 * labels become one, whose samples are merged by time with one sample per timestamp.
 */
import { compareLabels, type Labels } from '../../model/labels.ts';
import type { Matcher } from '../../model/matcher.ts';
import type { Querier, SampleColumns, SampleIterator, SelectHints, Series, SeriesSet } from '../../storage/interface.ts';
import { collectColumns, columnsBuilder, concatDisjoint, isColumnsSource } from '../columns.ts';
import { MergeIterator } from './iterators.ts';

/**
 * One Querier over `queriers`, which must be ordered oldest data first (blocks by time, then
 * the head): where two hold a sample at the same timestamp, the later querier's value is
 * returned. Warnings of all selects are joined. close() closes every querier.
 */
export function mergeQueriers(queriers: readonly Querier[]): Querier {
  if (queriers.length === 1) return queriers[0];
  return new MergeQuerier(queriers);
}

class MergeQuerier implements Querier {
  readonly #qs: readonly Querier[];

  constructor(qs: readonly Querier[]) {
    this.#qs = qs;
  }

  async select(hints: SelectHints, ...matchers: Matcher[]): Promise<SeriesSet> {
    if (matchers.every((m) => m.matchesEmpty())) throw new Error('at least one matcher must not match the empty string');
    const sets = await Promise.all(this.#qs.map((q) => q.select(hints, ...matchers)));
    return new MergeSeriesSet(sets, hints.limit ?? 0);
  }

  async labelNames(...matchers: Matcher[]): Promise<string[]> {
    return sortedUnion(await Promise.all(this.#qs.map((q) => q.labelNames(...matchers))));
  }

  async labelValues(name: string, ...matchers: Matcher[]): Promise<string[]> {
    return sortedUnion(await Promise.all(this.#qs.map((q) => q.labelValues(name, ...matchers))));
  }

  close(): void {
    for (const q of this.#qs) q.close();
  }
}

function sortedUnion(lists: string[][]): string[] {
  return [...new Set(lists.flat())].sort();
}

class MergeSeriesSet implements SeriesSet {
  readonly #sets: readonly SeriesSet[];
  readonly #heads: Array<Series | null>;
  readonly #limit: number;
  #started = false;
  #returned = 0;
  #cur: Series | null = null;
  /** Which sets contributed to #cur and must advance on the next call. */
  #used: number[] = [];

  constructor(sets: readonly SeriesSet[], limit: number) {
    this.#sets = sets;
    this.#heads = sets.map(() => null);
    this.#limit = limit;
  }

  next(): boolean {
    if (this.#limit > 0 && this.#returned >= this.#limit) return false;
    if (!this.#started) {
      this.#started = true;
      for (let i = 0; i < this.#sets.length; i++) this.#heads[i] = this.#sets[i].next() ? this.#sets[i].at() : null;
    } else {
      for (const i of this.#used) this.#heads[i] = this.#sets[i].next() ? this.#sets[i].at() : null;
    }
    let min: Labels | null = null;
    for (const h of this.#heads) if (h && (min === null || compareLabels(h.labels, min) < 0)) min = h.labels;
    if (min === null) return false;
    this.#used = [];
    const same: Series[] = [];
    for (let i = 0; i < this.#heads.length; i++) {
      const h = this.#heads[i];
      if (h && compareLabels(h.labels, min) === 0) {
        this.#used.push(i);
        same.push(h);
      }
    }
    this.#cur = same.length === 1 ? same[0] : new MergedSeries(same);
    this.#returned++;
    return true;
  }

  at(): Series {
    return this.#cur!;
  }

  warnings(): readonly string[] {
    return this.#sets.flatMap((s) => s.warnings());
  }
}

class MergedSeries implements Series {
  readonly labels: Labels;
  readonly #parts: readonly Series[];

  constructor(parts: readonly Series[]) {
    this.labels = parts[0].labels;
    this.#parts = parts;
  }

  iterator(): SampleIterator {
    return new MergeIterator(this.#parts.map((p) => p.iterator()));
  }

  /**
   * The parts' samples one after another when they do not overlap in time (blocks and head
   * usually do not): decoded straight into one builder when every part can, else concatenated.
   * Otherwise the merged samples.
   */
  columns(from: number, to: number): SampleColumns {
    const parts = this.#parts;
    if (parts.every(isColumnsSource)) {
      const b = columnsBuilder();
      let last = -Infinity;
      let disjoint = true;
      for (const p of parts) {
        const start = b.n;
        p.appendColumns(b, from, to);
        if (b.n === start) continue;
        if (!(b.t[start] > last)) {
          disjoint = false;
          break;
        }
        last = b.t[b.n - 1];
      }
      if (disjoint) return b.finish();
    } else if (parts.every((p) => p.columns !== undefined)) {
      const joined = concatDisjoint(parts.map((p) => p.columns!(from, to)));
      if (joined !== null) return joined;
    }
    return collectColumns(this.iterator(), from, to);
  }
}
