/**
 * @module Small sample iterators of the head's slow paths: one over sorted columns (out-of-order
 * samples), and one that hides deleted intervals (tombstones) of another iterator.
 */
import { ValueType } from '../../model/value.ts';
import type { SampleIterator } from '../../storage/interface.ts';
import type { Intervals } from '../block/tombstones.ts';

/** A cursor over samples t[i], v[i] for i < n, ascending by time. The arrays are not copied. */
export class ColumnsIterator implements SampleIterator {
  readonly #t: Float64Array;
  readonly #v: Float64Array;
  readonly #n: number;
  #i = -1;

  constructor(t: Float64Array, v: Float64Array, n = t.length) {
    this.#t = t;
    this.#v = v;
    this.#n = n;
  }

  next(): ValueType {
    if (this.#i < this.#n) this.#i++;
    return this.#i < this.#n ? ValueType.Float : ValueType.None;
  }

  seek(t: number): ValueType {
    if (this.#i < 0) this.#i = 0;
    // Binary search from the current position: seek never moves backwards.
    let lo = this.#i;
    let hi = this.#n;
    if (lo < hi && this.#t[lo] >= t) return ValueType.Float;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.#t[mid] < t) lo = mid + 1;
      else hi = mid;
    }
    this.#i = lo;
    return lo < this.#n ? ValueType.Float : ValueType.None;
  }

  atT(): number {
    return this.#t[this.#i];
  }

  atV(): number {
    return this.#v[this.#i];
  }
}

/** Hides the samples of `it` that lie in one of `ivs` (sorted, disjoint, inclusive ms pairs). */
export class DeletedFilterIterator implements SampleIterator {
  readonly #it: SampleIterator;
  readonly #ivs: Intervals;
  #di = 0;

  constructor(it: SampleIterator, ivs: Intervals) {
    this.#it = it;
    this.#ivs = ivs;
  }

  next(): ValueType {
    return this.#skip(this.#it.next());
  }

  seek(t: number): ValueType {
    return this.#skip(this.#it.seek(t));
  }

  #skip(vt: ValueType): ValueType {
    const ivs = this.#ivs;
    while (vt !== ValueType.None) {
      const t = this.#it.atT();
      while (this.#di < ivs.length && ivs[this.#di + 1] < t) this.#di += 2;
      if (this.#di >= ivs.length || ivs[this.#di] > t) return vt;
      // Inside a deleted interval: jump past its end.
      vt = this.#it.seek(ivs[this.#di + 1] + 1);
    }
    return vt;
  }

  atT(): number {
    return this.#it.atT();
  }

  atV(): number {
    return this.#it.atV();
  }
}
