/**
 * @module Postings: for each label pair, the sorted list of series refs that carry it, as growable
 * Uint32Arrays (Prometheus tsdb/index/postings.go MemPostings); set operations are in
 * ../postings-set.ts. Refs are handed out in increasing order, so appending keeps a list sorted; WAL replay may
 * add older refs late, which insert in place.
 */

import { EMPTY_POSTINGS as EMPTY } from '../postings-set.ts';

export { intersect, subtract, union } from '../postings-set.ts';

/** Inserts ref into the sorted list (arr, len) and returns the (possibly reallocated) array; the caller bumps len. */
function insertSorted(arr: Uint32Array, len: number, ref: number): Uint32Array {
  if (len === arr.length) {
    const next = new Uint32Array(len < 4 ? 4 : len < 1024 ? len * 2 : Math.ceil(len * 1.25));
    next.set(arr);
    arr = next;
  }
  if (len === 0 || arr[len - 1] < ref) {
    arr[len] = ref;
    return arr;
  }
  let lo = 0;
  let hi = len;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (arr[mid] < ref) lo = mid + 1;
    else hi = mid;
  }
  arr.copyWithin(lo + 1, lo, len);
  arr[lo] = ref;
  return arr;
}

/**
 * Postings lists by pair id plus the list of all series. get()/all() return views that stay
 * valid until the next removeDead(); add() never changes what a view shows.
 */
export class PostingsStore {
  #lists: Array<Uint32Array | null> = [];
  #lens = new Uint32Array(256);
  #all: Uint32Array = new Uint32Array(1024);
  #allLen = 0;

  /** Adds ref to the list of pairId (and to all() once per ref via addSeries). */
  add(pairId: number, ref: number): void {
    while (pairId >= this.#lists.length) this.#lists.push(null);
    if (pairId >= this.#lens.length) {
      const lens = new Uint32Array(Math.max(pairId + 1, this.#lens.length * 2));
      lens.set(this.#lens);
      this.#lens = lens;
    }
    const len = this.#lens[pairId];
    // The first ref of a pair lives in a 1-element list: most high-cardinality pairs stay that small.
    const arr = this.#lists[pairId] ?? new Uint32Array(1);
    this.#lists[pairId] = len === 0 ? ((arr[0] = ref), arr) : insertSorted(arr, len, ref);
    this.#lens[pairId] = len + 1;
  }

  /** Adds ref to all(). */
  addSeries(ref: number): void {
    this.#all = insertSorted(this.#all, this.#allLen, ref);
    this.#allLen++;
  }

  /** The sorted refs carrying pairId (empty when none). */
  get(pairId: number): Uint32Array {
    const arr = this.#lists[pairId];
    return arr ? arr.subarray(0, this.#lens[pairId]) : EMPTY;
  }

  /** Length of pairId's list. */
  count(pairId: number): number {
    return pairId < this.#lens.length ? this.#lens[pairId] : 0;
  }

  /** Every series ref, sorted. */
  all(): Uint32Array {
    return this.#all.subarray(0, this.#allLen);
  }

  /**
   * Drops refs for which alive(ref) is false from the lists of `pairIds` and from all(). Returns
   * the pair ids whose list became empty (their slot is cleared and may be reused).
   */
  removeDead(pairIds: Iterable<number>, alive: (ref: number) => boolean): number[] {
    const emptied: number[] = [];
    for (const p of pairIds) {
      const arr = this.#lists[p];
      if (!arr) continue;
      const len = this.#lens[p];
      let n = 0;
      const next = new Uint32Array(len);
      for (let i = 0; i < len; i++) if (alive(arr[i])) next[n++] = arr[i];
      if (n === 0) {
        this.#lists[p] = null;
        this.#lens[p] = 0;
        emptied.push(p);
      } else {
        this.#lists[p] = n === len ? next : next.slice(0, n);
        this.#lens[p] = n;
      }
    }
    const all = this.#all;
    const next = new Uint32Array(Math.max(1024, this.#allLen));
    let n = 0;
    for (let i = 0; i < this.#allLen; i++) if (alive(all[i])) next[n++] = all[i];
    this.#all = next;
    this.#allLen = n;
    return emptied;
  }

  /** Bytes of list storage (capacity), for stats. */
  get byteLength(): number {
    let b = this.#lens.byteLength + this.#all.byteLength;
    for (const l of this.#lists) if (l) b += l.byteLength;
    return b;
  }
}
